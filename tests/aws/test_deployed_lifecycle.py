"""The deployed stack end to end: Kafka -> runner (invoke mode) -> Lambda Invoke -> handler in the emulator ->
Postgres over TLS with the Secrets Manager secret -> Kafka; the API through the emulator's API Gateway, signed."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import Any
from uuid import UUID

import psycopg
import pytest

from localrun.aws_stack import DeployedStack
from tests.e2e.conftest import Consume, Publish
from tests.support import paid, reserved

pytestmark = pytest.mark.slow


def wait_status(conn: psycopg.Connection[Any], order_id: UUID, status: str, timeout: float = 90.0) -> None:
    """Generous: the first batch of each function pays the emulator's cold start (unpacking the layer)."""
    deadline = time.monotonic() + timeout
    current = None
    while time.monotonic() < deadline:
        row = conn.execute("SELECT status FROM orders WHERE id = %s", [order_id]).fetchone()
        current = row[0] if row else None
        if current == status:
            return
        time.sleep(0.25)
    raise AssertionError(f"order {order_id} is {current}, not {status}, after {timeout}s")


def one_event(consume: Consume, topic: str, order_id: UUID) -> tuple[dict[str, bytes], dict[str, Any]]:
    """The order's one event on topic, as consumers see it: deduplicated by event_id (the emulator's relay
    fires every minute and may re-send a row the function is marking published)."""
    by_id = {dict(r.headers)["event_id"]: r for r in consume(topic, key=str(order_id), timeout=30)}
    [record] = by_id.values()
    return dict(record.headers), json.loads(record.value)


@pytest.mark.usefixtures("invoke_runner")
def test_lifecycle_through_the_deployed_functions_and_api(
    deployed: DeployedStack, publish: Publish, conn: psycopg.Connection[Any], make_order: Callable[..., UUID],
    consume: Consume,
) -> None:  # fmt: skip
    # Given an order created by the order-creation service
    user_id = UUID("5b0f6c1e-3c1a-4d8e-9a55-000000000001")
    order_id = make_order(user_id=user_id)
    payment = paid(order_id)

    # When payment and inventory arrive on Kafka and the order is shipped over the signed API
    paid_at = publish("payments.succeeded", payment, key="order-1")
    wait_status(conn, order_id, "paid")
    reserved_at = publish("inventory.reserved", reserved(order_id))
    wait_status(conn, order_id, "processing")
    shipped = deployed.call_api("POST", f"/orders/{order_id}/ship")

    # Then the database holds the order, its history and its outbox, written by the deployed functions
    assert shipped.status == 200, shipped.body
    assert shipped.json()["status"] == "shipped"
    row = conn.execute("SELECT status, payment_id, user_id FROM orders WHERE id = %s", [order_id]).fetchone()
    assert row == ("shipped", payment["payment_id"], user_id)
    history = conn.execute(
        "SELECT from_status, to_status, trigger, source FROM order_status_history WHERE order_id = %s ORDER BY id",
        [order_id],
    ).fetchall()
    payment_source = f"payments.succeeded-{paid_at.partition}@{paid_at.offset}"
    reservation_source = f"inventory.reserved-{reserved_at.partition}@{reserved_at.offset}"
    *from_kafka, (from_status, to_status, trigger, api_source) = history
    assert from_kafka == [
        ("payment_required", "paid", "payments.succeeded", payment_source),
        ("paid", "processing", "inventory.reserved", reservation_source),
    ]
    assert (from_status, to_status, trigger) == ("processing", "shipped", "api.ship")
    # The API Gateway request id of the call (MiniStack's x-amzn-requestid header carries another one).
    assert UUID(api_source)
    # And the outbound events, field by field, as the other services read them
    paid_headers, paid_event = one_event(consume, "orders.paid", order_id)
    assert paid_headers["event_type"] == b"OrderPaidEvent"
    assert paid_headers["content-type"] == b"application/json"
    assert UUID(paid_headers["event_id"].decode())
    assert paid_event == {"order_id": str(order_id), "user_id": str(user_id), "amount": "29.99", "currency": "USD",
                          "payment_id": payment["payment_id"], "payment_date": "2026-11-24T10:00:00Z"}  # fmt: skip
    shipped_headers, shipped_event = one_event(consume, "orders.shipped", order_id)
    assert shipped_headers["event_type"] == b"OrderShippedEvent"
    assert shipped_headers["event_id"] != paid_headers["event_id"]
    assert set(shipped_event) == {"order_id", "user_id", "shipped_at"}
    assert (shipped_event["order_id"], shipped_event["user_id"]) == (str(order_id), str(user_id))
    assert shipped_event["shipped_at"].endswith("Z")


@pytest.mark.usefixtures("invoke_runner")
def test_a_poison_record_is_parked_by_the_deployed_function(
    publish: Publish, conn: psycopg.Connection[Any], make_order: Callable[..., UUID]
) -> None:
    order_id = make_order()

    poison = publish("payments.succeeded", b"{not json", key="order-1", partition=2)
    publish("payments.succeeded", paid(order_id), partition=2)

    wait_status(conn, order_id, "paid")
    row = conn.execute(
        'SELECT reason, key, value FROM dead_letters WHERE topic = %s AND partition = %s AND "offset" = %s',
        ["payments.succeeded", 2, poison.offset],
    ).fetchone()
    assert row == ("invalid_payload", b"order-1", b"{not json")


def test_the_api_refuses_unsigned_calls_and_answers_signed_ones(deployed: DeployedStack) -> None:
    path = "/orders/7d3c0b2e-0000-4000-8000-000000000000"

    signed = deployed.call_api("GET", path)
    with pytest.raises(urllib.error.HTTPError) as unsigned:
        urllib.request.urlopen(deployed.api_url() + path, timeout=30)

    assert unsigned.value.code == 403  # AWS_IAM: no Authorization header, no entry
    assert signed.status == 404
    assert "7d3c0b2e-0000-4000-8000-000000000000" in signed.body.decode()
