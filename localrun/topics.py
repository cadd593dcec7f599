"""Reading what topics received since a moment, without a consumer group: the demo's report and the tests.

From a moment, not from the beginning: the local topics keep what every earlier run published (each
`make bench-e2e` adds 10,500 outbound events), and reading 600,000 records from the beginning took 18 s here,
longer than a test or the demo waits.
"""

from __future__ import annotations

import time
from collections.abc import Collection, Sequence
from datetime import datetime

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord


def read_since(
    brokers: str,
    topics: Sequence[str],
    since: datetime,
    keys: Collection[bytes] | None = None,
    *,
    expect: int = 0,
    timeout: float = 10.0,
) -> list[ConsumerRecord]:
    """The records of `topics` stamped at or after `since` (only those with one of `keys`, if given), oldest first.

    Each partition is read from its first record whose producer timestamp is not before `since` (Kafka's offsets
    for times), until caught up with the end of every partition and at least `expect` records were found
    (publishing is asynchronous), or until `timeout` seconds have passed.
    """
    consumer = KafkaConsumer(bootstrap_servers=brokers.split(","), enable_auto_commit=False)
    try:
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(partitions)
        firsts = consumer.offsets_for_times(dict.fromkeys(partitions, int(since.timestamp() * 1000)))
        ends = consumer.end_offsets(partitions)
        for tp in partitions:  # a partition with nothing that recent yet is read from its end
            consumer.seek(tp, ends[tp] if firsts[tp] is None else firsts[tp].offset)
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
