"""Domain events: what the rest of the shop is told after a transition."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from uuid import UUID


@dataclass(frozen=True)
class OrderPaid:
    """The order's payment was accepted."""

    order_id: UUID
    user_id: UUID
    amount: Decimal
    currency: str
    payment_id: str
    paid_at: datetime


@dataclass(frozen=True)
class OrderCancelled:
    """The order was cancelled (out of stock, or on request)."""

    order_id: UUID
    user_id: UUID
    reason: str
    cancelled_at: datetime


@dataclass(frozen=True)
class OrderShipped:
    """The order left the warehouse."""

    order_id: UUID
    user_id: UUID
    shipped_at: datetime


DomainEvent = OrderPaid | OrderCancelled | OrderShipped
