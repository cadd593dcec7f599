"""The pure domain: statuses, the transition table, domain events. No I/O, no drivers."""

from order_core.domain.events import DomainEvent, OrderCancelled, OrderPaid, OrderShipped
from order_core.domain.model import (
    Cancel,
    Command,
    Ignored,
    InventoryReserved,
    Moved,
    Order,
    OrderCreated,
    OrderStatus,
    Outcome,
    OutOfStock,
    PaymentFailed,
    PaymentSucceeded,
    Refusal,
    Refused,
    Ship,
    decide,
)

__all__ = [
    "Cancel",
    "Command",
    "DomainEvent",
    "Ignored",
    "InventoryReserved",
    "Moved",
    "Order",
    "OrderCancelled",
    "OrderCreated",
    "OrderPaid",
    "OrderShipped",
    "OrderStatus",
    "OutOfStock",
    "Outcome",
    "PaymentFailed",
    "PaymentSucceeded",
    "Refusal",
    "Refused",
    "Ship",
    "decide",
]
