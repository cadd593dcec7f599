"""make redrive-dlq --invoke lambda: what reached the on-failure topic is applied by the deployed functions,
through the emulator's Lambda Invoke API (no database access from the redrive), once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from kafka import KafkaProducer

from localrun.events import msk_event, on_failure_record
from localrun.topics import read_since
from samples.payloads import paid

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


@pytest.fixture
def dlq(scratch_topic: Callable[[str, int], str]) -> str:
    return scratch_topic("redrive-lambda-test.dlq", 1)


def give_up(brokers: str, dlq: str, order_id: UUID) -> None:
    """A payment, and the on-failure record the runner writes when its batch exhausted the retries."""
    producer = KafkaProducer(bootstrap_servers=brokers, acks="all")
    sending = datetime.now(UTC)
    sent = producer.send("payments.succeeded", json.dumps(paid(order_id)).encode(), key=str(order_id).encode())
    metadata = sent.get(timeout=10)
    [record] = read_since(brokers, ["payments.succeeded"], sending, {str(order_id).encode()}, expect=1)
    assert (record.partition, record.offset) == (metadata.partition, metadata.offset)
    event = msk_event({(record.topic, record.partition): [record]}, source="MSK", bootstrap_servers=brokers,
                      event_source_arn="arn:aws:kafka:eu-west-1:000000000000:cluster/local/local-1")  # fmt: skip
    failure = on_failure_record(event, function_arn="arn:aws:lambda:eu-west-1:000000000000:function:f", attempts=61)
    producer.send(dlq, json.dumps(failure).encode(), key=record.key).get(timeout=10)
    producer.close()


def test_given_up_records_are_applied_once_by_the_deployed_functions(
    aws_env: dict[str, str], brokers: str, dlq: str, db_dsn: str, make_order: Callable[..., UUID]
) -> None:
    # Given a payment whose batch went to the on-failure topic
    order_id = make_order()
    give_up(brokers, dlq, order_id)

    # When it is redriven through the deployed functions (twice), with no database settings at all
    environ = {k: v for k, v in os.environ.items() if not k.startswith("DB_")} | {
        "PYTHONPATH": f"{ROOT / 'layers/order_core'}:{ROOT}", "KAFKA_BROKERS": brokers,
    }  # fmt: skip
    command = [sys.executable, str(ROOT / "scripts/redrive_dlq.py"), "--invoke", "lambda", "--dlq-topic", dlq,
               "--group", f"{dlq}.redrive", "--stack-name", aws_env["STACK_NAME"],
               "--endpoint-url", aws_env["AWS_ENDPOINT_URL"], "--region", aws_env["AWS_DEFAULT_REGION"]]  # fmt: skip
    runs = [subprocess.run(command, capture_output=True, text=True, env=environ, cwd=ROOT, timeout=180, check=False)
            for _ in range(2)]  # fmt: skip

    # Then the deployed PaymentsSucceededFunction applied it, once
    assert [r.returncode for r in runs] == [0, 0], [r.stderr for r in runs]
    assert "applied by PaymentsSucceededFunction" in runs[0].stdout
    assert runs[1].stdout.startswith("0 record(s) from 0 on-failure record(s)")
    with psycopg.connect(db_dsn) as conn:
        [[status]] = conn.execute("SELECT status FROM orders WHERE id = %s", [order_id]).fetchall()
        [[moves]] = conn.execute("SELECT count(*) FROM order_status_history WHERE order_id = %s", [order_id]).fetchall()
    assert (status, moves) == ("paid", 1)
