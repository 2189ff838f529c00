-- The reporting service's schema. Valid on SQLite and PostgreSQL: integer and text columns only;
-- times are microseconds since the Unix epoch (0 = not yet), dates are text yyyy-MM-dd,
-- decimal values are text.

-- Monotonic sequences (history events).
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('event', 0);

-- Agencies the service knows (seeded, or seen in statistics and reports): the expected
-- submitters of a regime whose submitters are a pattern.
CREATE TABLE agencies (
    code     TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    added_at BIGINT NOT NULL
);

-- One row per regime. regime_pb is the Regime message as created (protobuf, hex).
CREATE TABLE regimes (
    code       TEXT PRIMARY KEY,
    owner      TEXT NOT NULL,
    regime_pb  TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

-- One row per (regime, period, submitting agency): the report's current state.
-- status: 1 draft, 2 submitted, 3 accepted, 4 returned. values_json: [{code, value, prefilled}].
-- version increases with every change (optimistic concurrency).
CREATE TABLE reports (
    regime_code        TEXT NOT NULL REFERENCES regimes (code),
    period             TEXT NOT NULL,
    agency             TEXT NOT NULL,
    status             BIGINT NOT NULL,
    values_json        TEXT NOT NULL,
    first_submitted_at BIGINT NOT NULL DEFAULT 0,
    submitted_at       BIGINT NOT NULL DEFAULT 0,
    accepted_at        BIGINT NOT NULL DEFAULT 0,
    late               BIGINT NOT NULL DEFAULT 0,
    return_reason      TEXT NOT NULL DEFAULT '',
    submissions        BIGINT NOT NULL DEFAULT 0,
    version            BIGINT NOT NULL,
    created_at         BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    PRIMARY KEY (regime_code, period, agency)
);

-- Every change of every report, in order: the full history.
-- action: 1 created, 2 saved, 3 submitted, 4 resubmitted, 5 accepted, 6 returned.
CREATE TABLE report_events (
    seq         BIGINT PRIMARY KEY,
    regime_code TEXT NOT NULL,
    period      TEXT NOT NULL,
    agency      TEXT NOT NULL,
    action      BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    at          BIGINT NOT NULL,
    reason      TEXT NOT NULL,
    late        BIGINT NOT NULL,
    values_json TEXT NOT NULL
);
CREATE INDEX report_events_by_report ON report_events (regime_code, period, agency, seq);

-- Daily statistics pushed by other services; value is a decimal as text.
CREATE TABLE statistics (
    source         TEXT NOT NULL,
    indicator_code TEXT NOT NULL,
    agency         TEXT NOT NULL,
    day            TEXT NOT NULL,
    value          TEXT NOT NULL,
    updated_at     BIGINT NOT NULL,
    PRIMARY KEY (source, indicator_code, agency, day)
);
CREATE INDEX statistics_by_agency ON statistics (indicator_code, agency, day);
