-- GET /orders without a status lists every order oldest first: WHERE deleted_at IS NULL AND (created_at, id) > …
-- ORDER BY created_at, id LIMIT n. Without this index that is a scan and sort of the whole table per page.
-- CONCURRENTLY (outside a transaction) because the order-creation service keeps inserting while it builds;
-- if a build fails it leaves an INVALID index: DROP INDEX orders_created_id_idx and apply again.
-- depends: 0004.outbox_delivery
-- transactional: false
CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_created_id_idx ON orders (created_at, id) WHERE deleted_at IS NULL;
