"""Seed-shaped inbound payloads: the JSON field names of the seed's structs, exactly.

Amounts are the sample order's (samples.orders), so a sample payment matches it. Timestamps are a fixed
instant unless `at` says otherwise, so what a test publishes is reproducible; the demo passes the current time.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from samples.orders import CURRENCY, TOTAL

PAID_AT = "2026-11-24T10:00:00Z"
LATER = "2026-11-24T10:01:00Z"


def created(order_id: UUID, total: str = str(TOTAL)) -> dict[str, Any]:
    """orders.created: one item that costs the whole total."""
    return {
        "order_id": str(order_id),
        "user_id": str(uuid4()),
        "total": total,
        "currency": CURRENCY,
        "items_count": 1,
        "items": [{"product_id": str(uuid4()), "quantity": 1, "price": total}],
    }


def paid(
    order_id: UUID, payment_id: str | None = None, amount: str = str(TOTAL), currency: str = CURRENCY, *,
    at: str = PAID_AT,
) -> dict[str, Any]:  # fmt: skip
    """payments.succeeded (a new payment id unless given)."""
    return {
        "payment_id": payment_id or str(uuid4()),
        "order_id": str(order_id),
        "user_id": str(uuid4()),
        "amount": amount,
        "currency": currency,
        "payment_date": at,
        "payment_method": "card",
        "provider_id": "stripe",
    }


def payment_failed(order_id: UUID) -> dict[str, Any]:
    """payments.failed: a declined card."""
    return {
        "payment_id": str(uuid4()),
        "order_id": str(order_id),
        "user_id": str(uuid4()),
        "amount": str(TOTAL),
        "currency": CURRENCY,
        "reason": "card declined",
        "code": "card_declined",
    }


def reserved(order_id: UUID, *, at: str = LATER) -> dict[str, Any]:
    """inventory.reserved: one item."""
    return {
        "reservation_id": str(uuid4()),
        "order_id": str(order_id),
        "items": [{"product_id": str(uuid4()), "quantity": 1}],
        "reserved_at": at,
    }


def out_of_stock(order_id: UUID, product_id: str = "sku-42", *, at: str = LATER) -> dict[str, Any]:
    """inventory.out_of_stock: two wanted, none left."""
    return {
        "order_id": str(order_id),
        "product_id": product_id,
        "requested_qty": 2,
        "available_qty": 0,
        "timestamp": at,
    }
