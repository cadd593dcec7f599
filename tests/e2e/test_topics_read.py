"""Reading back what topics received since a moment: what the tests and the demo's report check."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from kafka import KafkaProducer

from localrun.topics import read_since

pytestmark = pytest.mark.slow


def test_only_records_stamped_since_the_moment_are_read(brokers: str, scratch_topic: Callable[[str, int], str]) -> None:
    topic = scratch_topic("topics-read", 3)
    producer = KafkaProducer(bootstrap_servers=brokers, acks="all")
    before = datetime.now(UTC)
    for n in range(30):  # on every partition
        producer.send(topic, b"earlier", key=str(n).encode())
    producer.flush()
    time.sleep(0.05)  # the moment falls strictly between the two sends' timestamps
    since = datetime.now(UTC)
    for n in range(3):
        producer.send(topic, b"later", key=str(n).encode())
    producer.flush()
    producer.close()

    later = read_since(brokers, [topic], since, expect=3)
    assert sorted(r.value for r in later) == [b"later"] * 3
    assert len(read_since(brokers, [topic], before, expect=33)) == 33
    assert [r.value for r in read_since(brokers, [topic], since, {b"1"})] == [b"later"]
