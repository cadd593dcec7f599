"""What this service reads from Kafka: tolerant readers of the seed's events.

Unknown fields are ignored and only the fields this service needs are required. Every text that
reaches the database is checked here to be storable: no control characters (NUL among them) and no
lone surrogates, which JSON can carry and Postgres text cannot. Schemas are built at first use
(`defer_build`): a function reads one topic and never pays for the other four.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from order_core.domain import (
    Command,
    InventoryReserved,
    OrderCreated,
    OutOfStock,
    PaymentFailed,
    PaymentSucceeded,
)
from order_core.topics import Topic


def _two_places(value: Decimal) -> Decimal:
    exponent = value.as_tuple().exponent
    if not value.is_finite() or (isinstance(exponent, int) and exponent < -2):
        raise ValueError("must be a decimal amount with at most two places")
    return value.quantize(Decimal("0.01"))


# Unicode's Cc (control) and Cs (surrogate) categories, which are fixed: C0, DEL with C1, and the surrogates.
_UNSTORABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _storable(text: str) -> str:
    if _UNSTORABLE.search(text):
        raise ValueError("must not contain control characters or lone surrogates")
    return text


def _utc(moment: datetime) -> datetime:
    try:
        return moment.astimezone(UTC)
    except OverflowError as error:  # 0001-01-01T00:00:00+14:00 has no UTC equivalent
        raise ValueError("must be a date-time that exists in UTC") from error


Money = Annotated[Decimal, Field(ge=0, max_digits=12), AfterValidator(_two_places)]
Currency = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$", to_upper=True)]
Identifier = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128), AfterValidator(_storable)
]
UtcDateTime = Annotated[datetime, AfterValidator(_utc)]


class _Inbound(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


class OrderItem(_Inbound):
    product_id: str | None = None
    quantity: int | None = None
    price: str | None = None


class OrderCreatedEvent(_Inbound):
    order_id: UUID
    user_id: UUID | None = None
    total: Money | None = None
    currency: Currency | None = None
    items_count: int | None = None
    items: list[OrderItem] = []

    def to_command(self) -> Command:
        return OrderCreated(self.order_id)


class PaymentSucceededEvent(_Inbound):
    payment_id: Identifier
    order_id: UUID
    user_id: UUID | None = None
    amount: Money
    currency: Currency
    payment_date: UtcDateTime | None = None
    payment_method: str | None = None
    provider_id: str | None = None

    def to_command(self) -> Command:
        return PaymentSucceeded(self.order_id, self.payment_id, self.amount, self.currency, self.payment_date)


class PaymentFailedEvent(_Inbound):
    payment_id: Identifier
    order_id: UUID
    user_id: UUID | None = None
    amount: str | None = None
    currency: str | None = None
    reason: str = ""
    code: str | None = None

    def to_command(self) -> Command:
        return PaymentFailed(self.order_id, self.payment_id, self.reason)


class InventoryReservedEvent(_Inbound):
    reservation_id: str | None = None
    order_id: UUID
    items: list[OrderItem] = []
    reserved_at: str | None = None

    def to_command(self) -> Command:
        return InventoryReserved(self.order_id)


class InventoryOutOfStockEvent(_Inbound):
    order_id: UUID
    product_id: Identifier
    requested_qty: int | None = None
    available_qty: int | None = None
    timestamp: str | None = None

    def to_command(self) -> Command:
        return OutOfStock(self.order_id, self.product_id)


InboundEvent = (
    OrderCreatedEvent | PaymentSucceededEvent | PaymentFailedEvent | InventoryReservedEvent | InventoryOutOfStockEvent
)

INBOUND: dict[Topic, type[InboundEvent]] = {
    Topic.ORDERS_CREATED: OrderCreatedEvent,
    Topic.PAYMENTS_SUCCEEDED: PaymentSucceededEvent,
    Topic.PAYMENTS_FAILED: PaymentFailedEvent,
    Topic.INVENTORY_RESERVED: InventoryReservedEvent,
    Topic.INVENTORY_OUT_OF_STOCK: InventoryOutOfStockEvent,
}


class OrderIdOnly(_Inbound):
    """The one field an operator needs to find a bad record's order, read without trusting the rest."""

    order_id: UUID
