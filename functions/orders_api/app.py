"""OrdersApiFunction - read orders (one with its history, or a page of all or by status) and cancel an order."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Body, Path, Query
from pydantic import BaseModel, StringConstraints

from order_core.bootstrap import get_service
from order_core.domain import OrderStatus
from order_core.entrypoints.http import (
    BAD_CURSOR,
    CONFLICT,
    NOT_FOUND,
    WITH_BODY,
    documented,
    http_handler,
    make_resolver,
    make_router,
)
from order_core.views import OrderDetail, OrderPage, OrderView

router = make_router()

OrderId = Annotated[UUID, Path(description="Order id")]


class CancelRequest(BaseModel):
    """Why the order is cancelled; sent to consumers of orders.cancelled as `reason`."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


@router.get("/orders/<order_id>", **documented(OrderDetail, NOT_FOUND), tags=["orders"])
def get_order(order_id: OrderId) -> OrderDetail:
    """One order with its status history, oldest transition first."""
    return get_service().get_order(order_id)


@router.get("/orders", **documented(OrderPage, BAD_CURSOR), tags=["orders"])
def list_orders(
    status: Annotated[OrderStatus | None, Query(description="Only orders in this status, else all")] = None,
    limit: Annotated[int, Query(ge=1, le=100, description="Page size")] = 20,
    cursor: Annotated[str | None, Query(max_length=512, description="next_cursor of the previous page")] = None,
) -> OrderPage:
    """Orders, or the orders in one status, oldest first, a page at a time (keyset pagination)."""
    return get_service().list_orders(status, limit=limit, cursor=cursor)


@router.post("/orders/<order_id>/cancel", **documented(OrderView, NOT_FOUND, CONFLICT, WITH_BODY), tags=["orders"])
def cancel_order(order_id: OrderId, body: Annotated[CancelRequest, Body()]) -> OrderView:
    """Cancel an order that has not shipped yet and publish orders.cancelled with the reason."""
    request_id = router.current_event.request_context.request_id
    return get_service().cancel(order_id, body.reason, request_id=request_id)


app = make_resolver(router)
lambda_handler = http_handler(app)
