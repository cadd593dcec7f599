"""The runner as an event-source mapping: MSK batches, commits, batchItemFailures, retries, on-failure topic."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaConsumer, TopicPartition

from tests.e2e.conftest import Consume, Publish, StartRunner, read_jsonl

pytestmark = pytest.mark.slow


def wait_for(predicate: Callable[[], Any], timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"not true after {timeout}s: {predicate}")


def delivered(path: Path, role: str = "recorder") -> list[dict[str, Any]]:
    """Every record the role's function saw, decoded, in invocation order."""
    seen = []
    for entry in read_jsonl(path):
        if entry["role"] == role and entry["kind"] == "kafka":
            for records in entry["event"]["records"].values():
                seen.extend(records)
    return seen


def committed(brokers: str, group: str, topic: str) -> dict[int, int | None]:
    consumer = KafkaConsumer(bootstrap_servers=brokers, group_id=group, enable_auto_commit=False)
    try:
        return {p: consumer.committed(TopicPartition(topic, p)) for p in range(3)}
    finally:
        consumer.close()


@pytest.fixture
def overrides(new_topics: Callable[..., list[str]], tmp_path: Path) -> dict[str, str]:
    record, fail, dlq = new_topics("record", "fail", "dlq")
    return {"RecordTopic": record, "FailTopic": fail, "DlqTopic": dlq, "RecordFile": str(tmp_path / "seen.jsonl")}


def test_batches_are_msk_shaped_and_committed_after_success(
    start_runner: StartRunner, publish: Publish, overrides: dict[str, str], brokers: str
) -> None:
    # Given records published like the seed's script: keyed "order-1" and unkeyed, with a header
    topic = overrides["RecordTopic"]
    keyed = publish(topic, {"n": 1}, key="order-1")
    unkeyed = publish(topic, b'{"n": 2}', partition=keyed.partition)

    # When the runner consumes them
    start_runner(parameter_overrides=overrides, only=["RecorderFunction"])
    records = wait_for(
        lambda: len(delivered(Path(overrides["RecordFile"]))) >= 2 and delivered(Path(overrides["RecordFile"]))
    )

    # Then the event is exactly Lambda's MSK shape
    entry = next(e for e in read_jsonl(Path(overrides["RecordFile"])) if e["kind"] == "kafka")
    event = entry["event"]
    assert event["eventSource"] == "aws:kafka"
    assert event["eventSourceArn"] == "arn:aws:kafka:us-east-1:123456789012:cluster/local/abc"
    assert event["bootstrapServers"] == brokers
    assert list(event["records"]) == [f"{topic}-{keyed.partition}"]
    first, second = records
    assert first["topic"] == topic
    assert first["partition"] == keyed.partition
    assert first["offset"] == keyed.offset
    assert base64.b64decode(first["key"]) == b"order-1"
    assert json.loads(base64.b64decode(first["value"])) == {"n": 1}
    assert first["timestampType"] == "CREATE_TIME"
    assert first["timestamp"] == keyed.timestamp
    assert first["headers"] == []
    assert "key" not in second
    assert second["offset"] == unkeyed.offset
    # ... with the Lambda context and environment of the template
    assert entry["function_name"] == "RecorderFunction"
    assert entry["memory_mb"] == 256
    assert 0 < entry["remaining_ms"] <= 7000
    assert entry["stack_label"] == "local-test-us-east-1"
    # ... and the offsets committed for the function's own consumer group
    group = f"{topic}.recorder"
    wait_for(lambda: committed(brokers, group, topic)[keyed.partition] == unkeyed.offset + 1)


def test_batch_item_failure_is_retried_from_the_reported_offset(
    start_runner: StartRunner, publish: Publish, overrides: dict[str, str], brokers: str
) -> None:
    # Given three records on one partition, the middle one failing on its first delivery
    topic = overrides["RecordTopic"]
    offsets = [publish(topic, value, partition=1).offset for value in (b"a", b"fail-once", b"c")]

    # When
    start_runner(parameter_overrides=overrides, only=["RecorderFunction"], backoff_seconds=0.2)

    # Then "a" is delivered once, "fail-once" and "c" twice (they are re-read from the reported offset)
    path = Path(overrides["RecordFile"])
    wait_for(lambda: len(delivered(path)) >= 5)
    time.sleep(1.5)  # nothing more may arrive
    seen = [record["offset"] for record in delivered(path)]
    assert sorted(seen) == sorted([offsets[0], offsets[1], offsets[2], offsets[1], offsets[2]])
    wait_for(lambda: committed(brokers, f"{topic}.recorder", topic)[1] == offsets[2] + 1)


def test_failing_handler_ends_in_the_on_failure_topic_after_the_retries(
    start_runner: StartRunner, publish: Publish, overrides: dict[str, str], brokers: str, consume: Consume
) -> None:
    # Given a function that always raises and MaximumRetryAttempts: 2
    topic = overrides["FailTopic"]
    sent = publish(topic, {"order_id": "x"}, key="order-1")

    # When
    start_runner(parameter_overrides=overrides, only=["FailingFunction"], backoff_seconds=0.1)

    # Then the batch is invoked 1 + 2 times, then lands in the on-failure topic, and the group moves on
    [dead] = consume(overrides["DlqTopic"], timeout=20)
    assert len(delivered(Path(overrides["RecordFile"]), role="failing")) == 3
    body = json.loads(dead.value)
    assert body["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert body["requestContext"]["approximateInvokeCount"] == 3
    assert body["requestContext"]["functionArn"].endswith(":function:FailingFunction")
    assert body["KafkaBatchInfo"]["recordInfo"]["offset"] == str(sent.offset)
    [record] = body["payload"]["records"][f"{topic}-{sent.partition}"]
    assert (record["topic"], record["partition"], record["offset"]) == (topic, sent.partition, sent.offset)
    assert base64.b64decode(record["key"]) == b"order-1"
    assert dead.key == b"order-1"  # AWS keys the on-failure record like the original record
    wait_for(lambda: committed(brokers, f"{topic}.failing", topic)[sent.partition] == sent.offset + 1)


def test_a_rebalance_in_the_middle_of_a_batch_loses_no_record(
    start_runner: StartRunner, publish: Publish, overrides: dict[str, str], brokers: str
) -> None:
    # Given a runner gathering batches from a steady stream of records
    topic = overrides["RecordTopic"]
    start_runner(parameter_overrides=overrides, only=["RecorderFunction"])
    sent = [publish(topic, {"n": n}, partition=n % 3) for n in range(10)]

    # When a second runner joins the consumer group mid-stream (AWS adds pollers the same way)
    start_runner(parameter_overrides=overrides, only=["RecorderFunction"])
    for n in range(10, 60):
        sent.append(publish(topic, {"n": n}, partition=n % 3))
        time.sleep(0.05)

    # Then every record is delivered (a partition kept across the rebalance is read again from its first
    # undelivered record), and the group commits past them all
    expected = {(m.partition, m.offset) for m in sent}
    path = Path(overrides["RecordFile"])
    wait_for(lambda: expected <= {(r["partition"], r["offset"]) for r in delivered(path)}, timeout=30)
    ends = {p: max(m.offset for m in sent if m.partition == p) + 1 for p in range(3)}
    wait_for(lambda: committed(brokers, f"{topic}.recorder", topic) == ends)
