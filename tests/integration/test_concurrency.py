"""Two processes apply conflicting events to the same orders at the same time: no lost update, no deadlock."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

import psycopg
import pytest

from order_core.adapters.database import Database
from order_core.adapters.postgres import PostgresUnitOfWork
from order_core.bootstrap import build
from order_core.config import Settings
from order_core.entrypoints.msk import read_records
from samples.msk import Batch
from samples.payloads import out_of_stock, paid, reserved
from tests.integration.conftest import Db

pytestmark = pytest.mark.slow


def apply_in_another_process(event: dict[str, Any], start: Any, results: Any) -> None:
    container = build(Settings.from_env())
    start.wait()
    try:
        results.put(container.service.process_records(read_records(event)).records)
    finally:
        container.close()


def is_a_valid_chain(history: list[tuple[str, str, str]], final: str) -> bool:
    at = "payment_required"
    for from_status, to_status, _ in history:
        if from_status != at:
            return False
        at = to_status
    return at == final


def test_conflicting_batches_in_two_processes_end_in_states_the_table_allows(
    make_order: Callable[..., UUID], db: Db
) -> None:
    # Given 40 orders, one process paying and reserving them, the other cancelling them in reverse order
    orders = [make_order() for _ in range(40)]
    paying, cancelling = Batch(), Batch()
    for order_id in orders:
        paying.add("payments.succeeded", paid(order_id, f"pay-{order_id}"), partition=order_id.int % 3)
        paying.add("inventory.reserved", reserved(order_id), partition=order_id.int % 3)
    for order_id in reversed(orders):
        cancelling.add("inventory.out_of_stock", out_of_stock(order_id), partition=order_id.int % 3)

    # When both run at the same moment
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Barrier(2), ctx.Queue()
    workers = [
        ctx.Process(target=apply_in_another_process, args=(b.event(), start, results)) for b in (paying, cancelling)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)

    # Then both applied every record, and every order went through a valid chain with one event per transition
    assert sorted(results.get(timeout=5) for _ in workers) == [40, 80]
    for order_id in orders:
        history, final = db.history(order_id), db.status(order_id)
        assert final == "cancelled"
        assert is_a_valid_chain(history, final), history
        expected_topics = [{"paid": "orders.paid", "cancelled": "orders.cancelled"}.get(h[1]) for h in history]
        assert [row["topic"] for row in db.outbox(order_id)] == [t for t in expected_topics if t]


def locked_elsewhere(dsn: str, order_id: UUID, within: float) -> bool:
    """Whether another transaction holds the order's row lock, looking until `within` seconds have passed."""
    deadline = time.monotonic() + within
    with psycopg.connect(dsn, autocommit=True) as other:
        while time.monotonic() < deadline:
            try:
                other.execute("SELECT 1 FROM orders WHERE id = %s FOR UPDATE NOWAIT", [order_id])
            except psycopg.errors.LockNotAvailable:
                return True
            time.sleep(0.01)
    return False


def test_a_started_lock_is_held_before_its_rows_are_read(make_order: Callable[..., UUID], db_dsn: str) -> None:
    # Given a batch's unit of work that has started locking its order and gone on (to parse the batch)
    order_id = make_order()
    database = Database(lambda: db_dsn)
    try:
        with PostgresUnitOfWork(database) as uow:
            locking = uow.orders.start_lock([order_id])
            # Then the database holds the lock already, before the caller reads the rows
            assert locked_elsewhere(db_dsn, order_id, within=5.0)
            assert list(locking()) == [order_id]
        # And the unit of work's end releases it
        assert not locked_elsewhere(db_dsn, order_id, within=0.2)
    finally:
        database.close()
