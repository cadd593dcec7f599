"""The real template through the runner: seed-shaped events in, HTTP calls, Postgres state and outbound events."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

from samples.payloads import created, out_of_stock, paid, payment_failed, reserved
from tests.e2e.conftest import Consume, Publish
from tests.e2e.service_runner import ServiceRunner

pytestmark = pytest.mark.slow


@pytest.fixture
def new_runner(stack_env: dict[str, str], tmp_path: Path) -> Callable[[], ServiceRunner]:
    return lambda: ServiceRunner(stack_env, tmp_path / "runner.log").start()


@pytest.fixture
def service(new_runner: Callable[[], ServiceRunner]) -> Iterator[ServiceRunner]:
    runner = new_runner()
    yield runner
    assert runner.stop() == 0


def status_of(conn: psycopg.Connection[Any], order_id: UUID) -> str | None:
    row = conn.execute("SELECT status FROM orders WHERE id = %s", [order_id]).fetchone()
    return row[0] if row else None


def wait_status(conn: psycopg.Connection[Any], order_id: UUID, status: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if status_of(conn, order_id) == status:
            return
        time.sleep(0.2)
    raise AssertionError(f"order {order_id} is {status_of(conn, order_id)}, not {status}, after {timeout}s")


def history(conn: psycopg.Connection[Any], order_id: UUID) -> list[tuple[str, str]]:
    rows = conn.execute(
        "SELECT from_status, to_status FROM order_status_history WHERE order_id = %s ORDER BY id", [order_id]
    ).fetchall()
    return [(row[0], row[1]) for row in rows]


def outbound(consume: Consume, topic: str, order_id: UUID, expect: int = 1) -> list[Any]:
    """Records of topic for order_id, one per event_id (consumers dedupe on it)."""
    unique: dict[str, Any] = {}
    for record in consume(topic, key=str(order_id), timeout=20, expect=expect):
        unique.setdefault(dict(record.headers)["event_id"].decode(), record)
    return list(unique.values())


def test_full_lifecycle_keyed_and_unkeyed(
    service: ServiceRunner, publish: Publish, conn: psycopg.Connection[Any],
    make_order: Callable[..., UUID], consume: Consume,
) -> None:  # fmt: skip
    # Given an order created by the order-creation service
    order_id = make_order()

    # When the seed's events arrive (keyed "order-1" like the seed's script, and unkeyed) and it is shipped
    publish("orders.created", created(order_id), key="order-1")
    publish("payments.succeeded", paid(order_id))
    wait_status(conn, order_id, "paid")
    publish("inventory.reserved", reserved(order_id), key="order-1")
    wait_status(conn, order_id, "processing")
    status, body = service.request("POST", f"/orders/{order_id}/ship")

    # Then
    assert status == 200, body
    assert status_of(conn, order_id) == "shipped"
    assert history(conn, order_id) == [("payment_required", "paid"), ("paid", "processing"), ("processing", "shipped")]
    [paid_event] = outbound(consume, "orders.paid", order_id)
    [shipped_event] = outbound(consume, "orders.shipped", order_id)
    headers = dict(paid_event.headers)
    assert headers["event_type"] == b"OrderPaidEvent"
    assert UUID(headers["event_id"].decode())
    assert headers["content-type"] == b"application/json"
    assert json.loads(paid_event.value)["order_id"] == str(order_id)
    assert json.loads(paid_event.value)["amount"] == "29.99"
    assert json.loads(shipped_event.value)["order_id"] == str(order_id)
    assert paid_event.timestamp <= shipped_event.timestamp
    status, body = service.request("GET", f"/orders/{order_id}")
    assert status == 200, body


def test_payment_retry_out_of_stock_and_api_cancel(
    service: ServiceRunner, publish: Publish, conn: psycopg.Connection[Any],
    make_order: Callable[..., UUID], consume: Consume,
) -> None:  # fmt: skip
    retried, no_stock, cancelled = make_order(), make_order(), make_order()

    publish("payments.failed", payment_failed(retried), key="order-1")
    publish("inventory.out_of_stock", out_of_stock(no_stock, product_id="sku-42"))
    status, _ = service.request("POST", f"/orders/{cancelled}/cancel", {"reason": "changed my mind"})
    wait_status(conn, retried, "payment_failed")
    publish("payments.succeeded", paid(retried))

    wait_status(conn, retried, "paid")
    wait_status(conn, no_stock, "cancelled")
    assert status == 200
    assert status_of(conn, cancelled) == "cancelled"
    [stock_event] = outbound(consume, "orders.cancelled", no_stock)
    assert json.loads(stock_event.value)["reason"] == "Out of stock for product: sku-42"
    [api_event] = outbound(consume, "orders.cancelled", cancelled)
    assert json.loads(api_event.value)["reason"] == "changed my mind"
    assert len(outbound(consume, "orders.paid", retried)) == 1
    conflict, _ = service.request("POST", f"/orders/{cancelled}/ship")
    assert conflict == 409


def test_poison_record_does_not_block_the_records_behind_it(
    service: ServiceRunner, publish: Publish, conn: psycopg.Connection[Any], make_order: Callable[..., UUID],
) -> None:  # fmt: skip
    order_id = make_order()

    poison = publish("payments.succeeded", b"{not json", partition=1)
    publish("payments.succeeded", paid(order_id), key="order-1", partition=1)

    wait_status(conn, order_id, "paid")
    row = conn.execute(
        'SELECT reason FROM dead_letters WHERE topic = %s AND partition = %s AND "offset" = %s',
        ["payments.succeeded", 1, poison.offset],
    ).fetchone()
    assert row == ("invalid_payload",)


def test_restart_mid_stream_loses_nothing_and_duplicates_no_event(
    new_runner: Callable[[], ServiceRunner], publish: Publish, conn: psycopg.Connection[Any],
    make_order: Callable[..., UUID], consume: Consume,
) -> None:  # fmt: skip
    # Given 30 orders whose payments arrive while the runner is stopped and restarted
    orders = [make_order() for _ in range(30)]
    runner = new_runner()
    for order_id in orders[:15]:
        publish("payments.succeeded", paid(order_id))

    # When it stops mid-stream (SIGTERM, like Ctrl-C) and a new one takes over
    assert runner.stop() == 0
    for order_id in orders[15:]:
        publish("payments.succeeded", paid(order_id), key="order-1")
    runner = new_runner()

    # Then every order is paid once, with exactly one orders.paid event (by event_id) each
    try:
        for order_id in orders:
            wait_status(conn, order_id, "paid")
    finally:
        assert runner.stop() == 0
    for order_id in orders:
        assert history(conn, order_id) == [("payment_required", "paid")]
    event_ids = conn.execute(
        "SELECT order_id, count(*) FROM outbox WHERE order_id = ANY(%s) AND topic = 'orders.paid' GROUP BY order_id",
        [orders],
    ).fetchall()
    assert sorted(count for _, count in event_ids) == [1] * 30
    assert len(outbound(consume, "orders.paid", orders[0])) == 1
    assert len(outbound(consume, "orders.paid", orders[-1])) == 1
