"""The Postgres unit of work: one `SELECT … FOR UPDATE` to lock a batch's orders, set-based writes in one
pipeline, one commit. SQL is written once here; values are always parameters."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from uuid import UUID

from psycopg.types.json import Jsonb

from order_core.adapters.database import CountingConnection, Database
from order_core.domain import Order, OrderStatus
from order_core.service.ports import Changes, DeadLetter, OutboxMessage, UnitOfWork

LOCK_ORDERS = """
    SELECT id, user_id, status, total, currency, payment_id FROM orders
    WHERE id = ANY(%s) AND deleted_at IS NULL
    ORDER BY id
    FOR UPDATE"""

UPDATE_ORDERS = """
    UPDATE orders AS o SET status = c.status, payment_id = c.payment_id, updated_at = now()
    FROM unnest(%s::uuid[], %s::text[], %s::text[]) AS c(id, status, payment_id)
    WHERE o.id = c.id"""

INSERT_HISTORY = """
    INSERT INTO order_status_history (order_id, from_status, to_status, trigger, source, occurred_at)
    SELECT * FROM unnest(%s::uuid[], %s::text[], %s::text[], %s::text[], %s::text[], %s::timestamptz[])"""

# WITH ORDINALITY … ORDER BY n: identity values follow transition order, which the publishers rely on.
INSERT_OUTBOX = """
    INSERT INTO outbox (event_id, order_id, topic, event_type, payload, created_at)
    SELECT e, o, t, et, p::json, c
    FROM unnest(%s::uuid[], %s::uuid[], %s::text[], %s::text[], %s::text[], %s::timestamptz[])
        WITH ORDINALITY AS x(e, o, t, et, p, c, n)
    ORDER BY n"""

INSERT_DEAD_LETTERS = """
    INSERT INTO dead_letters (topic, partition, "offset", key, value, headers, reason, detail, order_id)
    SELECT * FROM unnest(%s::text[], %s::int[], %s::bigint[], %s::bytea[], %s::bytea[], %s::jsonb[],
                         %s::text[], %s::text[], %s::uuid[])
    ON CONFLICT (topic, partition, "offset") DO NOTHING"""

# Rows whose order has an earlier unpublished row that someone else holds are left alone, so that
# per order, events are never published out of transition order.
CLAIM_UNPUBLISHED = """
    WITH claimed AS (
        SELECT id FROM outbox
        WHERE published_at IS NULL AND (%(orders)s::uuid[] IS NULL OR order_id = ANY(%(orders)s::uuid[]))
        ORDER BY id
        LIMIT %(limit)s
        FOR UPDATE SKIP LOCKED
    )
    SELECT o.id, o.event_id, o.order_id, o.topic, o.event_type, o.payload::text
    FROM outbox AS o JOIN claimed USING (id)
    WHERE NOT EXISTS (
        SELECT 1 FROM outbox AS earlier
        WHERE earlier.order_id = o.order_id AND earlier.published_at IS NULL AND earlier.id < o.id
          AND earlier.id NOT IN (SELECT id FROM claimed))
    ORDER BY o.id"""

MARK_PUBLISHED = "UPDATE outbox SET published_at = now() WHERE id = ANY(%s)"

PRUNE_PUBLISHED = """
    DELETE FROM outbox WHERE id IN (
        SELECT id FROM outbox WHERE published_at < now() - make_interval(days => %s) ORDER BY published_at LIMIT %s)"""


class PostgresUnitOfWork(UnitOfWork):
    """One transaction on the container's connection; driver errors become `TransientError`."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._conn: CountingConnection | None = None

    @property
    def conn(self) -> CountingConnection:
        if self._conn is None:
            self._conn = self._db.connection()
        return self._conn

    def lock_orders(self, order_ids: list[UUID]) -> dict[UUID, Order]:
        with self._db.translate_errors():
            rows = self.conn.execute(LOCK_ORDERS, [order_ids]).fetchall()
        return {row[0]: _order(row) for row in rows}

    def save(self, changes: Changes) -> None:
        statements = _write_statements(changes)
        if not statements:
            return
        with self._db.translate_errors(), self.conn.pipeline(), self.conn.cursor() as cur:
            for sql, params in statements:
                cur.execute(sql, params)

    def claim_unpublished(self, order_ids: list[UUID] | None, limit: int) -> list[OutboxMessage]:
        with self._db.translate_errors():
            rows = self.conn.execute(CLAIM_UNPUBLISHED, {"orders": order_ids, "limit": limit}).fetchall()
        return [OutboxMessage(*row) for row in rows]

    def mark_published(self, outbox_ids: list[int]) -> None:
        if outbox_ids:
            with self._db.translate_errors():
                self.conn.execute(MARK_PUBLISHED, [outbox_ids])

    def prune_published(self, retention_days: int, limit: int) -> int:
        with self._db.translate_errors():
            return self.conn.execute(PRUNE_PUBLISHED, [retention_days, limit]).rowcount

    def commit(self) -> None:
        with self._db.translate_errors():
            self.conn.commit()
        self._conn = None

    def rollback(self) -> None:
        if self._conn is not None and not (self._conn.closed or self._conn.broken):
            with self._db.translate_errors():
                self._conn.rollback()
        self._conn = None


def _order(row: tuple[UUID, UUID, str, Decimal, str, str | None]) -> Order:
    order_id, user_id, status, total, currency, payment_id = row
    return Order(order_id, user_id, OrderStatus(status), total, currency, payment_id)


def _dead_letter_row(letter: DeadLetter) -> tuple[object, ...]:
    r = letter.record
    return (
        r.topic,
        r.partition,
        r.offset,
        r.key,
        r.value,
        Jsonb(r.headers),
        letter.reason,
        letter.detail,
        letter.order_id,
    )


def _columns(rows: Iterable[tuple[object, ...]]) -> list[list[object]]:
    """Row tuples to one array parameter per column, for `unnest`."""
    return [list(column) for column in zip(*rows, strict=True)]


def _write_statements(changes: Changes) -> list[tuple[str, list[list[object]]]]:
    orders = changes.orders.values()
    rows: list[tuple[str, list[tuple[object, ...]]]] = [
        (UPDATE_ORDERS, [(o.id, o.status, o.payment_id) for o in orders]),
        (
            INSERT_HISTORY,
            [(h.order_id, h.from_status, h.to_status, h.trigger, h.source, h.occurred_at) for h in changes.history],
        ),
        (
            INSERT_OUTBOX,
            [(r.event_id, r.order_id, r.topic, r.event_type, r.payload, r.created_at) for r in changes.outbox],
        ),
        (
            INSERT_DEAD_LETTERS,
            [_dead_letter_row(d) for d in changes.dead_letters],
        ),
    ]
    return [(sql, _columns(values)) for sql, values in rows if values]
