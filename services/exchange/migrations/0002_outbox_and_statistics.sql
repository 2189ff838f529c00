-- Work for other services, delivered by a background worker until accepted (see the platform's
-- outbox module): tasks to create from steering documents, and (with federation) relays.
CREATE TABLE outbox (
    id              BIGINT PRIMARY KEY,
    topic           TEXT NOT NULL,
    dedupe_key      TEXT NOT NULL UNIQUE,
    payload         TEXT NOT NULL,
    traceparent     TEXT NOT NULL,
    attempts        BIGINT NOT NULL,
    next_attempt_at BIGINT NOT NULL,
    last_error      TEXT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox (topic, next_attempt_at, id);
INSERT INTO counters (name, value) VALUES ('outbox', 0);

-- Days (Vietnam local dates) whose traffic figures changed since they were last pushed to the
-- reporting service. The version tells a push that raced with a new document to push again.
CREATE TABLE stat_dirty (
    day     TEXT PRIMARY KEY,
    version BIGINT NOT NULL
);
