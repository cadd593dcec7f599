"""The database's limit for a workload: the service's own statements, set-based, one commit per batch.

No framework and no Kafka: psycopg in pipeline mode runs, per batch of one topic, what the service's unit of
work runs (lock the orders, update them, add history and outbox rows) and marks the new events published,
then commits once. Decisions are the workload's known outcomes, so Python does next to nothing: what is
measured is what Postgres can apply.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from uuid import UUID, uuid4

import psycopg

from bench.report import StageResult, measured
from bench.workload import Event, Stage, delete_orders, final_statuses, insert_orders, lifecycle
from order_core.adapters import sql
from order_core.adapters.postgres import LEASE_SECONDS
from order_core.contracts.outbound import OUTBOUND, OrderCancelledEvent, OrderPaidEvent, Outbound
from order_core.topics import Topic

# What each inbound topic does to an order in this workload: its new status, and the event it publishes.
MOVES: dict[Topic, tuple[str | None, Outbound | None]] = {
    Topic.ORDERS_CREATED: (None, None),  # acknowledged: the orders are locked, nothing is written
    Topic.PAYMENTS_FAILED: ("payment_failed", None),
    Topic.PAYMENTS_SUCCEEDED: ("paid", OUTBOUND[OrderPaidEvent]),
    Topic.INVENTORY_RESERVED: ("processing", None),
    Topic.INVENTORY_OUT_OF_STOCK: ("cancelled", OUTBOUND[OrderCancelledEvent]),
}


def batches(stage: Stage, size: int) -> Iterator[list[Event]]:
    """Per topic, in send order, `size` events at a time (as one event source mapping would batch them)."""
    for topic in stage.topics():
        events = [event for event in stage.events if event.topic == topic]
        for start in range(0, len(events), size):
            yield events[start : start + size]


def apply(conn: psycopg.Connection[tuple[object, ...]], batch: Sequence[Event], now: datetime) -> None:
    """One batch in one transaction: the service's statements, one round trip to lock, one to write and commit."""
    topic = batch[0].topic
    to_status, outbound = MOVES[topic]
    ids = [event.order_id for event in batch]
    with conn.pipeline(), conn.transaction():
        # id, user_id, status, total, currency, payment_id
        locked = {row[0]: row for row in conn.execute(sql.LOCK_ORDERS, [sorted(ids)]).fetchall()}
        if to_status is None:
            return
        paying = topic == Topic.PAYMENTS_SUCCEEDED
        payments = [str(uuid4()) if paying else locked[i][5] for i in ids]
        n = len(ids)
        conn.execute(sql.UPDATE_ORDERS, [ids, [to_status] * n, payments])
        conn.execute(sql.INSERT_HISTORY, [ids, [locked[i][2] for i in ids], [to_status] * n, [topic.value] * n,
                                          [f"{topic}-0@{i}" for i in range(n)], [now] * n])  # fmt: skip
        if outbound is not None:
            events = [uuid4() for _ in ids]
            payloads = [_payload(order_id, now) for order_id in ids]
            conn.execute(sql.INSERT_OUTBOX, [events, ids, [outbound.topic.value] * n, [outbound.event_type] * n,
                                             payloads, [now] * n, LEASE_SECONDS])  # fmt: skip
            conn.execute(sql.MARK_PUBLISHED, [events])


def connect(dsn: str) -> psycopg.Connection[tuple[object, ...]]:
    """A connection as the service opens it: autocommit outside transactions, no prepared statements."""
    return psycopg.connect(dsn, autocommit=True, prepare_threshold=None)


def apply_stage(conn: psycopg.Connection[tuple[object, ...]], stage: Stage, batch_size: int) -> list[float]:
    """Apply a stage batch by batch; returns each batch's latency in seconds."""
    latencies = []
    for batch in batches(stage, batch_size):
        begun = time.perf_counter()
        apply(conn, batch, datetime.now(UTC))
        latencies.append(time.perf_counter() - begun)
    return latencies


def _payload(order_id: UUID, now: datetime) -> str:
    stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    return json.dumps({"order_id": str(order_id), "user_id": str(uuid4()), "amount": "29.99", "currency": "USD",
                       "payment_id": str(uuid4()), "payment_date": stamp})  # fmt: skip


def limit(
    dsn: str, count: int, batch_size: int, cpu: Mapping[str, Callable[[], float]], seed: int
) -> list[StageResult]:
    """The workload for `count` new orders, stage by stage on one connection; checks where the orders ended."""
    workload = lifecycle(insert_orders(dsn, count), seed)
    results = []
    try:
        with connect(dsn) as conn:
            for stage in workload.stages:
                result = StageResult(stage.name, len(stage.events))
                with measured(result, cpu, time.perf_counter):
                    result.latencies = apply_stage(conn, stage, batch_size)
                results.append(result)
        statuses = final_statuses(dsn, workload.orders)
    finally:
        delete_orders(dsn, workload.orders)
    if statuses != workload.final_statuses():
        raise AssertionError(f"raw SQL left the orders {statuses}, expected {workload.final_statuses()}")
    return results
