"""The order state machine. Each rule reads as its row of the table in DESIGN.md.

`decide(order, command, at)` is pure: it returns what should happen (an `Outcome`) and never
touches a database or a broker. The service layer applies outcomes in bulk.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal
from uuid import UUID

from order_core.domain.commands import (
    Cancel,
    Command,
    InventoryReserved,
    OrderCreated,
    OutOfStock,
    PaymentFailed,
    PaymentSucceeded,
    Ship,
)
from order_core.domain.events import DomainEvent, OrderCancelled, OrderPaid, OrderShipped


class OrderStatus(StrEnum):
    """Where an order is in its life. `delivered` is reserved: nothing here moves an order into it yet."""

    PAYMENT_REQUIRED = "payment_required"
    PAYMENT_FAILED = "payment_failed"
    PAID = "paid"
    PROCESSING = "processing"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


AWAITING_PAYMENT = frozenset({OrderStatus.PAYMENT_REQUIRED, OrderStatus.PAYMENT_FAILED})
CANCELLABLE = AWAITING_PAYMENT | {OrderStatus.PAID, OrderStatus.PROCESSING}
LEFT_WAREHOUSE = frozenset({OrderStatus.SHIPPED, OrderStatus.DELIVERED})


class Refusal(StrEnum):
    """Why a command was refused; for Kafka records this is the dead-letter reason code."""

    DUPLICATE_PAYMENT = "duplicate_payment"
    PAYMENT_AFTER_CANCEL = "payment_after_cancel"
    PAYMENT_MISMATCH = "payment_mismatch"
    INVALID_TRANSITION = "invalid_transition"


@dataclass(frozen=True)
class Order:
    """The part of an order the state machine needs."""

    id: UUID
    user_id: UUID
    status: OrderStatus
    total: Decimal
    currency: str
    payment_id: str | None = None


@dataclass(frozen=True)
class Moved:
    """A real transition: the order after it, where it came from, and the event to publish (if any)."""

    order: Order
    from_status: OrderStatus
    event: DomainEvent | None


@dataclass(frozen=True)
class Ignored:
    """Nothing to do: an acknowledgement, a redelivered duplicate, or a stale event overtaken by later ones."""

    why: Literal["acknowledged", "duplicate", "stale"]


@dataclass(frozen=True)
class Refused:
    """The command is not allowed from the order's current status (or does not match the order)."""

    reason: Refusal
    detail: str


Outcome = Moved | Ignored | Refused

ACKNOWLEDGED = Ignored("acknowledged")
DUPLICATE = Ignored("duplicate")
STALE = Ignored("stale")


def decide(order: Order, command: Command, at: datetime) -> Outcome:
    """Apply one command to one order at time `at`; pure."""
    match command:
        case OrderCreated():
            return ACKNOWLEDGED if order.status is OrderStatus.PAYMENT_REQUIRED else STALE
        case PaymentSucceeded():
            return _pay(order, command, at)
        case PaymentFailed():
            return _fail_payment(order)
        case InventoryReserved():
            return _reserve(order)
        case OutOfStock():
            return _cancel_out_of_stock(order, command, at)
        case Ship():
            return _ship(order, at)
        case Cancel():
            return _cancel_on_request(order, command, at)


def _pay(order: Order, command: PaymentSucceeded, at: datetime) -> Outcome:
    if order.status is OrderStatus.CANCELLED:
        return Refused(Refusal.PAYMENT_AFTER_CANCEL, f"payment {command.payment_id} for a cancelled order")
    if order.status not in AWAITING_PAYMENT:
        if command.payment_id == order.payment_id:
            return DUPLICATE
        return Refused(
            Refusal.DUPLICATE_PAYMENT,
            f"order is {order.status} with payment {order.payment_id}; got payment {command.payment_id}",
        )
    if (command.amount, command.currency) != (order.total, order.currency):
        return Refused(
            Refusal.PAYMENT_MISMATCH,
            f"paid {command.amount} {command.currency}, order total is {order.total} {order.currency}",
        )
    paid = OrderPaid(order.id, order.user_id, order.total, order.currency, command.payment_id, command.paid_at or at)
    return _move(order, OrderStatus.PAID, paid, payment_id=command.payment_id)


def _fail_payment(order: Order) -> Outcome:
    if order.status is OrderStatus.PAYMENT_REQUIRED:
        return _move(order, OrderStatus.PAYMENT_FAILED, None)
    if order.status is OrderStatus.PAYMENT_FAILED:
        return DUPLICATE
    return STALE


def _reserve(order: Order) -> Outcome:
    if order.status is OrderStatus.PAID:
        return _move(order, OrderStatus.PROCESSING, None)
    if order.status is OrderStatus.PROCESSING:
        return DUPLICATE
    if order.status in AWAITING_PAYMENT:
        return Refused(Refusal.INVALID_TRANSITION, f"inventory reserved for an unpaid order ({order.status})")
    return STALE


def _cancel_out_of_stock(order: Order, command: OutOfStock, at: datetime) -> Outcome:
    if order.status in CANCELLABLE:
        reason = f"Out of stock for product: {command.product_id}"
        return _move(order, OrderStatus.CANCELLED, OrderCancelled(order.id, order.user_id, reason, at))
    if order.status is OrderStatus.CANCELLED:
        return DUPLICATE
    return Refused(Refusal.INVALID_TRANSITION, f"out of stock reported for a {order.status} order")


def _ship(order: Order, at: datetime) -> Outcome:
    if order.status is OrderStatus.PROCESSING:
        return _move(order, OrderStatus.SHIPPED, OrderShipped(order.id, order.user_id, at))
    return Refused(Refusal.INVALID_TRANSITION, f"only a processing order can be shipped; it is {order.status}")


def _cancel_on_request(order: Order, command: Cancel, at: datetime) -> Outcome:
    if order.status in CANCELLABLE:
        cancelled = OrderCancelled(order.id, order.user_id, command.reason, at)
        return _move(order, OrderStatus.CANCELLED, cancelled)
    return Refused(Refusal.INVALID_TRANSITION, f"a {order.status} order cannot be cancelled")


def _move(order: Order, to: OrderStatus, event: DomainEvent | None, payment_id: str | None = None) -> Moved:
    """The order moved to `to`; a payment that paid it is recorded with it."""
    return Moved(replace(order, status=to, payment_id=payment_id or order.payment_id), order.status, event)
