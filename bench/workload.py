"""The benchmarks' workload: N orders through their lifecycle, stage by stage, as the shop would send it.

Every order is created; 10 % fail a first payment; every order pays; 95 % get their inventory reserved and
5 % run out of stock (the two last topics in one stage: they touch different orders). A stage's events
are applied before the next stage's are sent, so causality holds per order. Shares are exact (a seeded
sample), so a run of N orders always has the same number of events of each kind.
"""

from __future__ import annotations

import argparse
import json
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
import psycopg.sql

from order_core.topics import Topic
from samples.orders import NewOrder
from samples.orders import insert_orders as copy_orders
from samples.payloads import created, out_of_stock, paid, payment_failed, reserved

FAILED_FIRST_SHARE, OUT_OF_STOCK_SHARE = 0.10, 0.05
# Orders sent through, untimed, before a measured run: every function has then handled a batch, so what the
# run measures is warm throughput. A function's first batch pays once for what its container makes on first use
# (the database connection, the producer and its topic metadata, the contracts' schemas): hundreds of ms, which
# belong to its cold start (`make coldstart`), not to how fast it applies events.
WARM_UP_ORDERS = 100


@dataclass(frozen=True)
class Event:
    """One inbound record: its topic, key (the order id) and JSON value."""

    topic: Topic
    order_id: UUID
    value: bytes

    def partition(self, partitions: int) -> int:
        """Where the shop's services put the order's events: its id modulo the partition count (the Go services
        hash with their own partitioner, not Kafka's murmur2; any stable choice keeps an order's events in order)."""
        return self.order_id.int % partitions


@dataclass(frozen=True)
class Stage:
    """Events sent together; the next stage waits until these are applied."""

    name: str
    events: Sequence[Event]

    def topics(self) -> list[Topic]:
        return sorted({event.topic for event in self.events})


@dataclass(frozen=True)
class Workload:
    orders: Sequence[UUID]
    out_of_stock: frozenset[UUID]
    stages: Sequence[Stage]

    @property
    def events(self) -> int:
        return sum(len(stage.events) for stage in self.stages)

    def final_statuses(self) -> dict[str, int]:
        """Where every order must end: processing, or cancelled when out of stock."""
        cancelled = len(self.out_of_stock)
        return {"processing": len(self.orders) - cancelled, "cancelled": cancelled}

    def outbound(self) -> dict[Topic, int]:
        """Events the service must publish: orders.paid for every order, orders.cancelled when out of stock."""
        return {Topic.ORDERS_PAID: len(self.orders), Topic.ORDERS_CANCELLED: len(self.out_of_stock)}


def add_workload_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--orders", type=int, default=10_000, help="orders in the workload (default %(default)s)")
    parser.add_argument("--seed", type=int, default=7, help="seed of the lifecycle mix")
    parser.add_argument(
        "--batch-size", type=int, default=500, help="records per batch: the template's (default %(default)s)"
    )


def lifecycle(orders: Sequence[UUID], seed: int = 7) -> Workload:
    rng = random.Random(seed)  # noqa: S311 - a reproducible mix, not a secret
    failed_first = set(rng.sample(list(orders), int(len(orders) * FAILED_FIRST_SHARE)))
    stockout = frozenset(rng.sample(list(orders), int(len(orders) * OUT_OF_STOCK_SHARE)))

    def stage(name: str, pick: Callable[[UUID], tuple[Topic, dict[str, Any]] | None]) -> Stage:
        events = []
        for order_id in orders:
            picked = pick(order_id)
            if picked is not None:
                events.append(Event(picked[0], order_id, json.dumps(picked[1]).encode()))
        return Stage(name, events)

    stages = [
        stage("orders.created", lambda o: (Topic.ORDERS_CREATED, created(o))),
        stage("payments.failed", lambda o: (Topic.PAYMENTS_FAILED, payment_failed(o)) if o in failed_first else None),
        stage("payments.succeeded", lambda o: (Topic.PAYMENTS_SUCCEEDED, paid(o))),
        stage(
            "inventory",
            lambda o: (
                (Topic.INVENTORY_OUT_OF_STOCK, out_of_stock(o))
                if o in stockout
                else (Topic.INVENTORY_RESERVED, reserved(o))
            ),
        ),
    ]
    return Workload(orders, stockout, [s for s in stages if s.events])


def insert_orders(dsn: str, count: int) -> list[UUID]:
    """New orders awaiting payment, as the order-creation service would have written them."""
    with psycopg.connect(dsn) as conn:
        return copy_orders(conn, (NewOrder() for _ in range(count)))


def delete_orders(dsn: str, orders: Sequence[UUID]) -> None:
    """Remove what a run wrote, so benchmarks do not pile up orders in the database the tests share."""
    with psycopg.connect(dsn) as conn:
        for table in ("order_status_history", "outbox", "dead_letters"):
            delete = psycopg.sql.SQL("DELETE FROM {} WHERE order_id = ANY(%s)").format(psycopg.sql.Identifier(table))
            conn.execute(delete, [list(orders)])
        conn.execute("DELETE FROM orders WHERE id = ANY(%s)", [list(orders)])


def final_statuses(dsn: str, orders: Sequence[UUID]) -> dict[str, int]:
    with psycopg.connect(dsn) as conn:
        rows = conn.execute("SELECT status, count(*) FROM orders WHERE id = ANY(%s) GROUP BY status", [list(orders)])
        return dict(rows)
