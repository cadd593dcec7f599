"""Fixtures on the real local stack: Postgres and Kafka started by `make up` (never mocked, never skipped)."""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from kafka import KafkaAdminClient
from kafka.admin import NewTopic
from kafka.consumer.fetcher import ConsumerRecord

from localrun.topics import read_since
from order_core.bootstrap import Container, build, reset_service
from order_core.config import Settings
from order_core.topics import OUTBOUND_TOPICS
from samples.orders import insert_order
from tests.contracts_check import assert_obeys_contract

ROOT = Path(__file__).resolve().parent.parent

# Powertools reads these when a handler module is imported, which collection may do before any fixture runs.
POWERTOOLS_ENV = {
    "POWERTOOLS_SERVICE_NAME": "order-service",
    "POWERTOOLS_METRICS_NAMESPACE": "OrderServiceTests",
    "POWERTOOLS_TRACE_DISABLED": "true",
}
for _name, _value in POWERTOOLS_ENV.items():
    os.environ.setdefault(_name, _value)


def _stack_env() -> dict[str, str]:
    out = subprocess.run([str(ROOT / "scripts/stack.sh"), "env"], capture_output=True, text=True, check=True).stdout
    return dict(line.split("=", 1) for line in out.splitlines() if "=" in line)


@pytest.fixture(scope="session")
def stack_env() -> dict[str, str]:
    """Point every test (and every handler) at the local stack; fail loudly when it is not running."""
    env = _stack_env()
    env |= {
        "KAFKA_AUTH": "none",
        "KAFKA_PUBLISH_TIMEOUT_S": "3",
        **POWERTOOLS_ENV,
        "AWS_DEFAULT_REGION": "eu-west-1",
        "AWS_REGION": "eu-west-1",
    }
    os.environ.update(env)
    try:
        psycopg.connect(env["DB_DSN"], connect_timeout=5).close()
    except psycopg.OperationalError as error:
        pytest.fail(f"Postgres of the local stack is not reachable (run `make up`): {error}")
    return env


@pytest.fixture
def stack() -> Callable[..., None]:
    """Drive the local stack (`stack("stop", "kafka")`), for the fault-injection tests."""

    def run(*args: str) -> None:
        subprocess.run([str(ROOT / "scripts/stack.sh"), *args], check=True, capture_output=True, timeout=180)

    return run


@pytest.fixture(scope="session")
def db_dsn(stack_env: dict[str, str]) -> str:
    return stack_env["DB_DSN"]


@pytest.fixture(scope="session")
def brokers(stack_env: dict[str, str]) -> str:
    return stack_env["KAFKA_BROKERS"]


@pytest.fixture
def conn(db_dsn: str) -> Iterator[psycopg.Connection[Any]]:
    with psycopg.connect(db_dsn, autocommit=True) as connection:
        yield connection


@pytest.fixture
def make_order(conn: psycopg.Connection[Any]) -> Callable[..., UUID]:
    """Insert an order the way the order-creation service would: make_order(order_id=None, status=..., total=...)."""
    return partial(insert_order, conn)


@pytest.fixture
def app(stack_env: dict[str, str]) -> Iterator[Container]:
    """A fresh set of real adapters (connection, producer) for one test."""
    container = build(Settings.from_env())
    yield container
    container.close()


@pytest.fixture
def service(app: Container) -> Any:
    return app.service


@pytest.fixture(autouse=True)
def _fresh_lambda_container() -> Iterator[None]:
    """Handlers use the per-container singleton; give every test its own, as a cold start would."""
    reset_service()
    yield
    reset_service()


@pytest.fixture(scope="session")
def session_started() -> datetime:
    """When this test session began: the records the tests read back from Kafka were published after it."""
    return datetime.now(UTC)


@pytest.fixture
def consume(brokers: str, session_started: datetime) -> Callable[..., list[ConsumerRecord]]:
    """Read what a topic received in this session (no consumer group) and return the records with this key.

    Every record read from a published topic must obey docs/asyncapi.yaml: payload, headers and key.
    """

    def read(topic: str, key: str | None = None, timeout: float = 10.0, expect: int = 1) -> list[ConsumerRecord]:
        keys = None if key is None else {key.encode()}
        records = read_since(brokers, [topic], session_started, keys, expect=expect, timeout=timeout)
        if topic in OUTBOUND_TOPICS:
            for record in records:
                assert_obeys_contract(record)
        return records

    return read


@pytest.fixture
def scratch_topic(brokers: str) -> Iterator[Callable[[str, int], str]]:
    """Create topics of a test's own (`name.<random>`, with so many partitions); deleted after the test."""
    admin = KafkaAdminClient(bootstrap_servers=brokers)
    created: list[str] = []

    def create(prefix: str, partitions: int) -> str:
        created.append(f"{prefix}.{uuid.uuid4().hex[:10]}")
        admin.create_topics([NewTopic(created[-1], partitions, 1)])
        return created[-1]

    yield create
    if created:
        admin.delete_topics(created)
    admin.close()
