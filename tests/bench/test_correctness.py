"""The benchmarks' verdict can fail: a lost, repeated or reordered event and a wrong final status are all caught."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from bench import rawsql
from bench.correctness import problems
from bench.kafka_io import Outbound
from bench.workload import Workload, delete_orders, insert_orders, lifecycle


@pytest.fixture
def applied(db_dsn: str) -> Iterator[Workload]:
    """40 orders through their lifecycle as raw SQL: 2 out of stock, every event in the outbox and published."""
    workload = lifecycle(insert_orders(db_dsn, 40))
    with rawsql.connect(db_dsn) as conn:
        for stage in workload.stages:
            rawsql.apply_stage(conn, stage, 500)
    yield workload
    delete_orders(db_dsn, workload.orders)


def as_published(db_dsn: str, workload: Workload) -> list[Outbound]:
    """The workload's outbox as Kafka would hold it: in outbox order, timestamps rising."""
    with psycopg.connect(db_dsn) as conn:
        rows = conn.execute(
            "SELECT order_id::text, event_id::text, topic, id FROM outbox WHERE order_id = ANY(%s) ORDER BY id",
            [list(workload.orders)],
        ).fetchall()
    return [Outbound(order, event, topic, n, 1_000 + n) for n, (order, event, topic, _) in enumerate(rows)]


def test_everything_right_is_no_problem(db_dsn: str, applied: Workload) -> None:
    assert problems(db_dsn, applied, as_published(db_dsn, applied)) == []
    assert applied.final_statuses() == {"processing": 38, "cancelled": 2}


def test_a_lost_a_repeated_and_a_reordered_event_are_reported(db_dsn: str, applied: Workload) -> None:
    published = as_published(db_dsn, applied)
    # Given one event lost, one sent twice, and an order whose orders.cancelled overtook its orders.paid
    cancelled = next(r for r in published if r.topic == "orders.cancelled")
    paid = next(r for r in published if r.order_id == cancelled.order_id and r.topic == "orders.paid")
    later = dataclasses.replace(paid, timestamp=cancelled.timestamp + 1)
    lost = next(r for r in published if r.order_id != cancelled.order_id)
    wrong = [r for r in published if r not in (lost, paid)] + [later, published[-1]]

    found = problems(db_dsn, applied, wrong)

    assert any("published more than once" in line for line in found)
    assert any("1 outbox events missing from Kafka" in line for line in found)
    assert any("out of order" in line for line in found)


def test_an_order_not_in_its_final_status_is_reported(
    db_dsn: str, applied: Workload, conn: psycopg.Connection[Any]
) -> None:
    conn.execute("UPDATE orders SET status = 'paid' WHERE id = %s", [applied.orders[0]])
    found = problems(db_dsn, applied, as_published(db_dsn, applied))
    assert len(found) == 1
    assert found[0].startswith("final statuses")
    assert "'paid': 1" in found[0]
