"""The producer's partitioner puts a keyed record where every Kafka client would: murmur2 of the key."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from kafka.partitioner import DefaultPartitioner

from order_core.adapters.partitioner import Murmur2Partitioner, murmur2

# The cases of testMurmur2 in the Java client's UtilsTest (org.apache.kafka.common.utils): signed 32-bit hashes.
JAVA_CLIENT = {
    b"21": -973932308,
    b"foobar": -790332482,
    b"a-little-bit-long-string": -985981536,
    b"a-little-bit-longer-string": -1486304829,
    b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
    b"abc": 479470107,
}


class Cluster:
    """The two questions a partitioner asks of kafka-python's ClusterMetadata."""

    def __init__(self, topic: str, partitions: int) -> None:
        self._topic, self._partitions = topic, set(range(partitions))

    def topics(self) -> set[str]:
        return {self._topic}

    def partitions_for_topic(self, topic: str) -> set[int]:
        return self._partitions

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return self._partitions


def test_murmur2_is_the_java_clients() -> None:
    assert {key: murmur2(key) for key in JAVA_CLIENT} == {key: h & 0xFFFFFFFF for key, h in JAVA_CLIENT.items()}


@given(key=st.binary(max_size=200), partitions=st.integers(1, 64))
def test_every_key_goes_where_kafka_pythons_default_partitioner_puts_it(key: bytes, partitions: int) -> None:
    cluster = Cluster("orders.paid", partitions)
    expected = DefaultPartitioner().partition("orders.paid", key, key, b"v", b"v", cluster)
    assert Murmur2Partitioner().partition("orders.paid", key, key, b"v", b"v", cluster) == expected


def test_a_record_without_a_key_still_gets_a_partition() -> None:
    assert Murmur2Partitioner().partition("orders.paid", None, None, b"v", b"v", Cluster("orders.paid", 3)) in {0, 1, 2}
