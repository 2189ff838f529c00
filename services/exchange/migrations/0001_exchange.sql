-- The exchange hub's schema. Valid on SQLite and PostgreSQL: integer and text columns only;
-- times are microseconds since the Unix epoch.

CREATE TABLE agencies (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    email      TEXT NOT NULL DEFAULT '',
    phone      TEXT NOT NULL DEFAULT '',
    address    TEXT NOT NULL DEFAULT '',
    website    TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL
);

-- Monotonic sequences. Taking the next value locks the row until commit, so values become
-- visible in increasing order: a subscriber resuming after item N never misses an item below N.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('inbox', 0);
INSERT INTO counters (name, value) VALUES ('document', 0);
INSERT INTO counters (name, value) VALUES ('status', 0);

-- One row per accepted document. header_pb is the DocumentHeader as stored (protobuf, hex).
CREATE TABLE documents (
    document_id TEXT PRIMARY KEY,
    seq         BIGINT NOT NULL UNIQUE,
    sender      TEXT NOT NULL,
    subject     TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    header_pb   TEXT NOT NULL,
    accepted_at BIGINT NOT NULL
);
CREATE INDEX documents_by_sender ON documents (sender, seq);

-- One row per recipient of a document: its transport state and business status.
-- transport_state: 1 queued, 2 delivered, 3 acknowledged. revoke_state: 0 none, 1 requested,
-- 2 accepted, 3 refused.
CREATE TABLE deliveries (
    document_id     TEXT NOT NULL REFERENCES documents (document_id),
    recipient       TEXT NOT NULL,
    transport_state BIGINT NOT NULL,
    delivered_at    BIGINT,
    acknowledged_at BIGINT,
    current_status  TEXT NOT NULL DEFAULT '',
    revoke_state    BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (document_id, recipient)
);
CREATE INDEX deliveries_by_recipient ON deliveries (recipient);

-- Every business status of every leg, in order.
CREATE TABLE statuses (
    seq         BIGINT PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents (document_id),
    recipient   TEXT NOT NULL,
    code        TEXT NOT NULL,
    reported_by TEXT NOT NULL,
    description TEXT NOT NULL,
    staff_info  TEXT NOT NULL,
    at          BIGINT NOT NULL
);
CREATE INDEX statuses_by_leg ON statuses (document_id, recipient, seq);

-- Each agency's delivery channel: documents (kind 1) and status messages (kind 2), delivered at
-- least once until acknowledged (acked_at set).
CREATE TABLE inbox (
    item_id     BIGINT PRIMARY KEY,
    agency      TEXT NOT NULL,
    kind        BIGINT NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents (document_id),
    status_seq  BIGINT REFERENCES statuses (seq),
    created_at  BIGINT NOT NULL,
    acked_at    BIGINT
);
CREATE INDEX inbox_by_agency ON inbox (agency, acked_at, item_id);
CREATE INDEX inbox_by_document ON inbox (document_id, agency);
