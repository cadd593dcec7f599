"""One contract, two implementations: the same scenarios against the fake unit of work and the Postgres one.

If the fake drifts from what Postgres does, this suite says so, and the fast tier stays trustworthy.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from order_core.adapters.database import Database
from order_core.adapters.postgres import PostgresUnitOfWork
from order_core.domain import Order, OrderStatus
from order_core.exceptions import WriteRejected
from order_core.service.ports import DeadLetter, HistoryRow, InboundRecord, OutboxMessage, UnitOfWork
from tests.fakes import FakeDatabase
from tests.unit.conftest import Clock

S = OrderStatus
AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


@dataclass
class Harness:
    """A unit-of-work factory, a way to create an order, and a way to let time pass for the outbox."""

    uow: Callable[[], UnitOfWork]
    add_order: Callable[[OrderStatus], UUID]
    travel: Callable[[float], None]


def fake_harness() -> Harness:
    clock = Clock()
    db = FakeDatabase(now=clock)

    def add_order(status: OrderStatus) -> UUID:
        order = Order(uuid4(), uuid4(), status, Decimal("29.99"), "USD", None)
        db.tables.orders[order.id] = order
        return order.id

    return Harness(db.unit_of_work, add_order, clock.advance)


@pytest.fixture(params=["fake", "postgres"])
def harness(request: pytest.FixtureRequest) -> Iterator[Harness]:
    if request.param == "fake":
        yield fake_harness()
        return
    dsn = request.getfixturevalue("db_dsn")
    conn: psycopg.Connection[Any] = request.getfixturevalue("conn")
    make_order = request.getfixturevalue("make_order")
    db = Database(lambda: dsn)

    def travel(seconds: float) -> None:
        # Time passes for this test's rows only: every outbox deadline moves back by `seconds`.
        conn.execute(
            "UPDATE outbox SET not_before = not_before - make_interval(secs => %s) WHERE order_id = ANY(%s)",
            [seconds, created],
        )

    created: list[UUID] = []

    def add_order(status: OrderStatus) -> UUID:
        order_id: UUID = make_order(status=status)
        created.append(order_id)
        return order_id

    yield Harness(lambda: PostgresUnitOfWork(db), add_order, travel)
    db.close()


def message(order_id: UUID, topic: str = "orders.paid") -> OutboxMessage:
    return OutboxMessage(uuid4(), order_id, topic, "Test", '{"n": 1}', AT)


def record(offset: int | None = None) -> InboundRecord:
    return InboundRecord("payments.failed", 7, offset or uuid4().int % 10**12, b"k", b"\x00raw", (("h", b"v"),))


def claimable(harness: Harness, *orders: UUID) -> list[UUID]:
    """What a relay would claim now, of these orders' events (the shared database holds others too)."""
    with harness.uow() as uow:
        return [m.event_id for m in uow.outbox.claim(10_000) if m.order_id in orders]


def test_what_is_committed_is_seen_and_what_is_not_is_gone(harness: Harness) -> None:
    order_id = harness.add_order(S.PAYMENT_REQUIRED)
    with harness.uow() as uow:
        order = uow.orders.lock([order_id])[order_id]
        uow.orders.update([Order(order.id, order.user_id, S.PAID, order.total, order.currency, "pay-1")])
    with harness.uow() as uow:
        assert uow.orders.lock([order_id])[order_id].status is S.PAYMENT_REQUIRED
        uow.orders.update([Order(order.id, order.user_id, S.PAID, order.total, order.currency, "pay-1")])
        uow.commit()
    with harness.uow() as uow:
        assert uow.orders.lock([order_id, uuid4()]) == {
            order_id: Order(order.id, order.user_id, S.PAID, order.total, order.currency, "pay-1")
        }


def test_a_lock_started_early_returns_the_orders_once_read(harness: Harness) -> None:
    order_id = harness.add_order(S.PAID)
    with harness.uow() as uow:
        locking = uow.orders.start_lock([order_id, uuid4()])
        assert uow.orders.start_lock([])() == {}
        assert [(o.id, o.status) for o in locking().values()] == [(order_id, S.PAID)]


