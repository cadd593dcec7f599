"""`make demo` waits for what its events lead to, not a fixed time: an order applied late still ends the demo OK."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from kafka import KafkaProducer

from demo.scenario import Demo
from order_core.service.ports import InboundRecord

pytestmark = pytest.mark.slow


class Serving:
    """A target whose runner keeps running: settle only reads the database, and checks the runner."""

    def http(self, method: str, path: str, body: dict[str, Any] | None = None) -> int:
        raise AssertionError(f"settle called the API: {method} {path} {body}")

    def start_runner(self, forced: bool) -> None:
        raise AssertionError(f"settle started a runner (forced={forced})")

    def check(self) -> None:
        return None


@pytest.fixture
def producer(brokers: str) -> Iterator[KafkaProducer]:
    kafka = KafkaProducer(bootstrap_servers=brokers)
    yield kafka
    kafka.close()


def test_the_demo_settles_once_a_late_order_ended_and_the_poison_message_is_parked(
    conn: psycopg.Connection[Any], producer: KafkaProducer, service: Any
) -> None:
    demo = Demo(conn, producer, Serving())
    order = demo.new_order("cancelled over the API, late", "cancelled")

    poison = InboundRecord("payments.succeeded", 0, uuid4().int % 10**12, b"order-1", b"{this is not json")
    failures: list[BaseException] = []

    def late() -> None:  # what a slow consumer group or a batching window does to the demo's last events
        try:
            time.sleep(1.0)
            service.cancel(order, "late", request_id="demo-settle")
            service.process_records([poison])
        except BaseException as error:  # reported below: a thread's exception would otherwise pass unseen
            failures.append(error)

    applier = threading.Thread(target=late)
    begun = time.monotonic()
    applier.start()
    try:
        settled = demo.settle(timeout=60)
    finally:
        applier.join()
    assert not failures
    assert settled
    assert time.monotonic() - begun >= 1.0


def test_the_demo_stops_waiting_after_its_timeout_when_an_order_never_ends(
    conn: psycopg.Connection[Any], producer: KafkaProducer
) -> None:
    demo = Demo(conn, producer, Serving())
    demo.new_order("never moved", "shipped")

    assert not demo.settle(timeout=0.5)
