"""API commands on the fakes: ship and cancel move the order, write history and an event, or refuse."""

from __future__ import annotations

from uuid import UUID, uuid4

import pytest

from order_core.domain import Cancel, OrderStatus, Ship
from order_core.exceptions import OrderNotFound, TransientError, TransitionRejected
from order_core.service.commands import apply_command
from order_core.service.orders import OrderService
from order_core.service.ports import OrderQueries
from order_core.views import OrderDetail, OrderPage
from tests.unit.conftest import World

S = OrderStatus


def test_shipping_a_processing_order_records_the_request_and_leases_its_event(world: World) -> None:
    order_id = world.order(S.PROCESSING, "pay-1")

    applied = apply_command(Ship(order_id), "req-1", world.db.unit_of_work, world.clock())

    assert world.status(order_id) is S.SHIPPED
    assert (applied.view.id, applied.view.status) == (order_id, S.SHIPPED)
    [history] = world.db.tables.history
    assert (history.trigger, history.source) == ("api.ship", "req-1")
    assert [(m.topic, m.event_type) for m in applied.leased] == [("orders.shipped", "OrderShippedEvent")]


def test_cancelling_carries_the_reason_into_the_event(world: World) -> None:
    order_id = world.order(S.PAID, "pay-1")

    [event] = apply_command(Cancel(order_id, "customer asked"), "req-2", world.db.unit_of_work, world.clock()).leased

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


class _DatabaseGone(OrderQueries):
    """The read side after the command's commit: Postgres has gone away."""

    def get_order(self, order_id: UUID) -> OrderDetail | None:
        raise TransientError("connection lost")

    def list_orders(self, status: OrderStatus | None, limit: int, cursor: str | None) -> OrderPage:
        raise TransientError("connection lost")


def test_a_committed_command_is_answered_without_another_trip_to_the_database(world: World) -> None:
    order_id = world.order(S.PAID, "pay-1")
    service = OrderService(world.db.unit_of_work, _DatabaseGone(), world.publisher, world.clock)

    view = service.cancel(order_id, "customer asked", request_id="req-5")

    assert (view.id, view.status) == (order_id, S.CANCELLED)
    assert [m.topic for m in world.bus.sent] == ["orders.cancelled"]
