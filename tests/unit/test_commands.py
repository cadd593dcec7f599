"""API commands on the fakes: ship and cancel move the order, write history and an event, or refuse."""

from __future__ import annotations

from uuid import uuid4

import pytest

from order_core.domain import Cancel, OrderStatus, Ship
from order_core.exceptions import OrderNotFound, TransitionRejected
from order_core.service.commands import apply_command
from tests.unit.conftest import World

S = OrderStatus


def test_shipping_a_processing_order_records_the_request_and_leases_its_event(world: World) -> None:
    order_id = world.order(S.PROCESSING, "pay-1")

    leased = apply_command(Ship(order_id), "req-1", world.db.unit_of_work, world.clock())

    assert world.status(order_id) is S.SHIPPED
    [history] = world.db.tables.history
    assert (history.trigger, history.source) == ("api.ship", "req-1")
    assert [(m.topic, m.event_type) for m in leased] == [("orders.shipped", "OrderShippedEvent")]


def test_cancelling_carries_the_reason_into_the_event(world: World) -> None:
    order_id = world.order(S.PAID, "pay-1")

    [event] = apply_command(Cancel(order_id, "customer asked"), "req-2", world.db.unit_of_work, world.clock())

    assert world.status(order_id) is S.CANCELLED
    assert '"reason":"customer asked"' in event.payload


@pytest.mark.parametrize("status", [S.PAYMENT_REQUIRED, S.PAID, S.SHIPPED, S.CANCELLED])
def test_shipping_from_any_other_status_is_refused_and_writes_nothing(world: World, status: OrderStatus) -> None:
    order_id = world.order(status, "pay-1")

    with pytest.raises(TransitionRejected) as refused:
        apply_command(Ship(order_id), "req-3", world.db.unit_of_work, world.clock())

    assert refused.value.current_status == status
    assert (world.status(order_id), world.db.tables.history, world.db.tables.outbox) == (status, [], [])


def test_a_command_for_an_unknown_order_is_not_found(world: World) -> None:
    with pytest.raises(OrderNotFound):
        apply_command(Cancel(uuid4(), "why"), "req-4", world.db.unit_of_work, world.clock())
