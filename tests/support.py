"""Test helpers shared by every suite: MSK-shaped events and seed-shaped payloads."""

from __future__ import annotations

import base64
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4


@dataclass
class Batch:
    """Builds a Lambda MSK event; offsets start at a random point so dead letters of earlier runs never collide."""

    records: list[dict[str, Any]] = field(default_factory=list)
    base_offset: int = field(default_factory=lambda: random.randrange(10**9, 10**12))
    _next: dict[tuple[str, int], int] = field(default_factory=dict)

    def add(self, topic: str, payload: dict[str, Any] | bytes, *, partition: int = 0, key: str | None = None) -> int:
        """Append a record; returns its offset."""
        offset = self._next.get((topic, partition), self.base_offset)
        self._next[(topic, partition)] = offset + 1
        value = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        record: dict[str, Any] = {
            "topic": topic,
            "partition": partition,
            "offset": offset,
            "timestamp": 1764000000000,
            "timestampType": "CREATE_TIME",
            "value": base64.b64encode(value).decode(),
            "headers": [{"source": list(b"tests")}],
        }
        if key is not None:
            record["key"] = base64.b64encode(key.encode()).decode()
        self.records.append(record)
        return offset

    def event(self) -> dict[str, Any]:
        grouped: dict[str, list[dict[str, Any]]] = {}
        for record in self.records:
            grouped.setdefault(f"{record['topic']}-{record['partition']}", []).append(record)
        return {
            "eventSource": "aws:kafka",
            "eventSourceArn": "arn:aws:kafka:eu-west-1:123456789012:cluster/orders/abc-1",
            "bootstrapServers": "127.0.0.1:59092",
            "records": grouped,
        }


def created(order_id: UUID, total: str = "29.99") -> dict[str, Any]:
    product = str(uuid4())
    return {
        "order_id": str(order_id),
        "user_id": str(uuid4()),
        "total": total,
        "currency": "USD",
        "items_count": 1,
        "items": [{"product_id": product, "quantity": 1, "price": total}],
    }


def paid(order_id: UUID, payment_id: str | None = None, amount: str = "29.99", currency: str = "USD") -> dict[str, Any]:
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
        "amount": "29.99",
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


MONEY = Decimal("29.99")
