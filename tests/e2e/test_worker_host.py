"""The runner's default host: every function in a worker process of its own, as Lambda runs it in a container."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from samples.payloads import paid
from tests.e2e.conftest import Consume, Publish, StartRunner, read_jsonl
from tests.e2e.test_runner_kafka import committed, delivered, overrides, wait_for  # noqa: F401 - overrides: a fixture

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent


def start_group_at_end(brokers: str, group: str, topic: str) -> None:
    """Commit the group's offsets at the topic's end, so its first read is what the test publishes next."""
    consumer = KafkaConsumer(bootstrap_servers=brokers, group_id=group, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
        consumer.assign(partitions)
        ends = consumer.end_offsets(partitions)
        consumer.commit({tp: OffsetAndMetadata(ends[tp], "", -1) for tp in partitions})
    finally:
        consumer.close()


def test_each_function_runs_in_a_process_of_its_own_with_its_environment(
    start_runner: StartRunner,
    publish: Publish,
    overrides: dict[str, str],  # noqa: F811
) -> None:
    # Given the recording and the failing function, each in its worker
    start_runner(parameter_overrides=overrides, host="worker")
    record_file = Path(overrides["RecordFile"])

    # When both get a record
    publish(overrides["RecordTopic"], {"n": 1})
    publish(overrides["FailTopic"], {"n": 2})
    wait_for(lambda: delivered(record_file) and delivered(record_file, "failing"), timeout=60)

    # Then each ran in a process of its own, not the runner's, with its own environment
    entries = read_jsonl(record_file)
    pids = {entry["role"]: entry["pid"] for entry in entries}
    assert set(pids) == {"recorder", "failing"}
    assert pids["recorder"] != pids["failing"]
    assert os.getpid() not in pids.values()


def test_a_function_failing_in_its_worker_ends_in_the_on_failure_destination(
    start_runner: StartRunner,
    publish: Publish,
    consume: Consume,
    overrides: dict[str, str],  # noqa: F811
) -> None:
    # Given a function that always raises, in its worker
    start_runner(parameter_overrides=overrides, only=["FailingFunction"], host="worker", backoff_seconds=0.1)

    # When its retries are exhausted
    sent = publish(overrides["FailTopic"], {"n": 1}, key="k")

    # Then the on-failure record carries the failed batch, as in-process and in Lambda
    record = json.loads(consume(overrides["DlqTopic"], timeout=60)[0].value)
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    [failed] = record["payload"]["records"][f"{overrides['FailTopic']}-{sent.partition}"]
    assert failed["offset"] == sent.offset


@pytest.fixture
def held(tmp_path: Path) -> dict[str, str]:
    return {"GroupId": f"e2e.worker.{uuid.uuid4().hex[:10]}", "HoldFile": str(tmp_path / "held.pid"),
            "InvocationsFile": str(tmp_path / "invocations.jsonl")}  # fmt: skip


def test_a_worker_killed_mid_batch_is_restarted_and_the_batch_applied_once(  # noqa: PLR0917 - fixtures
    start_runner: StartRunner, publish: Publish, consume: Consume, brokers: str, held: dict[str, str],
    conn: psycopg.Connection[Any], make_order: Callable[..., UUID],
) -> None:  # fmt: skip
    # Given the real payments.succeeded handler in its worker, and an order awaiting payment
    order_id = make_order()
    start_group_at_end(brokers, held["GroupId"], "payments.succeeded")
    start_runner(HERE / "templates" / "worker-test.yaml", parameter_overrides=held, host="worker", backoff_seconds=0.2)

    # When its payment arrives and the worker is killed after applying it, before it answers
    sent = publish("payments.succeeded", paid(order_id, payment_id="pay-kill"), key=str(order_id))
    hold = Path(held["HoldFile"])
    wait_for(hold.exists, timeout=60)
    wait_for(hold.read_text)  # written, not only created
    os.kill(int(hold.read_text()), signal.SIGKILL)

    # Then a new worker gets the same batch again and the runner commits past it
    wait_for(lambda: committed(brokers, held["GroupId"], "payments.succeeded")[sent.partition] == sent.offset + 1, 60)
    invocations = [entry for entry in read_jsonl(Path(held["InvocationsFile"])) if sent.offset in entry["offsets"]]
    assert len(invocations) == 2
    assert invocations[0]["pid"] != invocations[1]["pid"]
    # And it was applied once: one transition, one outbox event, one orders.paid record
    order = conn.execute("SELECT status, payment_id FROM orders WHERE id = %s", [order_id]).fetchone()
    assert order == ("paid", "pay-kill")
    history = conn.execute("SELECT to_status FROM order_status_history WHERE order_id = %s", [order_id]).fetchall()
    assert history == [("paid",)]
    outbox = conn.execute("SELECT event_id, published_at IS NOT NULL FROM outbox WHERE order_id = %s", [order_id])
    ((event_id, published),) = outbox.fetchall()
    assert published
    time.sleep(1)  # anything sent twice would be there by now
    records = consume("orders.paid", key=str(order_id))
    assert [dict(r.headers)["event_id"].decode() for r in records] == [str(event_id)]
