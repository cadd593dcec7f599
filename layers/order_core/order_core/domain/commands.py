"""What can happen to an order: one command per inbound topic and per API action.

`trigger` is what the status history records as the cause of a transition.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import ClassVar
from uuid import UUID


@dataclass(frozen=True)
class OrderCreated:
    trigger: ClassVar[str] = "orders.created"
    order_id: UUID


@dataclass(frozen=True)
class PaymentSucceeded:
    trigger: ClassVar[str] = "payments.succeeded"
    order_id: UUID
    payment_id: str
    amount: Decimal
    currency: str
    paid_at: datetime | None = None


@dataclass(frozen=True)
class PaymentFailed:
    trigger: ClassVar[str] = "payments.failed"
    order_id: UUID
    payment_id: str
    reason: str = ""


@dataclass(frozen=True)
class InventoryReserved:
    trigger: ClassVar[str] = "inventory.reserved"
    order_id: UUID


@dataclass(frozen=True)
class OutOfStock:
    trigger: ClassVar[str] = "inventory.out_of_stock"
    order_id: UUID
    product_id: str


@dataclass(frozen=True)
class Ship:
    trigger: ClassVar[str] = "api.ship"
    order_id: UUID


@dataclass(frozen=True)
class Cancel:
    trigger: ClassVar[str] = "api.cancel"
    order_id: UUID
    reason: str


Command = OrderCreated | PaymentSucceeded | PaymentFailed | InventoryReserved | OutOfStock | Ship | Cancel