def test_the_view_shows_the_units_own_writes_before_commit(harness: Harness) -> None:
    order_id = harness.add_order(S.PROCESSING)
    with harness.uow() as uow:
        order = uow.orders.lock([order_id])[order_id]
        uow.orders.update([Order(order.id, order.user_id, S.SHIPPED, order.total, order.currency, "pay-1")])
        view = uow.orders.view(order_id)
        assert uow.orders.view(uuid4()) is None
    assert view is not None
    assert (view.id, view.user_id, view.status, view.payment_id) == (order_id, order.user_id, S.SHIPPED, "pay-1")
    assert (view.total, view.currency) == (order.total, order.currency)


def test_a_rejected_write_undoes_its_savepoint_only(harness: Harness) -> None:
    order_id = harness.add_order(S.PAYMENT_REQUIRED)
    kept = HistoryRow(order_id, S.PAYMENT_REQUIRED, S.PAYMENT_FAILED, "payments.failed", "kept", AT)
    orphan = HistoryRow(uuid4(), S.PAYMENT_REQUIRED, S.PAYMENT_FAILED, "payments.failed", "orphan", AT)
    letter = DeadLetter(record(), "internal_error", "after the rejected write")
    with harness.uow() as uow:
        uow.history.add([kept])
        with pytest.raises(WriteRejected), uow.savepoint():
            uow.history.add([orphan])
        uow.dead_letters.add([letter])
        uow.commit()
    with harness.uow() as uow:
        # the letter is there: adding it again changes nothing, and raises nothing
        uow.dead_letters.add([letter])
        uow.commit()


def test_new_events_are_leased_unless_their_order_has_an_earlier_unpublished_one(harness: Harness) -> None:
    fresh, behind = harness.add_order(S.PAID), harness.add_order(S.PAID)
    earlier = message(behind)
    with harness.uow() as uow:
        uow.outbox.add([earlier])
        uow.commit()
    with harness.uow() as uow:
        uow.outbox.record_deliveries([], {earlier.event_id: "kafka down"})
        uow.commit()
    both = [message(fresh), message(fresh, "orders.shipped")]
    later = message(behind, "orders.cancelled")
    with harness.uow() as uow:
        uow.outbox.add([*both, later])
        uow.commit()
        assert uow.outbox.leased() == both


def test_the_claim_keeps_per_order_order_and_skips_what_is_leased_or_backing_off(harness: Harness) -> None:
    # Given order A with a backing-off event and a later one, order B with a leased event, order C free
    a, b, c = (harness.add_order(S.PAID) for _ in range(3))
    a1, a2, b1, c1 = message(a), message(a, "orders.shipped"), message(b), message(c)
    with harness.uow() as uow:
        uow.outbox.add([a1, a2, b1, c1])  # all leased to this unit
        uow.commit()
    with harness.uow() as uow:
        uow.outbox.record_deliveries([c1.event_id], {a1.event_id: "refused", a2.event_id: "refused"})
        uow.commit()

    # Then nothing is due at first; after the backoff A's events come in order; after the lease B's too
    assert claimable(harness, a, b, c) == []
    harness.travel(5)
    assert claimable(harness, a, b, c) == [a1.event_id, a2.event_id]
    harness.travel(60)
    assert claimable(harness, a, b, c) == [a1.event_id, a2.event_id, b1.event_id]


def test_a_later_event_never_becomes_due_before_an_earlier_one(harness: Harness) -> None:
    # Given an order whose first event Kafka refused (backing off), and a second event added after that
    order_id = harness.add_order(S.PAID)
    first, second = message(order_id), message(order_id, "orders.cancelled")
    with harness.uow() as uow:
        uow.outbox.add([first])
        uow.commit()
    with harness.uow() as uow:
        uow.outbox.record_deliveries([], {first.event_id: "refused"})
        uow.commit()
    with harness.uow() as uow:
        uow.outbox.add([second])
        uow.commit()
        assert uow.outbox.leased() == []

    # Then neither is due during the first one's backoff, and both are due, in order, after it
    assert claimable(harness, order_id) == []
    harness.travel(3)
    assert claimable(harness, order_id) == [first.event_id, second.event_id]
