"""What this service publishes to Kafka: the seed's events, byte for byte, and what the wire guarantees.

Writers emit exactly the seed's fields, in the seed's order, compact, like Go's encoding/json. A payload
that breaks what the wire promises (docs/asyncapi.yaml) raises when it is built and is never sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from order_core.domain import DomainEvent, OrderCancelled, OrderPaid, OrderShipped
from order_core.topics import Topic


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
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


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


_JSON = b"application/json"


class OutboundHeaders(_Outbound):
    """The headers of every published record. A re-sent record keeps its event_id: consumers dedupe by it."""

    model_config = ConfigDict(json_schema_serialization_defaults_required=True)

    event_id: UUID
    event_type: str
    content_type: Literal["application/json"] = Field(default="application/json", alias="content-type")

    def encode(self) -> list[tuple[str, bytes]]:
        """As Kafka carries them: (name, UTF-8 value) pairs, in this order."""
        return wire_headers(self.event_id, self.event_type)


def wire_headers(event_id: UUID, event_type: str) -> list[tuple[str, bytes]]:
    """OutboundHeaders as Kafka carries them, written out: the producer calls this once per published event, where
    building the model would validate what the outbox row already guarantees (8.4 µs against 2.9 µs)."""
    return [("event_id", str(event_id).encode()), ("event_type", event_type.encode()), ("content-type", _JSON)]


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
