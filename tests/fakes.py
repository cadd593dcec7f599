"""In-memory fakes of the service layer's ports, subclassing the real base classes (the fast test tier).

The fake unit of work keeps the rules the Postgres one keeps: nothing is visible before `commit()`,
a savepoint is undone when its block raises, a history row needs its order, a dead letter is unique
per record position, and the outbox leases, claims and backs off events exactly as the SQL does.
The contract suite (tests/contract) runs the same scenarios against both.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import TracebackType
from uuid import UUID

from order_core.domain import Order
from order_core.exceptions import WriteRejected
from order_core.service.ports import (
    Backlog,
    DeadLetter,
    DeadLetterRepository,
    EventBus,
    HistoryRepository,
    HistoryRow,
    OrderRepository,
    OutboxMessage,
    OutboxRepository,
    UnitOfWork,
)
from order_core.views import OrderView

LEASE = timedelta(seconds=60)


@dataclass
class OutboxEntry:
    message: OutboxMessage
    not_before: datetime
    published_at: datetime | None = None
    attempts: int = 0
    last_error: str | None = None


@dataclass
class Tables:
    """What the database holds: orders, history, outbox (in insertion order) and dead letters."""

    orders: dict[UUID, Order] = field(default_factory=dict)
    history: list[HistoryRow] = field(default_factory=list)
    outbox: list[OutboxEntry] = field(default_factory=list)
    dead_letters: dict[tuple[str, int, int], DeadLetter] = field(default_factory=dict)


@dataclass
class FakeDatabase:
    """The committed tables, a clock, and an optional rule that rejects a write as Postgres would for its data."""

    tables: Tables = field(default_factory=Tables)
    now: Callable[[], datetime] = lambda: datetime.now(UTC)
    rejects: Callable[[object], bool] = lambda _row: False

    def unit_of_work(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)

    def pending(self, order_id: UUID) -> list[OutboxEntry]:
        return [e for e in self.tables.outbox if e.message.order_id == order_id and e.published_at is None]


class _Part:
    def __init__(self, uow: FakeUnitOfWork) -> None:
        self._uow = uow

    @property
    def _tables(self) -> Tables:
        return self._uow.staged

    def _check(self, rows: Sequence[object]) -> None:
        for row in rows:
            if self._uow.db.rejects(row):
                raise WriteRejected(f"fake database rejected {row!r}")


class FakeOrders(_Part, OrderRepository):
    def start_lock(self, order_ids: Sequence[UUID]) -> Callable[[], dict[UUID, Order]]:
        locked = {i: self._tables.orders[i] for i in sorted(order_ids) if i in self._tables.orders}
        return lambda: locked

    def update(self, orders: Sequence[Order]) -> None:
        self._check(orders)
        for order in orders:
            if order.id in self._tables.orders:
                self._tables.orders[order.id] = order

    def view(self, order_id: UUID) -> OrderView | None:
        """The fake keeps only what the state machine needs: no tax, notes or metadata; created now."""
        order = self._tables.orders.get(order_id)
        if order is None:
            return None
        now = self._uow.db.now()
        return OrderView(id=order.id, user_id=order.user_id, status=order.status, subtotal=order.total,
                         tax=Decimal(0), total=order.total, currency=order.currency, customer_notes=None,
                         metadata=None, payment_id=order.payment_id, created_at=now, updated_at=now)  # fmt: skip


class FakeHistory(_Part, HistoryRepository):
    def add(self, rows: Sequence[HistoryRow]) -> None:
        self._check(rows)
        if any(row.order_id not in self._tables.orders for row in rows):
            raise WriteRejected("history row for an order that does not exist (foreign key)")
        self._tables.history += rows


class FakeOutbox(_Part, OutboxRepository):
    def __init__(self, uow: FakeUnitOfWork) -> None:
        super().__init__(uow)
        self._leased: list[OutboxMessage] = []

    def add(self, messages: Sequence[OutboxMessage]) -> None:
        self._check(messages)
        now = self._uow.db.now()
        heads = {m.order_id: self._head(m.order_id) for m in messages}
        for m in messages:
            head = heads[m.order_id]
            self._tables.outbox.append(OutboxEntry(m, now + LEASE if head is None else head))
            if head is None:
                self._leased.append(m)

    def leased(self) -> list[OutboxMessage]:
        return list(self._leased)

    def claim(self, limit: int) -> list[OutboxMessage]:
        now = self._uow.db.now()
        due = [
            e
            for e in self._tables.outbox
            if e.published_at is None and e.not_before <= now and not any(p.not_before > now for p in self._earlier(e))
        ]
        claimed = due[:limit]
        held = {id(e) for e in claimed}
        return [e.message for e in claimed if all(id(p) in held for p in self._earlier(e))]

    def record_deliveries(self, published: Sequence[UUID], failed: Mapping[UUID, str]) -> None:
        now = self._uow.db.now()
        for entry in self._tables.outbox:
            if entry.published_at is not None:
                continue
            if entry.message.event_id in published:
                entry.published_at = now
            elif entry.message.event_id in failed:
                entry.attempts += 1
                entry.last_error = failed[entry.message.event_id]
                entry.not_before = now + min(timedelta(seconds=2**entry.attempts), timedelta(minutes=5))
                for later in self._later(entry):
                    if later.message.event_id not in failed:
                        later.not_before = max(later.not_before, entry.not_before)

    def prune(self, retention_days: int, limit: int) -> int:
        cutoff = self._uow.db.now() - timedelta(days=retention_days)
        old = [e for e in self._tables.outbox if e.published_at is not None and e.published_at < cutoff][:limit]
        self._tables.outbox = [e for e in self._tables.outbox if e not in old]
        return len(old)

    def backlog(self) -> Backlog:
        pending = [e for e in self._tables.outbox if e.published_at is None]
        if not pending:
            return Backlog(0, 0.0, 0)
        oldest = min(e.message.created_at for e in pending)
        age = (self._uow.db.now() - oldest).total_seconds()
        return Backlog(len(pending), age, max(e.attempts for e in pending))

    def _head(self, order_id: UUID) -> datetime | None:
        """The latest not_before of the order's pending events (None when nothing is pending)."""
        pending = [e.not_before for e in self._tables.outbox if e.message.order_id == order_id and not e.published_at]
        return max(pending, default=None)

    def _earlier(self, entry: OutboxEntry) -> list[OutboxEntry]:
        index = self._tables.outbox.index(entry)
        order_id = entry.message.order_id
        return [e for e in self._tables.outbox[:index] if e.message.order_id == order_id and e.published_at is None]

    def _later(self, entry: OutboxEntry) -> list[OutboxEntry]:
        index = self._tables.outbox.index(entry)
        order_id = entry.message.order_id
        return [e for e in self._tables.outbox[index + 1 :] if e.message.order_id == order_id and not e.published_at]


