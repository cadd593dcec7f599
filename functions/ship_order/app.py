"""ShipOrderFunction - POST /orders/{order_id}/ship: a processing order becomes shipped (orders.shipped)."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Path

from order_core.bootstrap import get_service
from order_core.entrypoints.http import (
    CONFLICT,
    NOT_FOUND,
    UNAVAILABLE,
    answers,
    http_handler,
    make_resolver,
    make_router,
)
from order_core.views import OrderView

router = make_router()


@router.post("/orders/<order_id>/ship", responses=answers(OrderView, NOT_FOUND, CONFLICT, UNAVAILABLE), tags=["orders"])
def ship_order(order_id: Annotated[UUID, Path(description="Order id")]) -> OrderView:
    """Mark a processing order shipped and publish orders.shipped."""
    return get_service().ship(order_id, request_id=router.current_event.request_context.request_id)


app = make_resolver(router)
lambda_handler = http_handler(app)
