"""What the service layer needs from the outside world, as abstract ports, and the rows it hands them."""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Self
from uuid import UUID

from order_core.domain import Order, OrderStatus
from order_core.views import OrderDetail, OrderPage, OrderView


@dataclass(frozen=True)
class InboundRecord:
    """One Kafka record as the event source mapping delivered it: where it sits and its raw bytes.

    `unreadable` says why the transport could not even decode it (a value that is not base64); such a
    record keeps what arrived and becomes a dead letter.
    """

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    unreadable: str | None = None

    @property
    def source(self) -> str:
        """Where this record came from: `<topic>-<partition>@<offset>`."""
        return f"{self.topic}-{self.partition}@{self.offset}"


@dataclass(frozen=True)
class DeadLetter:
    """A record that cannot be applied, parked with why."""

    record: InboundRecord
    reason: str
    detail: str
    order_id: UUID | None = None


@dataclass(frozen=True)
class HistoryRow:
    order_id: UUID
    from_status: OrderStatus
    to_status: OrderStatus
    trigger: str
    source: str
    occurred_at: datetime


@dataclass(frozen=True)
class OutboxMessage:
    """An outbound event as the outbox holds it, ready to send; the event id stays the same on every re-send."""

    event_id: UUID
    order_id: UUID
    topic: str
    event_type: str
    payload: str
    created_at: datetime


@dataclass(frozen=True)
class Backlog:
    """Unpublished outbox rows: how many, the age of the oldest, and the most attempts any of them had."""

    pending: int
    oldest_age_seconds: float
    max_attempts: int


class OrderRepository(abc.ABC):
    def lock(self, order_ids: Sequence[UUID]) -> dict[UUID, Order]:
        """Lock the (undeleted) orders with these ids, in a stable order, and return them."""
        return self.start_lock(order_ids)()

    @abc.abstractmethod
    def start_lock(self, order_ids: Sequence[UUID]) -> Callable[[], dict[UUID, Order]]:
        """Start locking the orders with these ids; the function returned waits for them and returns them.

        The database takes the locks while the caller goes on (parsing the batch that needs them).
        """

    @abc.abstractmethod
    def update(self, orders: Sequence[Order]) -> None:
        """Write these orders' status and payment id."""

    @abc.abstractmethod
    def view(self, order_id: UUID) -> OrderView | None:
        """The (undeleted) order as the API shows it, as this unit of work sees it: its own writes included."""


class HistoryRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, rows: Sequence[HistoryRow]) -> None:
        """Append transitions to the orders' status history."""


class OutboxRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, messages: Sequence[OutboxMessage]) -> None:
        """Store events to publish, in transition order."""

    @abc.abstractmethod
    def leased(self) -> list[OutboxMessage]:
        """After commit: the events this unit added that its caller may publish at once, in order.

        Those are the events of orders that had no earlier unpublished event; the relay leaves them
        alone for a lease period. The others wait for the relay, behind their order's earlier events.
        """

    @abc.abstractmethod
    def claim(self, limit: int) -> list[OutboxMessage]:
        """Lock due unpublished events (oldest first) that can go out without overtaking an earlier one."""

    @abc.abstractmethod
    def record_deliveries(self, published: Sequence[UUID], failed: Mapping[UUID, str]) -> None:
        """Mark events published; count a failed attempt (and back off) for the others."""

    @abc.abstractmethod
    def prune(self, retention_days: int, limit: int) -> int:
        """Delete up to `limit` events published more than `retention_days` ago; return how many."""

    @abc.abstractmethod
    def backlog(self) -> Backlog:
        """What is still unpublished."""


class DeadLetterRepository(abc.ABC):
    @abc.abstractmethod
    def add(self, letters: Sequence[DeadLetter]) -> None:
        """Park records (a record already parked stays as it is)."""


class UnitOfWork(abc.ABC):
    """A transaction over the repositories that rolls back unless `commit()` is called.

    Errors of the database come out as `TransientError` (retry as is) or `WriteRejected` (the data).
    """

    orders: OrderRepository
    history: HistoryRepository
    outbox: OutboxRepository
    dead_letters: DeadLetterRepository

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()

    @abc.abstractmethod
    def savepoint(self) -> AbstractContextManager[None]:
        """A nested transaction: what is written inside is undone if it raises (`WriteRejected` for the data)."""

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...


class OrderQueries(abc.ABC):
    """The read side: orders with their history, and keyset-paginated lists."""

    @abc.abstractmethod
    def get_order(self, order_id: UUID) -> OrderDetail | None: ...

    @abc.abstractmethod
    def list_orders(self, status: OrderStatus | None, limit: int, cursor: str | None) -> OrderPage: ...


class EventBus(abc.ABC):
    """Sends outbox messages to Kafka."""

    @abc.abstractmethod
    def send(self, messages: Sequence[OutboxMessage]) -> dict[UUID, str | None]:
        """Send all, wait once; per event id, None when Kafka acknowledged it, else why not. Never raises.

        The messages of one call may be delivered in any order: callers send one event per order at a time.
        """

    @abc.abstractmethod
    def close(self) -> None: ...
