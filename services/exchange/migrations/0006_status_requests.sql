-- Reports made with a client request id (ReportStatusRequest.request_id, AIP-155): a retry with
-- the same id from the same reporter returns the status the first one recorded (status_seq)
-- instead of recording it again; the same id with another request (another fingerprint) is
-- refused.
CREATE TABLE status_requests (
    reporter    TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status_seq  BIGINT NOT NULL REFERENCES statuses (seq),
    created_at  BIGINT NOT NULL,
    PRIMARY KEY (reporter, request_id)
);
