"""Seed-shaped inbound events (the JSON field names of the seed's structs, exactly)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

TOTAL, CURRENCY = "29.99", "USD"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def created(order_id: UUID) -> dict[str, Any]:
    return {"order_id": str(order_id), "user_id": str(uuid.uuid4()), "total": TOTAL, "currency": CURRENCY,
            "items_count": 2, "items": [{"product_id": "sku-1", "quantity": 1, "price": "9.99"},
                                        {"product_id": "sku-2", "quantity": 1, "price": "20.00"}]}  # fmt: skip


def payment_succeeded(order_id: UUID) -> dict[str, Any]:
    return {"payment_id": str(uuid.uuid4()), "order_id": str(order_id), "user_id": str(uuid.uuid4()),
            "amount": TOTAL, "currency": CURRENCY, "payment_date": _now(), "payment_method": "card",
            "provider_id": "stripe"}  # fmt: skip


def payment_failed(order_id: UUID) -> dict[str, Any]:
    return {"payment_id": str(uuid.uuid4()), "order_id": str(order_id), "user_id": str(uuid.uuid4()),
            "amount": TOTAL, "currency": CURRENCY, "reason": "Card declined", "code": "card_declined"}  # fmt: skip


def reserved(order_id: UUID) -> dict[str, Any]:
    return {"reservation_id": str(uuid.uuid4()), "order_id": str(order_id),
            "items": [{"product_id": "sku-1", "quantity": 1}, {"product_id": "sku-2", "quantity": 1}],
            "reserved_at": _now()}  # fmt: skip


def out_of_stock(order_id: UUID) -> dict[str, Any]:
    return {"order_id": str(order_id), "product_id": "sku-42", "requested_qty": 2, "available_qty": 0,
            "timestamp": _now()}  # fmt: skip
