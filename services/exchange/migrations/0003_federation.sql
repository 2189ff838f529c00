-- Federation: the hub that serves a recipient (a leg may be at another hub), where a status was
-- recorded, and the status updates from other hubs already applied (relays are idempotent).
ALTER TABLE deliveries ADD COLUMN hub TEXT NOT NULL DEFAULT '';
ALTER TABLE statuses ADD COLUMN hub TEXT NOT NULL DEFAULT '';
CREATE TABLE relay_seen (
    update_id  TEXT PRIMARY KEY,
    applied_at BIGINT NOT NULL
);
