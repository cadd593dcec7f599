"""Ship, cancel and the read side, through the service facade on the real Postgres."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID, uuid4

import pytest

from order_core.bootstrap import Container
from order_core.domain import OrderStatus
from order_core.exceptions import InvalidCursor, OrderNotFound, TransitionRejected
from tests.integration.conftest import Db


def test_shipping_a_paid_order_is_refused_with_its_current_status(
    app: Container, make_order: Callable[..., UUID], db: Db
) -> None:
    order_id = make_order(status="paid", payment_id="p")
    with pytest.raises(TransitionRejected) as refused:
        app.service.ship(order_id, request_id="req-1")
    assert refused.value.current_status == "paid"
    assert db.status(order_id) == "paid"
    assert db.outbox(order_id) == []


@pytest.mark.parametrize("status", ["shipped", "delivered", "cancelled"])
def test_cancelling_after_shipment_or_twice_is_refused(
    app: Container, make_order: Callable[..., UUID], status: str
) -> None:
    order_id = make_order(status=status, payment_id="p")
    with pytest.raises(TransitionRejected) as refused:
        app.service.cancel(order_id, "too late", request_id="req-2")
    assert refused.value.current_status == status


def test_unknown_orders_are_not_found(app: Container) -> None:
    with pytest.raises(OrderNotFound):
        app.service.ship(uuid4(), request_id="req-3")
    with pytest.raises(OrderNotFound):
        app.service.get_order(uuid4())


def test_an_order_comes_with_its_history(app: Container, make_order: Callable[..., UUID]) -> None:
    order_id = make_order(status="processing", payment_id="pay-1")
    app.service.ship(order_id, request_id="req-ship-9")

    detail = app.service.get_order(order_id)

    assert detail.order.status is OrderStatus.SHIPPED
    assert detail.order.model_dump(mode="json")["total"] == "29.99"
    assert [(h.from_status, h.to_status, h.trigger, h.source) for h in detail.history] == [
        ("processing", "shipped", "api.ship", "req-ship-9")
    ]


def test_listing_by_status_pages_with_a_keyset_cursor(app: Container, make_order: Callable[..., UUID]) -> None:
    # Given five orders in a status nothing else in the suite uses
    ids = {make_order(status="delivered", payment_id="p") for _ in range(5)}
    seen: list[UUID] = []
    cursor = None

    # When paging two at a time
    while True:
        page = app.service.list_orders(OrderStatus.DELIVERED, limit=2, cursor=cursor)
        seen.extend(o.id for o in page.items)
        if page.next_cursor is None:
            break
        cursor = page.next_cursor

    # Then every order shows up exactly once, in creation order
    assert ids <= set(seen)
    assert len(seen) == len(set(seen))


def test_a_forged_cursor_is_rejected(app: Container) -> None:
    with pytest.raises(InvalidCursor):
        app.service.list_orders(OrderStatus.PAID, limit=10, cursor="not-a-cursor")
