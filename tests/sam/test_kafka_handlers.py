"""Each Kafka function's handler, invoked in-process with its events/ file, against the local Postgres and Kafka."""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import psycopg
import pytest

from tests.sam.conftest import FakeLambdaContext, kafka_records, load_event

USD_29_99 = "29.99"


@dataclass(frozen=True)
class Case:
    """The orders a sample event finds, what the state machine makes of them, and what must come out."""

    function: str
    before: dict[str, str]
    after: dict[str, str]
    dead_letters: dict[tuple[int, int], str]
    published: dict[str, str] = field(default_factory=dict)  # order id -> outbound topic


CASES = [
    Case(
        "orders_created",
        before={"0b6f5c0e-4a0c-4d8e-8f3a-6f1c2a9d0c01": "payment_required",
                "0b6f5c0e-4a0c-4d8e-8f3a-6f1c2a9d0c02": "payment_required",
                "0b6f5c0e-4a0c-4d8e-8f3a-6f1c2a9d0c03": "paid"},
        after={"0b6f5c0e-4a0c-4d8e-8f3a-6f1c2a9d0c01": "payment_required",
               "0b6f5c0e-4a0c-4d8e-8f3a-6f1c2a9d0c02": "payment_required",
               "0b6f5c0e-4a0c-4d8e-8f3a-6f1c2a9d0c03": "paid"},
        dead_letters={(1, 100001): "invalid_payload"},
    ),
    Case(
        "payments_succeeded",
        before={"1c7a6d1f-5b1d-4e9f-9a4b-7a2d3b0e1d01": "payment_required",
                "1c7a6d1f-5b1d-4e9f-9a4b-7a2d3b0e1d02": "payment_failed",
                "1c7a6d1f-5b1d-4e9f-9a4b-7a2d3b0e1d03": "payment_required"},
        after={"1c7a6d1f-5b1d-4e9f-9a4b-7a2d3b0e1d01": "paid",
               "1c7a6d1f-5b1d-4e9f-9a4b-7a2d3b0e1d02": "paid",
               "1c7a6d1f-5b1d-4e9f-9a4b-7a2d3b0e1d03": "payment_required"},
        dead_letters={(1, 100001): "payment_mismatch", (1, 100002): "invalid_payload"},
        published={"1c7a6d1f-5b1d-4e9f-9a4b-7a2d3b0e1d01": "orders.paid",
                   "1c7a6d1f-5b1d-4e9f-9a4b-7a2d3b0e1d02": "orders.paid"},
    ),
    Case(
        "payments_failed",
        before={"2d8b7e2a-6c2e-4fa0-8b5c-8b3e4c1f2e01": "payment_required",
                "2d8b7e2a-6c2e-4fa0-8b5c-8b3e4c1f2e02": "paid",
                "2d8b7e2a-6c2e-4fa0-8b5c-8b3e4c1f2e03": "payment_required"},
        after={"2d8b7e2a-6c2e-4fa0-8b5c-8b3e4c1f2e01": "payment_failed",
               "2d8b7e2a-6c2e-4fa0-8b5c-8b3e4c1f2e02": "paid",
               "2d8b7e2a-6c2e-4fa0-8b5c-8b3e4c1f2e03": "payment_failed"},
        dead_letters={(1, 100001): "invalid_payload"},
    ),
    Case(
        "inventory_reserved",
        before={"3e9c8f3b-7d3f-4ab1-9c6d-9c4f5d2a3f01": "paid",
                "3e9c8f3b-7d3f-4ab1-9c6d-9c4f5d2a3f02": "payment_required",
                "3e9c8f3b-7d3f-4ab1-9c6d-9c4f5d2a3f03": "cancelled"},
        after={"3e9c8f3b-7d3f-4ab1-9c6d-9c4f5d2a3f01": "processing",
               "3e9c8f3b-7d3f-4ab1-9c6d-9c4f5d2a3f02": "payment_required",
               "3e9c8f3b-7d3f-4ab1-9c6d-9c4f5d2a3f03": "cancelled"},
        dead_letters={(0, 100001): "invalid_transition", (1, 100001): "invalid_payload"},
    ),
    Case(
        "inventory_out_of_stock",
        before={"4fad904c-8e4a-4bc2-8d7e-ad5a6e3b4a01": "paid",
                "4fad904c-8e4a-4bc2-8d7e-ad5a6e3b4a02": "shipped",
                "4fad904c-8e4a-4bc2-8d7e-ad5a6e3b4a03": "processing"},
        after={"4fad904c-8e4a-4bc2-8d7e-ad5a6e3b4a01": "cancelled",
               "4fad904c-8e4a-4bc2-8d7e-ad5a6e3b4a02": "shipped",
               "4fad904c-8e4a-4bc2-8d7e-ad5a6e3b4a03": "cancelled"},
        dead_letters={(0, 100001): "invalid_transition", (1, 100001): "order_not_found",
                      (1, 100002): "invalid_payload"},
        published={"4fad904c-8e4a-4bc2-8d7e-ad5a6e3b4a01": "orders.cancelled",
                   "4fad904c-8e4a-4bc2-8d7e-ad5a6e3b4a03": "orders.cancelled"},
    ),
]  # fmt: skip


