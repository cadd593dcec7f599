"""Outbox publishing on the fakes: per-order order, independent messages, leases, backoff, the relay's report."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from order_core.domain import OrderStatus
from order_core.service.ports import OutboxMessage
from tests.fakes import OutboxEntry
from tests.support import Batch, out_of_stock, paid
from tests.unit.conftest import World

S = OrderStatus


def pending_event(world: World, order_id: UUID, topic: str = "orders.paid") -> OutboxMessage:
    """An unpublished outbox row left behind (say, by a publisher that crashed after its lease ran out)."""
    message = OutboxMessage(uuid4(), order_id, topic, "Test", "{}", world.clock())
    world.db.tables.outbox.append(OutboxEntry(message, not_before=world.clock()))
    return message


def test_an_event_kafka_refuses_does_not_hold_back_other_orders(world: World) -> None:
    # Given five orders' events and one event to a topic Kafka refuses
    good = [pending_event(world, uuid4()) for _ in range(5)]
    bad = pending_event(world, uuid4(), topic="orders.unwritable")
    world.bus.refuse_topics.add("orders.unwritable")

    # When the relay runs
    report = world.publisher.relay(limit=100)

    # Then every good event went out, and the refused one is pending with its attempt and error
    assert [m.event_id for m in world.bus.sent] == [m.event_id for m in good]
    assert (report.published, report.failed, report.pending, report.max_attempts) == (5, 1, 1, 1)
    [entry] = [e for e in world.db.tables.outbox if e.published_at is None]
    assert (entry.message, entry.attempts, entry.last_error) == (bad, 1, "refused orders.unwritable")


def test_an_order_never_gets_a_later_event_before_an_earlier_one(world: World) -> None:
    # Given an order with two pending events, the first of which Kafka refuses for now
    order_id = world.order()
    first, second = pending_event(world, order_id), pending_event(world, order_id, "orders.shipped")
    world.bus.refuse_events.add(first.event_id)

    # When the relay runs, then runs again once Kafka takes the first and its backoff has passed
    world.publisher.relay(limit=100)
    sent_while_refused = list(world.bus.sent)
    world.bus.refuse_events.clear()
    world.publisher.relay(limit=100)
    held_back = list(world.bus.sent)
    world.clock.advance(2)
    report = world.publisher.relay(limit=100)

    # Then the second event was not even sent while the first was refused or backing off, then both in order
    assert sent_while_refused == held_back == []
    assert world.bus.sent == [first, second]
    assert report.pending == 0


def test_a_committed_batch_publishes_its_events_itself_and_the_relay_leaves_them_alone(world: World) -> None:
    # Given Kafka refuses orders.paid for now
    order_id = world.order()
    world.bus.refuse_topics.add("orders.paid")
    batch = Batch()
    batch.add("payments.succeeded", paid(order_id))

    # When the batch commits, and the relay runs within the lease, then after the event's backoff
    outcome = world.batches.process(batch.records())
    within = world.publisher.relay(limit=100)
    world.bus.refuse_topics.clear()
    world.clock.advance(2)
    after = world.publisher.relay(limit=100)

    # Then the batch tried once itself (no second read), the event backed off, and the relay sent it later
    assert (outcome.published, outcome.unpublished) == (0, 1)
    assert (within.published, within.pending) == (0, 1)
    assert (after.published, after.pending) == (1, 0)
    assert [m.topic for m in world.bus.sent] == ["orders.paid"]


def test_a_new_event_behind_an_unpublished_one_waits_for_the_relay(world: World) -> None:
    # Given an order whose orders.paid is still unpublished
    order_id = world.order(S.PAID, "pay-0")
    earlier = pending_event(world, order_id)
    batch = Batch()
    batch.add("inventory.out_of_stock", out_of_stock(order_id))

    # When a batch cancels it
    outcome = world.batches.process(batch.records())
    report = world.publisher.relay(limit=100)

    # Then the batch did not publish its event ahead of the earlier one; the relay sent both, in order
    assert (outcome.published, outcome.unpublished) == (0, 1)
    assert world.bus.sent[0] == earlier
    assert [m.topic for m in world.bus.sent] == ["orders.paid", "orders.cancelled"]
    assert report.pending == 0


def test_events_of_a_publisher_that_died_after_its_commit_go_out_when_the_lease_ends(world: World) -> None:
    # Given a batch whose process dies while publishing, after its commit
    order_id = world.order()
    batch = Batch()
    batch.add("payments.succeeded", paid(order_id))
    world.bus.crash = True
    with pytest.raises(RuntimeError, match="the container died"):
        world.batches.process(batch.records())
    world.bus.crash = False

    # When the relay runs within the lease, and again after it
    within = world.publisher.relay(limit=100)
    world.clock.advance(61)
    after = world.publisher.relay(limit=100)

    # Then the order is paid, and its event went out once, by the relay, after the lease
    assert world.status(order_id) is S.PAID
    assert (within.published, within.pending) == (0, 1)
    assert (after.published, after.pending) == (1, 0)
    assert [m.topic for m in world.bus.sent] == ["orders.paid"]
