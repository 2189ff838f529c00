-- Tables of the group-commit tests only (crates/platform/tests/group_commit.rs).
CREATE TABLE counters (name TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO counters (name, value) VALUES ('items', 0);
CREATE TABLE items (seq BIGINT PRIMARY KEY, writer BIGINT NOT NULL);
CREATE TABLE rows_written (id BIGINT PRIMARY KEY);
CREATE TABLE parent (id BIGINT PRIMARY KEY);
-- Checked at COMMIT: a bad row makes the batch's COMMIT itself fail.
CREATE TABLE child (
    id BIGINT PRIMARY KEY,
    parent BIGINT NOT NULL REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED
);
