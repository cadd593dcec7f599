"""What can happen to an order: one command per inbound topic and per API action."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True)
class OrderCreated:
    order_id: UUID


@dataclass(frozen=True)
class PaymentSucceeded:
    order_id: UUID
    payment_id: str
    amount: Decimal
    currency: str
    paid_at: datetime | None = None


@dataclass(frozen=True)
class PaymentFailed:
    order_id: UUID
    payment_id: str
    reason: str = ""


@dataclass(frozen=True)
class InventoryReserved:
    order_id: UUID


@dataclass(frozen=True)
class OutOfStock:
    order_id: UUID
    product_id: str


@dataclass(frozen=True)
class Ship:
    order_id: UUID


@dataclass(frozen=True)
class Cancel:
    order_id: UUID
    reason: str


Command = OrderCreated | PaymentSucceeded | PaymentFailed | InventoryReserved | OutOfStock | Ship | Cancel
