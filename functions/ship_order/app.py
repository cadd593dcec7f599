"""ShipOrderFunction - POST /orders/{order_id}/ship: a processing order becomes shipped (orders.shipped)."""

from typing import Annotated
from uuid import UUID

from aws_lambda_powertools.event_handler.openapi.params import Body, Path
from pydantic import BaseModel, ConfigDict

from order_core.bootstrap import get_service
from order_core.entrypoints.http import (
    CONFLICT,
    NOT_FOUND,
    WITH_BODY,
    documented,
    http_handler,
    make_resolver,
    make_router,
)
from order_core.views import OrderView

router = make_router()


class NoBody(BaseModel):
    """Shipping takes no input. Clients that always send JSON may send `{}`; any field is refused (422)."""

    model_config = ConfigDict(extra="forbid")


@router.post("/orders/<order_id>/ship", **documented(OrderView, NOT_FOUND, CONFLICT, WITH_BODY), tags=["orders"])
def ship_order(
    order_id: Annotated[UUID, Path(description="Order id")],
    _body: Annotated[NoBody | None, Body(title="NoBody", description="No body, or the empty object")] = None,
) -> OrderView:
    """Mark a processing order shipped and publish orders.shipped."""
    return get_service().ship(order_id, request_id=router.current_event.request_context.request_id)


app = make_resolver(router)
lambda_handler = http_handler(app)
