-- The W3C trace context in which the hub accepted each document, so that the recipient's
-- acknowledgement and statuses (and their relays) join the document's trace.
ALTER TABLE documents ADD COLUMN traceparent TEXT NOT NULL DEFAULT '';
