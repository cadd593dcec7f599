"""The Kafka transport at the edge: a Lambda MSK event read once into records, and the partial-batch response.

The Lambda MSK event: `{"eventSource": "aws:kafka", "records": {"<topic>-<partition>": [{"topic",
"partition", "offset", "key" (base64, may be absent), "value" (base64), "headers": [{"name": [byte
ints]}]}]}}`; self-managed Kafka is the same with `eventSource: "SelfManagedKafka"`.
"""

from __future__ import annotations

import binascii
from collections.abc import Mapping, Sequence
from typing import Any

from order_core.service.ports import InboundRecord

PartialBatchResponse = dict[str, list[dict[str, Any]]]


def read_records(event: Mapping[str, Any]) -> list[InboundRecord]:
    """Every record of a Lambda MSK (or self-managed Kafka) event: partitions as listed, each in offset order.

    An event that is not a Kafka batch at all (a wrong trigger, a hand-made test event) is a deployment
    mistake, not a bad record: it raises, and the invocation fails loudly.
    """
    partitions = event.get("records")
    if not isinstance(partitions, Mapping):
        raise ValueError(f"not a Kafka event (no records by partition): keys {sorted(event)[:10]}")
    records = [_record(raw) for batch in partitions.values() for raw in batch]
    rank: dict[tuple[str, int], int] = {}
    for record in records:
        rank.setdefault((record.topic, record.partition), len(rank))
    return sorted(records, key=lambda r: (rank[(r.topic, r.partition)], r.offset))


def retry_response(records: Sequence[InboundRecord]) -> PartialBatchResponse:
    """Report the first record of every partition of the batch: nothing of it was committed."""
    first: dict[str, int] = {}
    for record in records:
        partition = f"{record.topic}-{record.partition}"
        first[partition] = min(first.get(partition, record.offset), record.offset)
    return {
        "batchItemFailures": [
            {"itemIdentifier": {"partition": partition, "offset": offset}} for partition, offset in first.items()
        ]
    }


def batch_position(records: Sequence[InboundRecord]) -> str:
    """Where the batch sits in Kafka, e.g. `payments.succeeded-0@41-57,payments.succeeded-1@12-12`.

    Used as the correlation id so every log line of the invocation points at the records it handled.
    """
    offsets: dict[str, list[int]] = {}
    for record in records:
        offsets.setdefault(f"{record.topic}-{record.partition}", []).append(record.offset)
    return ",".join(f"{tp}@{min(o)}-{max(o)}" for tp, o in sorted(offsets.items()))


def _record(raw: Mapping[str, Any]) -> InboundRecord:
    topic, partition, offset = str(raw["topic"]), int(raw["partition"]), int(raw["offset"])
    headers: tuple[tuple[str, bytes], ...] = ()
    try:
        headers = tuple((str(n), bytes(v or ())) for header in raw.get("headers") or () for n, v in header.items())
        key = binascii.a2b_base64(raw["key"], strict_mode=True) if raw.get("key") is not None else None
        value = binascii.a2b_base64(raw["value"], strict_mode=True) if raw.get("value") is not None else None
    except (binascii.Error, TypeError, ValueError, AttributeError) as error:
        undecoded = str(raw.get("value", "")).encode("utf-8", "backslashreplace")
        why = f"not an MSK record (base64 key and value, headers of byte lists): {error}"
        return InboundRecord(topic, partition, offset, None, undecoded, headers, why)
    return InboundRecord(topic, partition, offset, key, value, headers)
