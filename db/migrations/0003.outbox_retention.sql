-- The relay prunes published outbox rows past their retention (the events live on in Kafka).
-- depends: 0002.history_outbox_dead_letters
CREATE INDEX IF NOT EXISTS outbox_published_at_idx ON outbox (published_at) WHERE published_at IS NOT NULL;
