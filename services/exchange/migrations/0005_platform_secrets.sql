-- The service's secrets (the key that signs page tokens, see the platform's paging module),
-- created at first start.
CREATE TABLE platform_secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