class FakeDeadLetters(_Part, DeadLetterRepository):
    def add(self, letters: Sequence[DeadLetter]) -> None:
        self._check(letters)
        for letter in letters:
            r = letter.record
            self._tables.dead_letters.setdefault((r.topic, r.partition, r.offset), letter)


class FakeUnitOfWork(UnitOfWork):
    """Works on a copy of the committed tables; `commit()` makes the copy the database's state."""

    def __init__(self, db: FakeDatabase) -> None:
        self.db = db
        self.staged = copy.deepcopy(db.tables)
        self.orders = FakeOrders(self)
        self.history = FakeHistory(self)
        self.outbox = FakeOutbox(self)
        self.dead_letters = FakeDeadLetters(self)
        self.committed = False

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if not self.committed:
            self.rollback()

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        saved = copy.deepcopy(self.staged)
        try:
            yield
        except WriteRejected:
            self.staged = saved
            raise

    def commit(self) -> None:
        self.db.tables = self.staged
        self.committed = True

    def rollback(self) -> None:
        self.staged = copy.deepcopy(self.db.tables)


@dataclass
class FakeBus(EventBus):
    """Records what was sent, in send order; refuses the topics and event ids it is told to, or dies."""

    refuse_topics: set[str] = field(default_factory=set)
    refuse_events: set[UUID] = field(default_factory=set)
    sent: list[OutboxMessage] = field(default_factory=list)
    crash: bool = False

    def send(self, messages: Sequence[OutboxMessage]) -> dict[UUID, str | None]:
        if self.crash:  # the process dies mid-send: neither acknowledged nor refused
            raise RuntimeError("the container died")
        results: dict[UUID, str | None] = {}
        for m in messages:
            if m.topic in self.refuse_topics or m.event_id in self.refuse_events:
                results[m.event_id] = f"refused {m.topic}"
            else:
                self.sent.append(m)
                results[m.event_id] = None
        return results

    def close(self) -> None:
        """Nothing to close."""
