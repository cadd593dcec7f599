"""make redrive-dlq on the real stack: batches the runner gave up on while Postgres was down are re-applied
in their original order, once; --dry-run and a second run change nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.structs import OffsetAndMetadata

from localrun.cfn_yaml import load_yaml
from localrun.runner import Runner, RunnerOptions
from localrun.topics import read_since
from samples.payloads import paid, reserved
from tests.conftest import ROOT
from tests.integration.conftest import Db
from tests.integration.test_replay import SCRIPT_ENV

pytestmark = pytest.mark.slow

FUNCTIONS = {"PaymentsSucceededFunction": "payments.succeeded", "InventoryReservedFunction": "inventory.reserved"}
CLUSTER_ARN = "arn:aws:kafka:us-east-1:123456789012:cluster/local/local"


def tiny_budget_template(path: Path, dlq: str, run_id: str) -> Path:
    """template.yaml with a retry budget of nothing: 2 s functions (under the in-invocation retry reserve,
    so a transient failure is reported at once), one ESM retry, the on-failure topic of this test."""
    template = load_yaml(ROOT / "template.yaml")
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties", {})
        for key in ("CodeUri", "ContentUri"):
            if key in props:
                props[key] = str(ROOT / props[key])
        if logical_id in FUNCTIONS:
            props["Timeout"] = 2
            for event in props["Events"].values():
                event["Properties"] |= {
                    "MaximumRetryAttempts": 1,
                    "ConsumerGroupId": f"redrive-test.{run_id}.{FUNCTIONS[logical_id]}",
                    "DestinationConfig": {"OnFailure": {"Destination": f"kafka://{dlq}"}},
                }
    path.write_text(json.dumps(template))
    return path


def start_groups_at_the_end(brokers: str, run_id: str) -> None:
    """The test's consumer groups skip everything earlier tests left on the shared topics."""
    for topic in FUNCTIONS.values():
        consumer = KafkaConsumer(bootstrap_servers=brokers, group_id=f"redrive-test.{run_id}.{topic}")
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        ends = consumer.end_offsets(tps)
        consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in ends.items()})
        consumer.close()


def named_in(brokers: str, dlq: str, since: datetime) -> set[tuple[str, int, int]]:
    """(topic, partition, offset) of every record the on-failure records of `dlq` name."""
    return {
        (r["topic"], r["partition"], r["offset"])
        for failure in read_since(brokers, [dlq], since, timeout=2)
        for batch in json.loads(failure.value)["payload"]["records"].values()
        for r in batch
    }


def redrive(*args: str) -> str:
    command = [sys.executable, str(ROOT / "scripts/redrive_dlq.py"), *args]
    environ = {**os.environ, **SCRIPT_ENV}
    done = subprocess.run(command, check=False, capture_output=True, text=True, env=environ, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def dlq(scratch_topic: Callable[[str, int], str]) -> str:
    return scratch_topic("redrive-test.dlq", 3)


def produce(brokers: str, events: list[tuple[str, UUID, dict[str, Any]]]) -> set[tuple[str, int, int]]:
    """Publish the events one millisecond apart (their timestamps give the original order); where they went."""
    producer = KafkaProducer(bootstrap_servers=brokers, acks="all")
    now_ms, produced = int(time.time() * 1000), set()
    try:
        for i, (topic, order_id, event) in enumerate(events):
            sent = producer.send(topic, json.dumps(event).encode(), key=str(order_id).encode(), timestamp_ms=now_ms + i)
            metadata = sent.get(timeout=10)
            produced.add((topic, metadata.partition, metadata.offset))
    finally:
        producer.close()
    return produced


def test_batches_given_up_during_an_outage_are_redriven_in_order_once(
    *,
    stack_env: dict[str, str],
    brokers: str,
    dlq: str,
    db_dsn: str,
    session_started: datetime,
    make_order: Callable[..., UUID],
    stack: Callable[..., None],
    tmp_path: Path,
) -> None:
    # Given two orders, and a runner with no retry budget to speak of
    first, second = make_order(), make_order()
    run_id = uuid.uuid4().hex[:10]
    template = tiny_budget_template(tmp_path / "template.json", dlq, run_id)
    start_groups_at_the_end(brokers, run_id)
    events = [
        ("payments.succeeded", first, paid(first)),
        ("payments.succeeded", second, paid(second)),
        ("inventory.reserved", first, reserved(first)),  # applies only after the first payment
    ]

    # When the lifecycle arrives while Postgres is down: every batch exhausts its retries
    stack("stop", "postgres")
    runner = Runner(RunnerOptions(template=template, brokers=brokers, environment=dict(stack_env),
                                  parameter_overrides={"MskClusterArn": CLUSTER_ARN}, only=list(FUNCTIONS),
                                  backoff_seconds=0.1))  # fmt: skip
    try:
        produced = produce(brokers, events)
        runner.start()
        deadline = time.monotonic() + 60
        while not produced <= named_in(brokers, dlq, session_started) and time.monotonic() < deadline:
            time.sleep(0.5)
    finally:
        runner.stop()
        stack("start", "postgres")
    given_up = named_in(brokers, dlq, session_started)
    assert produced <= given_up, "the runner did not give the batches up to the on-failure topic"
    with psycopg.connect(db_dsn, autocommit=True) as conn:  # the fixtures' connections died with Postgres
        db = Db(conn)
        assert db.status(first) == db.status(second) == "payment_required"

        # Then a dry run lists them in their original order and changes nothing
        listed = redrive("--dlq-topic", dlq, "--group", f"redrive-test.{run_id}", "--dry-run")
        order = [line.split()[2].rsplit("@", 1)[0].rsplit("-", 1)[0] for line in listed.splitlines()[:-1]]
        assert order == [topic for topic, _, _ in events]
        assert "3 record(s) from" in listed
        assert db.status(first) == "payment_required"

        # When it is redriven (twice)
        applied = redrive("--dlq-topic", dlq, "--group", f"redrive-test.{run_id}")
        again = redrive("--dlq-topic", dlq, "--group", f"redrive-test.{run_id}")

        # Then every record applied once, in order: the reservation found the first order paid
        assert "3 record(s) from" in applied
        assert db.status(first) == "processing"
        assert db.status(second) == "paid"
        assert [h[:2] for h in db.history(first)] == [("payment_required", "paid"), ("paid", "processing")]
        assert [h[:2] for h in db.history(second)] == [("payment_required", "paid")]
        assert [o["topic"] for o in db.outbox(first)] == [o["topic"] for o in db.outbox(second)] == ["orders.paid"]
        assert db.dead_letters(order_id=first) == []
        # And the second run found nothing left to do
        assert again.startswith("0 record(s) from 0 on-failure record(s)")
