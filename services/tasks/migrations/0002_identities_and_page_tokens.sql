-- Issue 9: the key of the signed page tokens (platform::paging, the same DDL in every service),
-- and actors written as the identity that acted, <kind>/<name>: agency/000.00.12.H48,
-- service/exchange (the intake), service/tasks (events the service raises itself, formerly
-- "system"). Valid on SQLite and PostgreSQL.
CREATE TABLE platform_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);

-- Bare agency codes become agency/<code>; service/<name> stays as it is.
UPDATE task_history SET actor = 'service/tasks' WHERE actor = 'system';
UPDATE task_history SET actor = 'agency/' || actor WHERE actor NOT LIKE '%/%';
UPDATE task_events SET actor = 'service/tasks' WHERE actor = 'system';
UPDATE task_events SET actor = 'agency/' || actor WHERE actor NOT LIKE '%/%';
UPDATE tasks SET created_by = 'agency/' || created_by WHERE created_by NOT LIKE '%/%';
UPDATE extensions SET requested_by = 'agency/' || requested_by
    WHERE requested_by NOT LIKE '%/%';
UPDATE extensions SET decided_by = 'agency/' || decided_by
    WHERE decided_by IS NOT NULL AND decided_by NOT LIKE '%/%';
