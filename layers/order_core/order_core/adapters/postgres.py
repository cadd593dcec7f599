"""The Postgres unit of work and its repositories: one transaction in pipeline mode, so a batch costs a
round trip to lock its orders and one to write everything and commit."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from types import TracebackType
from uuid import UUID

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from order_core.adapters import sql
from order_core.adapters.database import Database
from order_core.domain import Order, OrderStatus
from order_core.service.ports import (
    Backlog,
    DeadLetter,
    DeadLetterRepository,
    HistoryRepository,
    HistoryRow,
    OrderRepository,
    OutboxMessage,
    OutboxRepository,
    UnitOfWork,
)
from order_core.views import OrderView

Connection = psycopg.Connection[tuple[object, ...]]

# How long a publisher has to send the events it just committed before the relay may send them.
LEASE_SECONDS = 60


def storable_text(text: str) -> str:
    """Text Postgres can hold: NUL written as `\\x00`, lone surrogates as `\\udXXX` escapes."""
    return text.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode("utf-8")


def _columns(rows: Iterable[tuple[object, ...]]) -> list[list[object]]:
    """Row tuples to one array parameter per column, for `unnest`."""
    return [list(column) for column in zip(*rows, strict=True)]


class PostgresOrders(OrderRepository):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def start_lock(self, order_ids: Sequence[UUID]) -> Callable[[], dict[UUID, Order]]:
        if not order_ids:
            return dict
        # In the unit of work's pipeline the statement is sent now; reading its rows waits for them.
        cursor = self._conn.execute(sql.LOCK_ORDERS, [list(order_ids)])
        return lambda: {order.id: order for order in map(_order, cursor.fetchall())}

    def update(self, orders: Sequence[Order]) -> None:
        self._conn.execute(sql.UPDATE_ORDERS, _columns((o.id, o.status, o.payment_id) for o in orders))

    def view(self, order_id: UUID) -> OrderView | None:
        with self._conn.cursor(row_factory=class_row(OrderView)) as cur:
            return cur.execute(sql.GET_ORDER, [order_id]).fetchone()


class PostgresHistory(HistoryRepository):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, rows: Sequence[HistoryRow]) -> None:
        values = ((h.order_id, h.from_status, h.to_status, h.trigger, h.source, h.occurred_at) for h in rows)
        self._conn.execute(sql.INSERT_HISTORY, _columns(values))


class PostgresOutbox(OutboxRepository):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self.added: list[tuple[list[OutboxMessage], psycopg.Cursor[tuple[object, ...]]]] = []

    def add(self, messages: Sequence[OutboxMessage]) -> None:
        values = ((m.event_id, m.order_id, m.topic, m.event_type, m.payload, m.created_at) for m in messages)
        cursor = self._conn.execute(sql.INSERT_OUTBOX, [*_columns(values), LEASE_SECONDS])
        self.added.append((list(messages), cursor))

    def leased(self) -> list[OutboxMessage]:
        leased: list[OutboxMessage] = []
        for messages, cursor in self.added:
            ids = {row[0] for row in cursor.fetchall()}
            leased += [m for m in messages if m.event_id in ids]
        return leased

    def claim(self, limit: int) -> list[OutboxMessage]:
        rows = self._conn.execute(sql.CLAIM, [limit]).fetchall()
        return [OutboxMessage(*row) for row in rows]  # type: ignore[arg-type]

    def record_deliveries(self, published: Sequence[UUID], failed: Mapping[UUID, str]) -> None:
        if published:
            self._conn.execute(sql.MARK_PUBLISHED, [list(published)])
        if failed:
            errors = [storable_text(error)[:500] for error in failed.values()]
            self._conn.execute(sql.MARK_FAILED, {"ids": list(failed), "errors": errors})

    def prune(self, retention_days: int, limit: int) -> int:
        row = self._conn.execute(sql.PRUNE_PUBLISHED, [retention_days, limit]).fetchone()
        return int(row[0]) if row else 0  # type: ignore[call-overload]

    def backlog(self) -> Backlog:
        row = self._conn.execute(sql.BACKLOG).fetchone()
        return Backlog(*row) if row else Backlog(0, 0.0, 0)  # type: ignore[arg-type]


class PostgresDeadLetters(DeadLetterRepository):
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, letters: Sequence[DeadLetter]) -> None:
        self._conn.execute(sql.INSERT_DEAD_LETTERS, _columns(map(_dead_letter_row, letters)))


class PostgresUnitOfWork(UnitOfWork):
    """One transaction on the container's connection, opened on entry; errors leave it translated."""

    outbox: PostgresOutbox

    def __init__(self, db: Database) -> None:
        self._db = db
        self._stack = ExitStack()
        self._conn: Connection | None = None

    def __enter__(self) -> PostgresUnitOfWork:
        conn = self._stack.enter_context(self._db.transaction())
        self._conn = conn
        self.orders = PostgresOrders(conn)
        self.history = PostgresHistory(conn)
        self.outbox = PostgresOutbox(conn)
        self.dead_letters = PostgresDeadLetters(conn)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc is None:
            self.rollback()
        else:  # rolls back, and a driver error comes out translated
            self._stack.__exit__(exc_type, exc, tb)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        if self._conn is None:
            raise RuntimeError("savepoint() outside the unit of work's block")
        added = len(self.outbox.added)
        try:
            with self._db.savepoint(self._conn):
                yield
        except BaseException:
            del self.outbox.added[added:]  # undone events are never leased
            raise

    def commit(self) -> None:
        self._stack.close()

    def rollback(self) -> None:
        # psycopg's Rollback ends the transaction block with a rollback and is swallowed by it.
        self._stack.__exit__(psycopg.Rollback, psycopg.Rollback(), None)


def _order(row: tuple[object, ...]) -> Order:
    order_id, user_id, status, total, currency, payment_id = row
    return Order(order_id, user_id, OrderStatus(status), total, currency, payment_id)  # type: ignore[arg-type]


def _dead_letter_row(letter: DeadLetter) -> tuple[object, ...]:
    r = letter.record
    # Key, value and header values stay raw bytes; only what Postgres stores as text is made storable.
    headers = [{storable_text(name): list(value)} for name, value in r.headers]
    detail = storable_text(letter.detail)
    return (r.topic, r.partition, r.offset, r.key, r.value, Jsonb(headers), letter.reason, detail, letter.order_id)
