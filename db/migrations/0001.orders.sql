-- Orders as the order-creation service writes them (the seed's columns), money as numeric, never float.
-- depends:
CREATE TABLE IF NOT EXISTS orders (
    id             uuid PRIMARY KEY,
    user_id        uuid NOT NULL,
    status         text NOT NULL DEFAULT 'payment_required',
    subtotal       numeric(12, 2) NOT NULL,
    tax            numeric(12, 2) NOT NULL DEFAULT 0,
    total          numeric(12, 2) NOT NULL,
    currency       char(3) NOT NULL,
    customer_notes text,
    metadata       jsonb,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    deleted_at     timestamptz,
    payment_id     text,
    CONSTRAINT orders_status_check CHECK (status IN (
        'payment_required', 'payment_failed', 'paid', 'processing', 'shipped', 'delivered', 'cancelled'))
);

-- Keyset pagination of GET /orders?status=… (the seed's GetPendingOrders): WHERE status = $1 AND (created_at, id) > …
CREATE INDEX IF NOT EXISTS orders_status_created_id_idx
    ON orders (status, created_at, id) WHERE deleted_at IS NULL;
