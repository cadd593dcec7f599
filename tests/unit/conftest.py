"""The fast tier: the service layer on the fakes of tests/fakes.py (no database, no broker)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from order_core.domain import Order, OrderStatus
from order_core.service.batch import BatchProcessor
from order_core.service.publishing import OutboxPublisher
from tests.fakes import FakeBus, FakeDatabase


@dataclass
class Clock:
    """A clock the test moves by hand."""

    at: datetime = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@dataclass
class World:
    """A fake database and broker, and the service pieces wired to them as bootstrap wires the real ones."""

    db: FakeDatabase
    bus: FakeBus
    clock: Clock
    publisher: OutboxPublisher
    batches: BatchProcessor

    def order(self, status: OrderStatus = OrderStatus.PAYMENT_REQUIRED, payment_id: str | None = None) -> UUID:
        order = Order(uuid4(), uuid4(), status, Decimal("29.99"), "USD", payment_id)
        self.db.tables.orders[order.id] = order
        return order.id

    def status(self, order_id: UUID) -> OrderStatus:
        return self.db.tables.orders[order_id].status


@pytest.fixture
def world() -> World:
    clock = Clock()
    db = FakeDatabase(now=clock)
    bus = FakeBus()
    publisher = OutboxPublisher(db.unit_of_work, bus)
    return World(db, bus, clock, publisher, BatchProcessor(db.unit_of_work, publisher, clock))
