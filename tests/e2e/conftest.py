"""Fixtures for end-to-end tests through the local runner: per-test topics, a producer, runners."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic

from localrun import logs
from localrun.runner import Runner, RunnerOptions

StartRunner = Callable[..., Runner]
Publish = Callable[..., Any]
Consume = Callable[..., list[Any]]

HERE = Path(__file__).resolve().parent
TEST_TEMPLATE = HERE / "templates" / "runner-test.yaml"


@pytest.fixture(scope="session")
def producer(brokers: str) -> Iterator[KafkaProducer]:
    """Publishes like the seed's kafka-console-producer: bytes key ("order-1") or none, JSON bytes value."""
    client = KafkaProducer(bootstrap_servers=brokers, acks="all")
    yield client
    client.close()


@pytest.fixture
def publish(producer: KafkaProducer) -> Callable[..., Any]:
    def send(topic: str, value: bytes | dict[str, Any], key: str | None = None, partition: int | None = None) -> Any:
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        metadata = producer.send(topic, value=raw, key=key.encode() if key else None, partition=partition)
        return metadata.get(timeout=10)

    return send


@pytest.fixture
def new_topics(brokers: str) -> Iterator[Callable[..., list[str]]]:
    """Create topics with random names (3 partitions) and delete them after the test."""
    admin = KafkaAdminClient(bootstrap_servers=brokers)
    created: list[str] = []

    def create(*prefixes: str, partitions: int = 3) -> list[str]:
        names = [f"e2e.{prefix}.{uuid.uuid4().hex[:10]}" for prefix in prefixes]
        admin.create_topics([NewTopic(name, partitions, 1) for name in names])
        created.extend(names)
        return names

    yield create
    admin.delete_topics(created)
    admin.close()


@pytest.fixture
def start_runner(stack_env: dict[str, str]) -> Iterator[Callable[..., Runner]]:
    """Start in-process runners (HTTP on a free port); every one still running is stopped after the test."""
    logs.configure("INFO")
    runners: list[Runner] = []

    def start(template: Path = TEST_TEMPLATE, **options: Any) -> Runner:
        runner = Runner(RunnerOptions(template=template, brokers=stack_env["KAFKA_BROKERS"], port=0,
                                      environment=dict(stack_env), **options))  # fmt: skip
        runners.append(runner)
        runner.start()
        return runner

    yield start
    for runner in runners:
        runner.stop()


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
