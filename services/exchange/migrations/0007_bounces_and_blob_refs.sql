-- Documents that cannot be delivered (bounced by the hub serving the recipient) and the
-- attachment blobs each document references (what the collection of orphan blobs keeps).

-- Why a leg failed (transport_state 5).
ALTER TABLE deliveries ADD COLUMN failure_reason TEXT NOT NULL DEFAULT '';

-- Transport events told to a sender through its inbox (kind 3 items): e.g. FAILED, with why.
CREATE TABLE transport_events (
    seq             BIGINT PRIMARY KEY,
    document_id     TEXT NOT NULL REFERENCES documents (document_id),
    recipient       TEXT NOT NULL,
    transport_state BIGINT NOT NULL,
    reason          TEXT NOT NULL,
    reporter        TEXT NOT NULL,
    at              BIGINT NOT NULL,
    hub             TEXT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('transport_event', 0);
ALTER TABLE inbox ADD COLUMN event_seq BIGINT REFERENCES transport_events (seq);

-- What this hub bounced, for the operator (GetHubStatus).
CREATE TABLE undeliverable (
    document_id TEXT NOT NULL,
    recipient   TEXT NOT NULL,
    sender      TEXT NOT NULL,
    reason      TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (document_id, recipient)
);
CREATE INDEX undeliverable_by_time ON undeliverable (at);

-- The blobs each document references. Filled for older documents once, at start
-- (counter blob_refs_backfilled: 0 until done).
CREATE TABLE document_blobs (
    sha256      TEXT NOT NULL,
    document_id TEXT NOT NULL REFERENCES documents (document_id),
    PRIMARY KEY (sha256, document_id)
);
INSERT INTO counters (name, value) VALUES ('blob_refs_backfilled', 0);
