"""Test helpers shared by every suite: MSK-shaped events and seed-shaped payloads."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# The seed-shaped payload builders, one home for the tests and the benchmarks.
from bench.payloads import created, out_of_stock, paid, payment_failed, reserved
from localrun.events import msk_event
from order_core.entrypoints.msk import read_records
from order_core.service.ports import InboundRecord

__all__ = ["MONEY", "Batch", "Record", "created", "out_of_stock", "paid", "payment_failed", "reserved"]


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


MONEY = Decimal("29.99")
