"""What the service layer needs from the outside world, as abstract ports, and the rows it hands them."""

from __future__ import annotations

import abc
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Self
from uuid import UUID

from order_core.domain import Order, OrderStatus
from order_core.views import OrderDetail, OrderPage, OrderView


@dataclass(frozen=True)
class HistoryRow:
    order_id: UUID
    from_status: OrderStatus
    to_status: OrderStatus
    trigger: str
    source: str
    occurred_at: datetime


@dataclass(frozen=True)
class OutboxRow:
    event_id: UUID
    order_id: UUID
    topic: str
    event_type: str
    payload: str
    created_at: datetime


@dataclass(frozen=True)
class OutboxMessage:
    """An unpublished outbox row claimed for publishing."""

    id: int
    event_id: UUID
    order_id: UUID
    topic: str
    event_type: str
    payload: str


@dataclass(frozen=True)
class RawRecord:
    """One Kafka record as the event source mapping delivered it, with its raw bytes."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[dict[str, Any]]

    @property
    def source(self) -> str:
        """Where this record came from: `<topic>-<partition>@<offset>`."""
        return f"{self.topic}-{self.partition}@{self.offset}"


@dataclass(frozen=True)
class DeadLetter:
    """A record that cannot be applied, parked with why."""

    record: RawRecord
    reason: str
    detail: str
    order_id: UUID | None = None


@dataclass
class Changes:
    """Everything one transaction writes, collected in memory and written with set-based statements."""

    orders: dict[UUID, Order] = field(default_factory=dict)
    history: list[HistoryRow] = field(default_factory=list)
    outbox: list[OutboxRow] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)


class UnitOfWork(abc.ABC):
    """A transaction that rolls back unless `commit()` is called."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.rollback()

    @abc.abstractmethod
    def lock_orders(self, order_ids: list[UUID]) -> dict[UUID, Order]:
        """Lock the (undeleted) orders with these ids, in a stable order, and return them."""

    @abc.abstractmethod
    def save(self, changes: Changes) -> None:
        """Write status changes, history, outbox rows and dead letters."""

    @abc.abstractmethod
    def claim_unpublished(self, order_ids: list[UUID] | None, limit: int) -> list[OutboxMessage]:
        """Lock unpublished outbox rows (all, or of these orders) that can go out without overtaking another."""

    @abc.abstractmethod
    def mark_published(self, outbox_ids: list[int]) -> None:
        """Record that these outbox rows were acknowledged by Kafka."""

    @abc.abstractmethod
    def prune_published(self, retention_days: int, limit: int) -> int:
        """Delete up to `limit` rows published more than `retention_days` ago; return how many."""

    @abc.abstractmethod
    def commit(self) -> None: ...

    @abc.abstractmethod
    def rollback(self) -> None: ...


class OrderQueries(abc.ABC):
    """The read side: orders with their history, and keyset-paginated lists."""

    @abc.abstractmethod
    def get_order(self, order_id: UUID) -> OrderDetail | None: ...

    @abc.abstractmethod
    def get_view(self, order_id: UUID) -> OrderView | None: ...

    @abc.abstractmethod
    def list_orders(self, status: OrderStatus | None, limit: int, cursor: str | None) -> OrderPage: ...

    @abc.abstractmethod
    def outbox_backlog(self) -> tuple[int, float]:
        """Unpublished outbox rows and the age in seconds of the oldest one."""


class EventBus(abc.ABC):
    """Publishes outbox messages to Kafka."""

    @abc.abstractmethod
    def send(self, messages: list[OutboxMessage]) -> list[int]:
        """Send in order; return the ids of the messages Kafka acknowledged. Never raises for broker trouble."""

    @abc.abstractmethod
    def close(self) -> None: ...
