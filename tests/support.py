"""Test helpers shared by every suite: MSK-shaped events and seed-shaped payloads."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from localrun.events import msk_event
from order_core.entrypoints.msk import read_records
from order_core.service.ports import InboundRecord


@dataclass(frozen=True)
class Record:
    """A Kafka record as a consumer sees it (the fields of kafka-python's ConsumerRecord the runner reads)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: int = 1764000000000
    timestamp_type: int = 0
    headers: tuple[tuple[str, bytes], ...] = (("source", b"tests"),)


@dataclass
class Batch:
    """Builds a Lambda MSK event; offsets start at a random point so dead letters of earlier runs never collide."""

    partitions: dict[tuple[str, int], list[Record]] = field(default_factory=dict)
    base_offset: int = field(default_factory=lambda: random.randrange(10**9, 10**12))

    def add(self, topic: str, payload: dict[str, Any] | bytes, *, partition: int = 0, key: str | None = None) -> int:
        """Append a record; returns its offset."""
        records = self.partitions.setdefault((topic, partition), [])
        offset = self.base_offset + len(records)
        value = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        records.append(Record(topic, partition, offset, key.encode() if key is not None else None, value))
        return offset

    def event(self) -> dict[str, Any]:
        return msk_event(
            self.partitions,
            source="MSK",
            bootstrap_servers="127.0.0.1:59092",
            event_source_arn="arn:aws:kafka:eu-west-1:123456789012:cluster/orders/abc-1",
        )

    def records(self) -> list[InboundRecord]:
        """The records as a Kafka function reads them from the event (through the edge's own reader)."""
        return read_records(self.event())


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
