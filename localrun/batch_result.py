"""Read a Kafka batch invocation's outcome the way the event-source mapping does, and count retries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from kafka import TopicPartition

from localrun.events import KafkaRecord
from localrun.invoke import Invocation

Batch = Mapping[TopicPartition, Sequence[KafkaRecord]]


def failed_offsets(batch: Batch, invocation: Invocation, report_item_failures: bool) -> dict[TopicPartition, int]:
    """Where each failed partition must restart: {} on success, every partition's start on an error.

    As in AWS, a batchItemFailures response is honoured only with ReportBatchItemFailures, the lowest
    reported offset of a partition wins, and an identifier that names no record of the batch fails it all.
    """
    whole_batch = {tp: records[0].offset for tp, records in batch.items()}
    if invocation.error is not None:
        return whole_batch
    result = invocation.result
    items = result.get("batchItemFailures") if isinstance(result, Mapping) else None
    if not report_item_failures or not items:
        return {}
    failed: dict[TopicPartition, int] = {}
    for item in items:
        located = _locate(batch, item)
        if located is None:
            return whole_batch
        tp, offset = located
        failed[tp] = min(failed.get(tp, offset), offset)
    return failed


def _locate(batch: Batch, item: Any) -> tuple[TopicPartition, int] | None:
    identifier = item.get("itemIdentifier") if isinstance(item, Mapping) else None
    if not isinstance(identifier, Mapping):
        return None
    tp = next((tp for tp in batch if f"{tp.topic}-{tp.partition}" == identifier.get("partition")), None)
    offset = identifier.get("offset")
    if tp is None or not isinstance(offset, int) or not any(r.offset == offset for r in batch[tp]):
        return None
    return tp, offset


class RetryCounter:
    """Consecutive failed invocations per partition at the same offset (a new offset starts again at one)."""

    def __init__(self) -> None:
        self._failures: dict[TopicPartition, tuple[int, int]] = {}

    def failed(self, tp: TopicPartition, offset: int) -> int:
        """Count one more failure at offset and return how many there have been in a row."""
        last_offset, count = self._failures.get(tp, (offset, 0))
        count = count + 1 if last_offset == offset else 1
        self._failures[tp] = (offset, count)
        return count

    def clear(self, *partitions: TopicPartition) -> None:
        for tp in partitions:
            self._failures.pop(tp, None)
