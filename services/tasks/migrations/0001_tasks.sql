-- The tasks service's schema. Valid on SQLite and PostgreSQL: integer and text columns only;
-- times are microseconds since the Unix epoch, dates are text yyyy-MM-dd (Vietnam local dates).

-- Monotonic sequences. Taking the next value locks the row until commit, so values become
-- visible in increasing order: a watcher resuming after event N never misses an event below N.
CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('task', 0);
INSERT INTO counters (name, value) VALUES ('history', 0);
INSERT INTO counters (name, value) VALUES ('event', 0);

-- One row per task. deadline is '' when there is none; deadline_end is the first microsecond
-- after the deadline day (Vietnam local time), NULL when there is none. state: 1 not started,
-- 2 in progress, 3 awaiting confirmation, 4 completed, 5 redo, 6 paused, 7 refused.
-- near_marker / overdue_marker: the deadline for which the near-deadline / overdue event was
-- raised ('' when none), so that the sweeper raises each once per deadline.
CREATE TABLE tasks (
    task_id             TEXT PRIMARY KEY,
    seq                 BIGINT NOT NULL UNIQUE,
    content             TEXT NOT NULL,
    source_document_id  TEXT NOT NULL,
    assigner            TEXT NOT NULL,
    lead_agency         TEXT NOT NULL,
    deadline            TEXT NOT NULL,
    deadline_end        BIGINT,
    original_deadline   TEXT NOT NULL,
    state               BIGINT NOT NULL,
    progress_percent    BIGINT NOT NULL DEFAULT 0,
    latest_progress     TEXT NOT NULL DEFAULT '',
    result              TEXT NOT NULL DEFAULT '',
    result_submitted_at BIGINT,
    notes               TEXT NOT NULL DEFAULT '',
    created_by          TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    completed_at        BIGINT,
    refused_at          BIGINT,
    near_marker         TEXT NOT NULL DEFAULT '',
    overdue_marker      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tasks_by_lead ON tasks (lead_agency, seq);
CREATE INDEX tasks_by_assigner ON tasks (assigner, seq);
CREATE INDEX tasks_by_state ON tasks (state, deadline_end);
-- A steering document creates one task per lead agency (intake idempotency).
CREATE UNIQUE INDEX tasks_by_source ON tasks (source_document_id, lead_agency)
    WHERE source_document_id <> '';

-- Coordinating agencies (phối hợp) of each task.
CREATE TABLE task_coordinators (
    task_id TEXT NOT NULL REFERENCES tasks (task_id),
    agency  TEXT NOT NULL,
    PRIMARY KEY (task_id, agency)
);
CREATE INDEX task_coordinators_by_agency ON task_coordinators (agency, task_id);

-- Every change of every task: who, when, what.
CREATE TABLE task_history (
    seq     BIGINT PRIMARY KEY,
    task_id TEXT NOT NULL REFERENCES tasks (task_id),
    at      BIGINT NOT NULL,
    actor   TEXT NOT NULL,
    action  TEXT NOT NULL,
    detail  TEXT NOT NULL,
    percent BIGINT
);
CREATE INDEX task_history_by_task ON task_history (task_id, seq);

-- Extension requests. state: 1 pending, 2 approved, 3 refused. Both deadlines are kept.
CREATE TABLE extensions (
    task_id          TEXT NOT NULL REFERENCES tasks (task_id),
    number           BIGINT NOT NULL,
    old_deadline     TEXT NOT NULL,
    new_deadline     TEXT NOT NULL,
    reason           TEXT NOT NULL,
    state            BIGINT NOT NULL,
    requested_by     TEXT NOT NULL,
    requested_at     BIGINT NOT NULL,
    decided_by       TEXT,
    decided_at       BIGINT,
    decision_comment TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (task_id, number)
);

-- Task events, one row per (event, agency taking part in the task), ids increasing.
CREATE TABLE task_events (
    event_id BIGINT NOT NULL,
    agency   TEXT NOT NULL,
    task_id  TEXT NOT NULL REFERENCES tasks (task_id),
    kind     BIGINT NOT NULL,
    content  TEXT NOT NULL,
    deadline TEXT NOT NULL,
    actor    TEXT NOT NULL,
    detail   TEXT NOT NULL,
    at       BIGINT NOT NULL,
    PRIMARY KEY (event_id, agency)
);
CREATE INDEX task_events_by_agency ON task_events (agency, event_id);

-- Statistics pushed to the reporting service: every day up to last_day_done is final.
CREATE TABLE stats_push (
    name          TEXT PRIMARY KEY,
    last_day_done TEXT NOT NULL
);
