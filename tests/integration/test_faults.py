"""Failure modes of DESIGN.md: Postgres down mid-batch, Kafka down after commit."""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Callable
from typing import Any
from uuid import UUID

import psycopg
import pytest

from order_core.bootstrap import Container, build
from order_core.config import Settings
from order_core.entrypoints.kafka import RETRY_RESERVE_MS
from order_core.entrypoints.msk import retry_response
from order_core.exceptions import TransientError
from samples.msk import Batch
from samples.payloads import paid, payment_failed, reserved
from tests.integration.conftest import Db
from tests.sam.conftest import FakeLambdaContext

pytestmark = pytest.mark.slow


def payments_failed_handler() -> Any:
    """The function's handler, imported once the stack's environment is set (Powertools reads it at import)."""
    return importlib.import_module("functions.payments_failed.app").lambda_handler


def wait_for_lock_wait(conn: psycopg.Connection[Any], timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'").fetchone()
        if row and row[0] > 0:
            return
        time.sleep(0.05)
    pytest.fail("the batch never waited for the lock")


def test_postgres_stopped_mid_batch_commits_nothing_and_the_retry_succeeds(
    app: Container, make_order: Callable[..., UUID], db_dsn: str, stack: Callable[..., None]
) -> None:
    # Given a batch over two partitions whose first order another transaction holds locked
    held, other = make_order(), make_order()
    batch = Batch()
    first_offset = batch.add("payments.succeeded", paid(held, "pay-1"), partition=0)
    batch.add("payments.succeeded", paid(other, "pay-2"), partition=0)
    reserved_offset = batch.add("inventory.reserved", reserved(held), partition=0)
    second_offset = batch.add("payments.failed", payment_failed(other), partition=2)
    blocker = psycopg.connect(db_dsn)
    blocker.execute("SELECT 1 FROM orders WHERE id = %s FOR UPDATE", [held])
    errors: list[BaseException] = []

    def apply() -> None:
        try:
            app.service.process_records(batch.records())
        except TransientError as error:
            errors.append(error)

    worker = threading.Thread(target=apply)

    # When Postgres stops while the batch is in the middle of its transaction
    try:
        worker.start()
        with psycopg.connect(db_dsn, autocommit=True) as watcher:
            wait_for_lock_wait(watcher)
        stack("stop", "postgres")
        worker.join(timeout=30)
    finally:
        stack("start", "postgres")
        blocker.close()

    # Then the batch failed as transient (retry from the first record of each partition) and wrote nothing
    assert [type(e) for e in errors] == [TransientError]
    assert retry_response(batch.records()) == {
        "batchItemFailures": [
            {"itemIdentifier": {"partition": "payments.succeeded-0", "offset": first_offset}},
            {"itemIdentifier": {"partition": "inventory.reserved-0", "offset": reserved_offset}},
            {"itemIdentifier": {"partition": "payments.failed-2", "offset": second_offset}},
        ]
    }
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        check = Db(conn)
        assert (check.status(held), check.status(other)) == ("payment_required", "payment_required")
        assert check.history(held) == check.history(other) == []
        assert check.outbox(held) == check.outbox(other) == []

        # And the redelivered batch applies on a reopened connection
        retried = app.service.process_records(batch.records())
        assert retried.transitions == 3
        assert (check.status(held), check.status(other)) == ("processing", "paid")


def test_a_lock_held_too_long_is_a_transient_failure_and_commits_nothing(
    make_order: Callable[..., UUID], db: Db, db_dsn: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given an order another transaction keeps locked, and a short lock timeout
    monkeypatch.setenv("DB_LOCK_TIMEOUT_MS", "300")
    app = build(Settings.from_env())
    try:
        held, free = make_order(), make_order()
        batch = Batch()
        batch.add("payments.succeeded", paid(free), partition=1)
        batch.add("payments.succeeded", paid(held), partition=1)
        with psycopg.connect(db_dsn) as blocker:
            blocker.execute("SELECT 1 FROM orders WHERE id = %s FOR UPDATE", [held])

            # When a batch needs it
            with pytest.raises(TransientError, match="LockNotAvailable"):
                app.service.process_records(batch.records())

        # Then not even the free order moved
        assert (db.status(free), db.outbox(free)) == ("payment_required", [])
        # And the redelivery succeeds on the same container once the lock is gone
        assert app.service.process_records(batch.records()).transitions == 2
        assert (db.status(held), db.status(free)) == ("paid", "paid")
    finally:
        app.close()


def test_the_handler_reports_the_batch_for_retry_while_postgres_is_down(
    stack_env: dict[str, str], make_order: Callable[..., UUID], stack: Callable[..., None]
) -> None:
    # Given a Kafka function with little time left (no retry inside the invocation)
    handler = payments_failed_handler()
    order_id = make_order()
    batch = Batch()
    offset = batch.add("payments.failed", payment_failed(order_id), partition=1)
    context: Any = FakeLambdaContext(remaining_ms=RETRY_RESERVE_MS)

    # When Postgres is down during the invocation
    stack("stop", "postgres")
    try:
        response = handler(batch.event(), context)
    finally:
        stack("start", "postgres")

    # Then the first record of the partition is reported in the AWS format
    assert response == {"batchItemFailures": [{"itemIdentifier": {"partition": "payments.failed-1", "offset": offset}}]}


def test_the_handler_rides_out_a_short_outage_inside_the_invocation(
    stack_env: dict[str, str], make_order: Callable[..., UUID], db_dsn: str, stack: Callable[..., None]
) -> None:
    # Given a Kafka function with a minute left, and Postgres down
    handler = payments_failed_handler()
    order_id = make_order()
    batch = Batch()
    batch.add("payments.failed", payment_failed(order_id))
    stack("stop", "postgres")
    restart = threading.Timer(3, stack, args=("start", "postgres"))

    # When Postgres comes back three seconds into the invocation
    restart.start()
    try:
        context: Any = FakeLambdaContext(remaining_ms=RETRY_RESERVE_MS + 60_000)
        response = handler(batch.event(), context)
    finally:
        restart.join()

    # Then the invocation retried until it applied the batch
    assert response == {"batchItemFailures": []}
    with psycopg.connect(db_dsn, autocommit=True) as conn:
        assert Db(conn).status(order_id) == "payment_failed"


def test_kafka_down_after_commit_keeps_events_in_the_outbox_and_the_relay_publishes_each_once(
    app: Container, make_order: Callable[..., UUID], db: Db, stack: Callable[..., None], consume: Callable[..., Any]
) -> None:
    # Given a container whose producer is connected, and then Kafka goes down
    earlier, order_id = make_order(), make_order()
    warm_up = Batch()
    warm_up.add("payments.succeeded", paid(earlier, "pay-0"))
    assert app.service.process_records(warm_up.records()).published == 1
    batch = Batch()
    batch.add("payments.succeeded", paid(order_id, "pay-1"))
    stack("stop", "kafka")
    try:
        # When a payment arrives
        outcome = app.service.process_records(batch.records())
        # Then the batch succeeds, the order is paid, and its event waits in the outbox
        assert (outcome.published, outcome.unpublished) == (0, 1)
        assert db.status(order_id) == "paid"
        [row] = db.outbox(order_id)
        assert row["published_at"] is None
    finally:
        stack("start", "kafka")

    # When the relay runs twice after Kafka is back
    first = app.service.relay_outbox()
    app.service.relay_outbox()

    # Then the event went out exactly once, with the event id of its outbox row
    assert first.published >= 1
    [published] = db.outbox(order_id)
    assert published["published_at"] is not None
    [record] = consume("orders.paid", key=str(order_id))
    assert dict(record.headers)["event_id"] == str(row["event_id"]).encode()


def test_sessions_are_safe_behind_rds_proxy_no_startup_options_no_prepared_statements(
    app: Container, make_order: Callable[..., UUID]
) -> None:
    # Given a container that has applied a few batches (enough for psycopg to prepare statements by default)
    for _ in range(8):
        batch = Batch()
        batch.add("payments.failed", payment_failed(make_order()))
        app.service.process_records(batch.records())

    # Then its session carries no startup options and no prepared statement, and the lock timeout is
    # set per transaction (SET LOCAL) and gone outside it
    with app.db.transaction() as conn:
        assert "options" not in conn.info.get_parameters()
        assert conn.execute("SELECT count(*) FROM pg_prepared_statements").fetchone() == (0,)
        assert conn.execute("SELECT current_setting('lock_timeout')").fetchone() == ("5s",)
    assert conn.execute("SELECT current_setting('lock_timeout')").fetchone() == ("0",)
