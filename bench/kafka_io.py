"""The benchmark's side of Kafka: send a stage, wait until the service's consumer groups applied it, read back."""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient

from bench.workload import Event
from order_core.topics import Topic, consumer_group

Offsets = dict[TopicPartition, int]
_POLL_S = 0.02


@dataclass(frozen=True)
class Outbound:
    """One record the service published: its order, event id, topic, offset and producer timestamp (ms)."""

    order_id: str
    event_id: str
    topic: str
    offset: int
    timestamp: int


class Broker:
    """A producer that sends like the shop's services (keyed by order id, acks=all) and an admin client."""

    def __init__(self, brokers: str) -> None:
        self._brokers = brokers.split(",")
        self._producer = KafkaProducer(bootstrap_servers=self._brokers, acks="all", linger_ms=5,
                                       batch_size=512 * 1024)  # fmt: skip
        self._admin = KafkaAdminClient(bootstrap_servers=self._brokers)

    def close(self) -> None:
        self._producer.close()
        self._admin.close()

    def send(self, events: Sequence[Event]) -> Offsets:
        """Send and wait for the acks; returns the end offset each written partition must be consumed to.

        Each event goes to its order's partition (Event.partition), given explicitly: that spares the load
        generator kafka-python's pure-Python murmur2, half of its CPU per event, which it would otherwise take from
        the service on this 2-core machine at the start of every stage.
        """
        counts = {topic: len(self._producer.partitions_for(topic)) for topic in {e.topic for e in events}}
        futures = [self._producer.send(e.topic, key=str(e.order_id).encode(), value=e.value,
                                       partition=e.partition(counts[e.topic])) for e in events]  # fmt: skip
        self._producer.flush()
        ends: Offsets = {}
        for future in futures:
            meta = future.get()
            tp = TopicPartition(meta.topic, meta.partition)
            ends[tp] = max(ends.get(tp, 0), meta.offset + 1)
        return ends

    def end_offsets(self, topics: Iterable[str]) -> Offsets:
        return end_offsets(self._brokers, topics)

    def wait_committed(self, ends: Offsets, timeout: float) -> None:
        """Block until the service's consumer group of each topic has committed past `ends`."""
        deadline = time.monotonic() + timeout
        groups = {consumer_group(Topic(tp.topic)) for tp in ends}
        while not self._committed(groups, ends):
            if time.monotonic() > deadline:
                raise TimeoutError(f"consumer groups {sorted(groups)} did not reach {ends} in {timeout:.0f}s")
            time.sleep(_POLL_S)

    def wait_groups_ready(self, topics: Sequence[Topic], timeout: float) -> None:
        """Block until every topic's group has members and has read what was already there (TRIM_HORIZON)."""
        groups = [consumer_group(topic) for topic in topics]
        deadline = time.monotonic() + timeout
        while any(info.get("group_state") != "Stable" for info in self._admin.describe_groups(groups).values()):
            if time.monotonic() > deadline:
                raise TimeoutError(f"consumer groups {groups} not stable after {timeout:.0f}s")
            time.sleep(0.2)
        ends = {tp: offset for tp, offset in self.end_offsets(topics).items() if offset}
        self.wait_committed(ends, max(1.0, deadline - time.monotonic()))

    def read(self, start: Offsets, keys: set[str]) -> list[Outbound]:
        """Every record from `start` to the current end whose key is one of `keys`."""
        ends = self.end_offsets({tp.topic for tp in start})
        found: list[Outbound] = []
        with KafkaConsumer(bootstrap_servers=self._brokers, enable_auto_commit=False) as consumer:
            consumer.assign(list(ends))
            for tp in ends:
                consumer.seek(tp, start.get(tp, 0))
            while any(consumer.position(tp) < end for tp, end in ends.items()):
                for records in consumer.poll(500).values():
                    found += [_outbound(r) for r in records if r.key is not None and r.key.decode() in keys]
        return found

    def _committed(self, groups: set[str], ends: Offsets) -> bool:
        committed = self._admin.list_group_offsets(list(groups))
        done = {tp: meta.offset for offsets in committed.values() for tp, meta in offsets.items()}
        return all(done.get(tp, -1) >= end for tp, end in ends.items())


def end_offsets(brokers: list[str], topics: Iterable[str]) -> Offsets:
    """Where each partition of `topics` ends now."""
    with KafkaConsumer(bootstrap_servers=brokers) as consumer:
        partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t))]
        return {tp: int(offset) for tp, offset in consumer.end_offsets(partitions).items()}


def _outbound(record: object) -> Outbound:
    headers = dict(record.headers)  # type: ignore[attr-defined]
    return Outbound(record.key.decode(), headers["event_id"].decode(), record.topic,  # type: ignore[attr-defined]
                    record.offset, record.timestamp)  # type: ignore[attr-defined]  # fmt: skip
