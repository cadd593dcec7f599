"""Reading whole topics from the beginning, without a consumer group: the demo's report and the tests."""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord


def read_from_start(
    brokers: str,
    topics: Sequence[str],
    keys: Collection[bytes] | None = None,
    *,
    expect: int = 0,
    timeout: float = 10.0,
) -> list[ConsumerRecord]:
    """The records of `topics` (only those with one of `keys`, if given), oldest first.

    Reads until caught up with the end of every partition and at least `expect` records were found
    (publishing is asynchronous), or until `timeout` seconds have passed.
    """
    consumer = KafkaConsumer(bootstrap_servers=brokers.split(","), enable_auto_commit=False)
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        found: list[ConsumerRecord] = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            end = consumer.end_offsets(partitions)
            for records in consumer.poll(timeout_ms=200).values():
                found.extend(r for r in records if keys is None or r.key in keys)
            if all(consumer.position(tp) >= end[tp] for tp in partitions) and len(found) >= expect:
                break
    finally:
        consumer.close()
    # Across partitions and topics, the producer's timestamps give the order records were published in.
    return sorted(found, key=lambda r: (r.timestamp, r.partition, r.offset))
