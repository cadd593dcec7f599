"""Drive N events in batches through `OrderService.process_records` and print events/s, latency, round trips.

A realistic lifecycle mix, in waves of orders: every order is created; 90 % pay at once, 10 % fail first
and pay on retry; 95 % get their inventory reserved, 5 % run out of stock; 1 % of records are poison.
Batches are per topic, as an event source mapping delivers them.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from uuid import UUID, uuid4

import psycopg

from bench.instrumentation import CountingConnection
from order_core.bootstrap import Container, build
from order_core.config import Settings
from tests.support import Batch, created, out_of_stock, paid, payment_failed, reserved

WAVE_ORDERS = 500


@dataclass
class Measurements:
    latencies_ms: list[float] = field(default_factory=list)
    round_trips: list[int] = field(default_factory=list)
    outcomes: Counter[str] = field(default_factory=Counter)
    events: int = 0
    seconds: float = 0.0


def lifecycle(order_id: UUID, rng: random.Random) -> list[tuple[str, dict[str, object] | bytes]]:
    events: list[tuple[str, dict[str, object] | bytes]] = [("orders.created", created(order_id))]
    if rng.random() < 0.10:
        events.append(("payments.failed", payment_failed(order_id)))
    events.append(("payments.succeeded", paid(order_id)))
    stock = ("inventory.out_of_stock", out_of_stock(order_id)) if rng.random() < 0.05 else None
    events.append(stock or ("inventory.reserved", reserved(order_id)))
    if rng.random() < 0.03:
        events.append(("payments.succeeded", b'{"order_id": "not json'))
    return events


def insert_orders(dsn: str, count: int) -> list[UUID]:
    ids = [uuid4() for _ in range(count)]
    with (
        psycopg.connect(dsn) as conn,
        conn.cursor().copy("COPY orders (id, user_id, status, subtotal, tax, total, currency) FROM STDIN") as copy,
    ):
        for order_id in ids:
            copy.write_row((order_id, uuid4(), "payment_required", Decimal("29.99"), 0, Decimal("29.99"), "USD"))
    return ids


def batches(order_ids: list[UUID], size: int, rng: random.Random) -> Iterator[Batch]:
    """Per-topic batches, lifecycle stage by stage, partition = hash of the order id (as a keyed producer)."""
    stages: dict[str, list[tuple[UUID, dict[str, object] | bytes]]] = {}
    for order_id in order_ids:
        for topic, payload in lifecycle(order_id, rng):
            stages.setdefault(topic, []).append((order_id, payload))
    for topic in (
        "orders.created",
        "payments.failed",
        "payments.succeeded",
        "inventory.reserved",
        "inventory.out_of_stock",
    ):
        pending = stages.get(topic, [])
        for start in range(0, len(pending), size):
            batch = Batch()
            for order_id, payload in pending[start : start + size]:
                batch.add(topic, payload, partition=order_id.int % 3, key=str(order_id))
            yield batch


def run(app: Container, dsn: str, total_events: int, size: int, seed: int) -> Measurements:
    rng, measured = random.Random(seed), Measurements()  # noqa: S311 - a reproducible mix, not a secret
    while measured.events < total_events:
        for batch in batches(insert_orders(dsn, WAVE_ORDERS), size, rng):
            records = batch.records()
            before, started = CountingConnection.round_trips, time.perf_counter()
            outcome = app.service.process_records(records)
            elapsed = time.perf_counter() - started
            measured.latencies_ms.append(elapsed * 1000)
            measured.round_trips.append(CountingConnection.round_trips - before)
            measured.seconds += elapsed
            measured.events += outcome.records
            measured.outcomes.update(
                transitions=outcome.transitions,
                duplicates=outcome.duplicates,
                acknowledged=outcome.acknowledged,
                published=outcome.published,
                unpublished=outcome.unpublished,
                **outcome.dead_letters,
            )
    return measured


def report(measured: Measurements, size: int) -> None:
    latencies = sorted(measured.latencies_ms)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    trips = Counter(measured.round_trips)
    print(f"events:           {measured.events} in {len(latencies)} batches (batch size up to {size})")
    print(f"throughput:       {measured.events / measured.seconds:,.0f} events/s")
    print(f"batch latency:    p50 {statistics.median(latencies):.1f} ms, p99 {p99:.1f} ms, max {latencies[-1]:.1f} ms")
    print(f"db round trips:   per batch {dict(sorted(trips.items()))} (round trips: batches)")
    print(f"outcomes:         {dict(sorted(measured.outcomes.items()))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000, help="events to process (default 20000)")
    parser.add_argument("--batch-size", type=int, default=100, help="records per batch (default 100)")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the lifecycle mix")
    args = parser.parse_args()
    settings = Settings.from_env()
    app = build(settings, connection_class=CountingConnection)
    try:
        app.service.process_records(Batch().records())
        report(run(app, settings.db_dsn or "", args.events, args.batch_size, args.seed), args.batch_size)
    finally:
        app.close()


if __name__ == "__main__":
    main()
