"""Chaos: lifecycles stream through the local runner on template.yaml while Postgres and then Kafka are stopped
and started. Nothing may be lost, applied twice, published out of order or given up to order-service.dlq."""

from __future__ import annotations

import itertools
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest
from kafka import KafkaConsumer, TopicPartition

from demo import report
from localrun.topics import read_since
from tests.e2e.service_runner import ServiceRunner
from tests.robustness.lifecycles import PLANS, Driver

pytestmark = [pytest.mark.slow, pytest.mark.chaos]

ORDERS = 30
OUTAGE_S = 6.0
# The transition table of DESIGN.md, as (from, to) pairs.
LEGAL = {
    ("payment_required", "paid"), ("payment_failed", "paid"), ("payment_required", "payment_failed"),
    ("paid", "processing"), ("processing", "shipped"),
    *{(status, "cancelled") for status in ("payment_required", "payment_failed", "paid", "processing")},
}  # fmt: skip
OUTBOUND = ["orders.paid", "orders.cancelled", "orders.shipped"]


def end_offsets(brokers: str, topic: str) -> dict[int, int]:
    consumer = KafkaConsumer(bootstrap_servers=brokers)
    try:
        tps = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        return {tp.partition: offset for tp, offset in consumer.end_offsets(tps).items()}
    finally:
        consumer.close()


def outage(stack: Callable[..., None], service: str) -> float:
    """A few seconds into the stream, stop `service`, keep it down OUTAGE_S, start it; how long it was
    unavailable, restart included."""
    time.sleep(3)
    began = time.monotonic()
    stack("stop", service)
    time.sleep(OUTAGE_S)
    stack("start", service)
    return time.monotonic() - began


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.5)


# On a connection of their own each time: Postgres goes down and comes back during the test.
def statuses(dsn: str, orders: list[UUID]) -> dict[UUID, str]:
    with psycopg.connect(dsn) as conn:
        return report.statuses(conn, orders)


def unpublished(dsn: str, orders: list[UUID]) -> int:
    with psycopg.connect(dsn) as conn:
        return report.unpublished(conn, orders)


def test_lifecycles_survive_postgres_and_kafka_outages(
    *, stack_env: dict[str, str], make_order: Callable[..., UUID], stack: Callable[..., None],
    session_started: datetime, tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    # Given orders to take through every plan, and the local runner on template.yaml
    plans = sorted(PLANS)
    orders = {make_order(): plans[i % len(plans)] for i in range(ORDERS)}
    dsn, brokers = stack_env["DB_DSN"], stack_env["KAFKA_BROKERS"]
    dlq_before = end_offsets(brokers, "order-service.dlq")
    runner = ServiceRunner(stack_env, tmp_path / "runner.log").start()
    driver = Driver(dsn, brokers, f"http://127.0.0.1:{runner.port}", orders, stagger=0.8)

    # When lifecycles stream while Postgres, then Kafka, are down for a while
    driver.start()
    try:
        down = {service: outage(stack, service) for service in ("postgres", "kafka")}
        ids = list(orders)
        finals = {order_id: PLANS[plan][1] for order_id, plan in orders.items()}
        try:
            wait_until(lambda: driver.done or driver.error is not None, 150, "every lifecycle driven to its end")
            assert driver.error is None, driver.error
            wait_until(lambda: statuses(dsn, ids) == finals, 60, "every order at the end of its plan")
            wait_until(lambda: unpublished(dsn, ids) == 0, 120, "every outbox event published")
        except AssertionError as failure:
            lines = (tmp_path / "runner.log").read_text(errors="replace").splitlines()
            now = statuses(dsn, ids)
            late = Counter(now[o] for o in ids if now[o] != finals[o])
            raise AssertionError(f"{failure}\norders not at their end, by status: {dict(late)}\n"
                                 "driver waiting:\n" + "\n".join(driver.waiting()) + "\n"
                                 "runner log, last 80 lines:\n" + "\n".join(lines[-80:])) from failure  # fmt: skip
    finally:
        try:
            driver.stop()
        finally:
            exit_code = runner.stop()
    assert exit_code == 0

    # Then every order's history is a legal chain, each move once, ending where its plan ends
    with psycopg.connect(dsn) as conn:
        for order_id, plan in orders.items():
            assert_history(conn, order_id, PLANS[plan][1], len(PLANS[plan][0]))
        outbox = conn.execute(
            "SELECT order_id, event_id::text, topic FROM outbox WHERE order_id = ANY(%s) ORDER BY id", [ids]
        ).fetchall()
    # And every outbox event is in Kafka with its event_id, first delivered in the order's transition order
    delivered = read_since(brokers, OUTBOUND, session_started, {str(o).encode() for o in orders}, expect=len(outbox),
                           timeout=30)  # fmt: skip
    assert_delivered_in_order(orders, outbox, delivered)
    # And nothing was given up to the on-failure topic
    assert end_offsets(brokers, "order-service.dlq") == dlq_before
    duplicates = sum(n - 1 for n in Counter(dict(r.headers)["event_id"] for r in delivered).values())
    with capsys.disabled():
        print(
            f"\nchaos: {ORDERS} lifecycles, postgres down {down['postgres']:.1f} s, kafka down {down['kafka']:.1f} s"
            f" (restart included), {len(outbox)} events, {duplicates} duplicate deliveries, 0 on-failure records"
        )


def assert_history(conn: psycopg.Connection[Any], order_id: UUID, status: str, moves: int) -> None:
    rows = conn.execute(
        "SELECT from_status, to_status, source FROM order_status_history WHERE order_id = %s ORDER BY id", [order_id]
    ).fetchall()
    [[current]] = conn.execute("SELECT status FROM orders WHERE id = %s", [order_id]).fetchall()
    chain = [(from_, to) for from_, to, _ in rows]
    assert chain, order_id
    assert chain[0][0] == "payment_required", (order_id, chain)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(chain)), (order_id, chain)
    assert set(chain) <= LEGAL, (order_id, chain)
    assert chain[-1][1] == current == status, (order_id, chain, current)
    assert len(chain) == moves, (order_id, chain)  # each move once
    assert len({source for *_, source in rows}) == len(rows), (order_id, rows)


def assert_delivered_in_order(orders: dict[UUID, str], outbox: list[Any], delivered: list[Any]) -> None:
    """Each order's outbox events all reached Kafka, and their first deliveries are in transition order."""
    first: dict[str, int] = {}
    for record in delivered:
        first.setdefault(dict(record.headers)["event_id"].decode(), record.timestamp)
    for order_id, plan in orders.items():
        events = [(event_id, topic) for o, event_id, topic in outbox if o == order_id]
        assert [topic for _, topic in events] == PLANS[plan][2], order_id
        assert all(event_id in first for event_id, _ in events), f"{order_id}: an event never reached Kafka"
        times = [first[event_id] for event_id, _ in events]
        assert times == sorted(times), f"{order_id}: events delivered out of order"
