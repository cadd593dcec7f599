-- One row per real transition, one row per outbound event (transactional outbox), one row per poison record.
-- depends: 0001.orders
CREATE TABLE IF NOT EXISTS order_status_history (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id    uuid NOT NULL REFERENCES orders (id),
    from_status text NOT NULL,
    to_status   text NOT NULL,
    trigger     text NOT NULL,
    -- "<topic>-<partition>@<offset>" for Kafka records, the API Gateway request id for API calls
    source      text NOT NULL,
    occurred_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS order_status_history_order_idx ON order_status_history (order_id, id);

CREATE TABLE IF NOT EXISTS outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id     uuid NOT NULL UNIQUE,
    order_id     uuid NOT NULL,
    topic        text NOT NULL,
    event_type   text NOT NULL,
    -- json (not jsonb) keeps the exact bytes, so a re-send is byte-identical to the first send
    payload      json NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    published_at timestamptz
);
-- The relay and the after-commit publisher only ever look at unpublished rows.
CREATE INDEX IF NOT EXISTS outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX IF NOT EXISTS outbox_unpublished_order_idx ON outbox (order_id, id) WHERE published_at IS NULL;

CREATE TABLE IF NOT EXISTS dead_letters (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic       text NOT NULL,
    partition   integer NOT NULL,
    "offset"    bigint NOT NULL,
    key         bytea,
    value       bytea,
    headers     jsonb NOT NULL DEFAULT '[]',
    reason      text NOT NULL,
    detail      text NOT NULL,
    order_id    uuid,
    created_at  timestamptz NOT NULL DEFAULT now(),
    replayed_at timestamptz,
    -- a redelivered poison record must not be parked twice
    CONSTRAINT dead_letters_record_key UNIQUE (topic, partition, "offset")
);
CREATE INDEX IF NOT EXISTS dead_letters_reason_idx ON dead_letters (reason, created_at);
