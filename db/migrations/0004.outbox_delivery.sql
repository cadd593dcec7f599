-- Outbox events are independent: each one that Kafka refuses backs off on its own (attempts, not_before)
-- and keeps its last error for operators; not_before in the future also leases a new event to the
-- transaction that wrote it, which publishes it right after its commit.
-- depends: 0003.outbox_retention
ALTER TABLE outbox
    ADD COLUMN IF NOT EXISTS attempts   integer NOT NULL DEFAULT 0,
    ADD COLUMN IF NOT EXISTS last_error text,
    -- a constant default: no table rewrite for an existing outbox
    ADD COLUMN IF NOT EXISTS not_before timestamptz NOT NULL DEFAULT '-infinity';