def record_order_ids(event: dict[str, Any]) -> list[UUID]:
    return [
        UUID(r["json"]["order_id"]) for r in kafka_records(event) if isinstance((r["json"] or {}).get("order_id"), str)
    ]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.function)
def test_sample_event_moves_orders_as_the_state_machine_says(  # noqa: PLR0917 - pytest fixtures
    case: Case,
    conn: psycopg.Connection[Any],
    make_order: Callable[..., UUID],
    forget_orders: Callable[..., None],
    consume: Callable[..., list[Any]],
    lambda_context: FakeLambdaContext,
) -> None:
    # Given the orders the sample event refers to, in the statuses of the case
    event = load_event(case.function)
    forget_orders(record_order_ids(event), kafka_records(event))
    for order_id, status in case.before.items():
        make_order(UUID(order_id), status=status)
    handler = importlib.import_module(f"functions.{case.function}.app").lambda_handler

    # When the function gets the batch
    response = handler(event, lambda_context)

    # Then nothing is retried, statuses follow the table, poison and refused records are parked
    assert response == {"batchItemFailures": []}
    assert statuses(conn, case.after) == case.after
    topic = next(iter(kafka_records(event)))["topic"]
    assert dead_letters(conn, topic) == case.dead_letters
    assert history_count(conn, case.after) == sum(case.before[o] != s for o, s in case.after.items())
    for order_id, out_topic in case.published.items():
        assert_published(conn, consume, order_id, out_topic)


def test_redelivered_batch_changes_nothing(
    conn: psycopg.Connection[Any],
    make_order: Callable[..., UUID],
    forget_orders: Callable[..., None],
    lambda_context: FakeLambdaContext,
) -> None:
    case = CASES[1]
    event = load_event(case.function)
    forget_orders(record_order_ids(event), kafka_records(event))
    for order_id, status in case.before.items():
        make_order(UUID(order_id), status=status)
    handler = importlib.import_module(f"functions.{case.function}.app").lambda_handler
    handler(event, lambda_context)

    response = handler(event, lambda_context)

    assert response == {"batchItemFailures": []}
    assert statuses(conn, case.after) == case.after
    assert history_count(conn, case.after) == 2
    assert outbox_count(conn, case.after) == 2
    assert dead_letters(conn, "payments.succeeded") == case.dead_letters


def test_out_of_stock_event_carries_the_product_as_reason(
    conn: psycopg.Connection[Any],
    make_order: Callable[..., UUID],
    forget_orders: Callable[..., None],
    consume: Callable[..., list[Any]],
    lambda_context: FakeLambdaContext,
) -> None:
    event = load_event("inventory_out_of_stock")
    order_id = "4fad904c-8e4a-4bc2-8d7e-ad5a6e3b4a01"
    forget_orders(record_order_ids(event), kafka_records(event))
    make_order(UUID(order_id), status="paid")
    importlib.import_module("functions.inventory_out_of_stock.app").lambda_handler(event, lambda_context)

    record = assert_published(conn, consume, order_id, "orders.cancelled")

    payload = json.loads(record.value)
    assert payload["order_id"] == order_id
    assert payload["reason"] == "Out of stock for product: sku-2001"


def statuses(conn: psycopg.Connection[Any], orders: dict[str, str]) -> dict[str, str]:
    rows = conn.execute("SELECT id::text, status FROM orders WHERE id = ANY(%s::uuid[])", [list(orders)])
    return dict(rows.fetchall())


def history_count(conn: psycopg.Connection[Any], orders: dict[str, str]) -> int:
    row = conn.execute("SELECT count(*) FROM order_status_history WHERE order_id = ANY(%s::uuid[])", [list(orders)])
    return int(row.fetchone()[0])  # type: ignore[index]


def outbox_count(conn: psycopg.Connection[Any], orders: dict[str, str]) -> int:
    row = conn.execute("SELECT count(*) FROM outbox WHERE order_id = ANY(%s::uuid[])", [list(orders)])
    return int(row.fetchone()[0])  # type: ignore[index]


def dead_letters(conn: psycopg.Connection[Any], topic: str) -> dict[tuple[int, int], str]:
    rows = conn.execute(
        'SELECT partition, "offset", reason FROM dead_letters WHERE topic = %s AND "offset" >= 100000 '
        'AND "offset" < 200000',
        [topic],
    )
    return {(p, o): reason for p, o, reason in rows.fetchall()}


def assert_published(
    conn: psycopg.Connection[Any], consume: Callable[..., list[Any]], order_id: str, topic: str
) -> Any:
    """The order's outbox row is marked published and its record (same event_id) is on the topic."""
    row = conn.execute(
        "SELECT event_id::text, published_at FROM outbox WHERE order_id = %s AND topic = %s", [order_id, topic]
    ).fetchone()
    assert row is not None, f"no {topic} outbox row for {order_id}"
    event_id, published_at = row
    assert published_at is not None
    records = [r for r in consume(topic, key=order_id) if dict(r.headers).get("event_id") == event_id.encode()]
    assert len(records) == 1
    return records[0]
