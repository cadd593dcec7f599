"""Offsets whose commit failed during a rebalance are committed once it is over, for the partitions still owned."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import RebalanceInProgressError
from kafka.structs import OffsetAndMetadata

from localrun.invoke import Host
from localrun.kafka_source import KafkaSource, SourceSettings
from localrun.model import KafkaTrigger

P0, P1 = TopicPartition("payments.succeeded", 0), TopicPartition("payments.succeeded", 1)


class Consumer:
    """The two things a source asks of its consumer around a commit: commit, and what it owns."""

    def __init__(self, owned: set[TopicPartition]) -> None:
        self.owned, self.refuse, self.committed = owned, 0, dict[TopicPartition, int]()

    def commit(self, offsets: dict[TopicPartition, OffsetAndMetadata]) -> None:
        if self.refuse:
            self.refuse -= 1
            raise RebalanceInProgressError
        self.committed |= {tp: meta.offset for tp, meta in offsets.items()}

    def assignment(self) -> set[TopicPartition]:
        return self.owned


def source() -> KafkaSource:
    trigger = KafkaTrigger("Payments", "MSK", ("payments.succeeded",), "group", "TRIM_HORIZON", 500, 1.0, 60, None,
                           None, report_item_failures=True)  # fmt: skip
    host = cast(Host, SimpleNamespace(spec=SimpleNamespace(logical_id="PaymentsSucceededFunction")))
    return KafkaSource(host, trigger, SourceSettings("127.0.0.1:9092"), None)


def kafka(consumer: Consumer) -> Any:
    return cast(KafkaConsumer, consumer)


def test_a_commit_refused_during_a_rebalance_is_made_after_the_next_poll_for_the_partitions_kept() -> None:
    consumer, mapping = Consumer({P0, P1}), source()
    consumer.refuse = 1
    mapping._commit(kafka(consumer), {P0: 10, P1: 20})
    assert consumer.committed == {}

    consumer.owned = {P0}  # the rebalance gave P1 to another consumer, which reads it from its committed offset
    mapping._commit_again(kafka(consumer))

    assert consumer.committed == {P0: 10}
    mapping._commit_again(kafka(consumer))  # nothing left to commit again
    assert consumer.committed == {P0: 10}


def test_a_later_commit_replaces_the_one_that_failed() -> None:
    consumer, mapping = Consumer({P0}), source()
    consumer.refuse = 1
    mapping._commit(kafka(consumer), {P0: 10})
    mapping._commit(kafka(consumer), {P0: 15})

    consumer.committed.clear()
    mapping._commit_again(kafka(consumer))

    assert consumer.committed == {}  # 15 was committed; 10 is never committed over it
