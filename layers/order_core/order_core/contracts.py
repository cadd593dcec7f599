"""Kafka event contracts: the seed's JSON field names, byte for byte.

Readers are tolerant (unknown fields ignored, only the fields this service needs are required);
writers emit exactly the seed's fields, in the seed's order, compact, like Go's encoding/json.
Every text that reaches the database is checked here to be storable: no control characters (NUL
among them) and no lone surrogates, which JSON can carry and Postgres text cannot.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from order_core.domain import (
    Command,
    DomainEvent,
    InventoryReserved,
    OrderCancelled,
    OrderCreated,
    OrderPaid,
    OrderShipped,
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


def _storable(text: str) -> str:
    if any(unicodedata.category(char) in {"Cc", "Cs"} for char in text):
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
    model_config = ConfigDict(extra="ignore", frozen=True)


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


def rfc3339(moment: datetime) -> str:
    """Go's time.RFC3339 in UTC to the second: 2026-11-24T12:10:16Z (years before 1000 padded: 0999-…)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def _absent_when_none(schema: dict[str, Any]) -> None:
    """encode() leaves a None field out (the seed's omitempty): on the wire it is absent, never null."""
    del schema["default"]
    [present] = [branch for branch in schema.pop("anyOf") if branch != {"type": "null"}]
    schema.update(present)


# What the wire carries, checked when a payload is built: a payload that breaks them is never sent.
WireAmount = Annotated[
    str,
    StringConstraints(pattern=r"^(0|[1-9][0-9]{0,9})\.[0-9]{2}$"),
    Field(description="A decimal with exactly two places, as a string (numeric(12,2), never a float)."),
]
WireCurrency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$"), Field(description="ISO 4217, upper case.")]
WireTimestamp = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"),
    Field(json_schema_extra={"format": "date-time"}, description="RFC 3339 in UTC, to the second."),
]


class _Outbound(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class OrderPaidEvent(_Outbound):
    order_id: UUID
    user_id: UUID
    amount: WireAmount
    currency: WireCurrency
    payment_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    payment_date: WireTimestamp


class OrderCancelledEvent(_Outbound):
    order_id: UUID
    user_id: UUID
    reason: Annotated[str, StringConstraints(min_length=1)] | None = Field(
        default=None, json_schema_extra=_absent_when_none
    )
    cancelled_at: WireTimestamp


class OrderShippedEvent(_Outbound):
    order_id: UUID
    user_id: UUID
    shipped_at: WireTimestamp


class OutboundHeaders(_Outbound):
    """The headers of every published record. A re-sent record keeps its event_id: consumers dedupe by it."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    event_id: UUID
    event_type: str
    content_type: Literal["application/json"] = Field(default="application/json", alias="content-type")

    def encode(self) -> list[tuple[str, bytes]]:
        """As Kafka carries them: (name, UTF-8 value) pairs, in this order."""
        return [(name, value.encode()) for name, value in self.model_dump(mode="json", by_alias=True).items()]


OutboundEvent = OrderPaidEvent | OrderCancelledEvent | OrderShippedEvent


@dataclass(frozen=True)
class Outbound:
    """Where an outbound event goes and what its `event_type` header says: explicit, never a class name."""

    topic: Topic
    event_type: str


OUTBOUND: dict[type[OutboundEvent], Outbound] = {
    OrderPaidEvent: Outbound(Topic.ORDERS_PAID, "OrderPaidEvent"),
    OrderCancelledEvent: Outbound(Topic.ORDERS_CANCELLED, "OrderCancelledEvent"),
    OrderShippedEvent: Outbound(Topic.ORDERS_SHIPPED, "OrderShippedEvent"),
}


def outbound_payload(event: DomainEvent) -> OutboundEvent:
    """The seed-shaped payload of a domain event."""
    ids: dict[str, Any] = {"order_id": event.order_id, "user_id": event.user_id}
    match event:
        case OrderPaid():
            return OrderPaidEvent(
                **ids,
                amount=f"{event.amount:.2f}",
                currency=event.currency,
                payment_id=event.payment_id,
                payment_date=rfc3339(event.paid_at),
            )
        case OrderCancelled():
            return OrderCancelledEvent(**ids, reason=event.reason or None, cancelled_at=rfc3339(event.cancelled_at))
        case OrderShipped():
            return OrderShippedEvent(**ids, shipped_at=rfc3339(event.shipped_at))


def encode(payload: OutboundEvent) -> str:
    """Compact JSON in field order, omitting the seed's omitempty fields when empty."""
    return payload.model_dump_json(exclude_none=True)
