"""Seed-shaped event payloads (the JSON the shop's other services send), for the benchmarks' workload."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

PRICE = "29.99"


def created(order_id: UUID, total: str = PRICE) -> dict[str, Any]:
    product = str(uuid4())
    return {
        "order_id": str(order_id),
        "user_id": str(uuid4()),
        "total": total,
        "currency": "USD",
        "items_count": 1,
        "items": [{"product_id": product, "quantity": 1, "price": total}],
    }


def paid(order_id: UUID, payment_id: str | None = None, amount: str = PRICE, currency: str = "USD") -> dict[str, Any]:
    return {
        "payment_id": payment_id or str(uuid4()),
        "order_id": str(order_id),
        "user_id": str(uuid4()),
        "amount": amount,
        "currency": currency,
        "payment_date": "2026-11-24T10:00:00Z",
        "payment_method": "card",
        "provider_id": "stripe",
    }


def payment_failed(order_id: UUID) -> dict[str, Any]:
    return {
        "payment_id": str(uuid4()),
        "order_id": str(order_id),
        "user_id": str(uuid4()),
        "amount": PRICE,
        "currency": "USD",
        "reason": "card declined",
        "code": "card_declined",
    }


def reserved(order_id: UUID) -> dict[str, Any]:
    return {
        "reservation_id": str(uuid4()),
        "order_id": str(order_id),
        "items": [{"product_id": str(uuid4()), "quantity": 1}],
        "reserved_at": "2026-11-24T10:01:00Z",
    }


def out_of_stock(order_id: UUID, product_id: str = "sku-42") -> dict[str, Any]:
    return {
        "order_id": str(order_id),
        "product_id": product_id,
        "requested_qty": 2,
        "available_qty": 0,
        "timestamp": "2026-11-24T10:01:00Z",
    }
