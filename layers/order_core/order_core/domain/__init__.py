"""The pure domain: statuses, commands, the transition table, domain events. No I/O, no drivers."""

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
from order_core.domain.model import Ignored, Moved, Order, OrderStatus, Outcome, Refusal, Refused, decide

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
