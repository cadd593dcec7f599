-- outbox_order_idx (0006) serves every per-order lookup; the partial index it replaces only cost writes.
-- depends: 0006.outbox_order_index
-- transactional: false
DROP INDEX CONCURRENTLY IF EXISTS outbox_unpublished_order_idx;
