-- Indexes for the queries of the hot paths, checked with EXPLAIN QUERY PLAN (SQLite) and EXPLAIN
-- (PostgreSQL); what was checked is in docs/performance-queries.md. Valid on both databases.

-- An agency's pending items in item order, acknowledged ones left out: a ListPending or
-- Subscribe page is one ordered range of it. The (agency, acked_at, item_id) index it replaces
-- left PostgreSQL a sort of every pending item of the agency (it does not take `acked_at IS
-- NULL` as an equality, so the index order is not item order to it); a partial index also stays
-- as small as the backlog, whatever the number of items acknowledged.
CREATE INDEX inbox_pending ON inbox (agency, item_id) WHERE acked_at IS NULL;

-- The last item of an agency (the check of a client's cursor on every Subscribe and ListPending):
-- one seek, where the replaced index made both databases read every item the agency ever had.
CREATE INDEX inbox_by_agency_item ON inbox (agency, item_id);

DROP INDEX inbox_by_agency;

-- The oldest entry of a topic (the outbox worker's pick, `ORDER BY id LIMIT 1`): one seek,
-- where outbox_due (topic, next_attempt_at, id) made both databases sort the topic's backlog.
CREATE INDEX outbox_by_topic ON outbox (topic, id);
