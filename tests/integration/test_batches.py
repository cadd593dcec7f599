"""The batch processor against the real Postgres and Kafka: transitions, events, redelivery, poison records."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

from bench.instrumentation import CountingConnection
from order_core.bootstrap import Container
from order_core.entrypoints.msk import read_records
from order_core.service.batch import WRITE_CHUNK, BatchOutcome
from samples.msk import Batch
from samples.payloads import created, out_of_stock, paid, payment_failed, reserved
from tests.integration.conftest import Db


def test_full_lifecycle_created_paid_processing_shipped(
    app: Container, make_order: Callable[..., UUID], db: Db, consume: Callable[..., Any]
) -> None:
    # Given an order waiting for payment
    order_id = make_order()
    batch = Batch()
    batch.add("orders.created", created(order_id), key=str(order_id))
    batch.add("payments.succeeded", paid(order_id, "pay-1"), key=str(order_id))
    batch.add("inventory.reserved", reserved(order_id), partition=1, key=str(order_id))

    # When the events arrive in one batch, and the order is shipped through the API
    outcome = app.service.process_records(batch.records())
    shipped = app.service.ship(order_id, request_id="req-ship-1")

    # Then it went through every state, once, and told the shop twice
    assert (outcome.records, outcome.transitions, outcome.acknowledged, outcome.published) == (3, 2, 1, 1)
    assert shipped.status == "shipped"
    assert db.history(order_id) == [
        ("payment_required", "paid", "payments.succeeded"),
        ("paid", "processing", "inventory.reserved"),
        ("processing", "shipped", "api.ship"),
    ]
    assert [row["topic"] for row in db.outbox(order_id)] == ["orders.paid", "orders.shipped"]
    assert all(row["published_at"] is not None for row in db.outbox(order_id))
    assert len(consume("orders.paid", key=str(order_id))) == 1
    assert len(consume("orders.shipped", key=str(order_id))) == 1


def test_an_order_whose_records_are_a_write_chunk_apart_moves_and_publishes_in_order(
    app: Container, make_order: Callable[..., UUID], db: Db, consume: Callable[..., Any]
) -> None:
    # Given an order paid by the first record of a batch and cancelled by its last, a chunk apart
    order_id, others = make_order(), [make_order() for _ in range(WRITE_CHUNK)]
    batch = Batch()
    batch.add("payments.succeeded", paid(order_id, "pay-1"), key=str(order_id))
    for other in others:
        batch.add("payments.succeeded", paid(other), key=str(other))
    batch.add("inventory.out_of_stock", out_of_stock(order_id, "sku-1"), key=str(order_id))

    # When the batch is applied in two write chunks (the first written while the second is decided)
    outcome = app.service.process_records(batch.records())

    # Then the order moved twice, in record order, and both its events went out now, in that order
    assert (outcome.transitions, outcome.published, outcome.record_by_record) == (WRITE_CHUNK + 2,) * 2 + (False,)
    assert db.history(order_id) == [
        ("payment_required", "paid", "payments.succeeded"),
        ("paid", "cancelled", "inventory.out_of_stock"),
    ]
    assert [(row["topic"], row["published_at"] is not None) for row in db.outbox(order_id)] == [
        ("orders.paid", True),
        ("orders.cancelled", True),
    ]
    assert all(db.status(other) == "paid" for other in others)
    [paid_record] = consume("orders.paid", key=str(order_id))
    [cancelled_record] = consume("orders.cancelled", key=str(order_id))
    assert paid_record.timestamp <= cancelled_record.timestamp


def test_payment_retry_after_failure_pays_the_order(app: Container, make_order: Callable[..., UUID], db: Db) -> None:
    order_id = make_order()
    first, retry = Batch(), Batch()
    first.add("payments.failed", payment_failed(order_id))
    retry.add("payments.succeeded", paid(order_id, "pay-retry"))

    app.service.process_records(first.records())
    assert db.status(order_id) == "payment_failed"
    app.service.process_records(retry.records())

    assert db.status(order_id) == "paid"
    assert [h[1] for h in db.history(order_id)] == ["payment_failed", "paid"]


def test_out_of_stock_cancels_and_publishes(
    app: Container, make_order: Callable[..., UUID], db: Db, consume: Callable[..., Any]
) -> None:
    order_id = make_order(status="paid", payment_id="pay-0")
    batch = Batch()
    batch.add("inventory.out_of_stock", out_of_stock(order_id, "sku-9"))

    outcome = app.service.process_records(batch.records())

    assert outcome.transitions == 1
    assert db.status(order_id) == "cancelled"
    [record] = consume("orders.cancelled", key=str(order_id))
    assert json.loads(record.value)["reason"] == "Out of stock for product: sku-9"


def test_redelivering_a_batch_changes_nothing_and_publishes_nothing_twice(
    app: Container, make_order: Callable[..., UUID], db: Db, consume: Callable[..., Any]
) -> None:
    order_id, poisoned = make_order(), make_order()
    batch = Batch()
    batch.add("payments.succeeded", paid(order_id, "pay-1"))
    batch.add("inventory.reserved", reserved(order_id))
    batch.add("inventory.reserved", reserved(poisoned))  # invalid_transition: the order is not paid

    first = app.service.process_records(batch.records())
    again = app.service.process_records(batch.records())

    assert (first.transitions, first.dead_letters) == (2, {"invalid_transition": 1})
    assert (again.transitions, again.duplicates, again.published) == (0, 2, 0)
    assert len(db.history(order_id)) == 2
    assert len(db.outbox(order_id)) == 1
    assert len(db.dead_letters(poisoned)) == 1
    assert len(consume("orders.paid", key=str(order_id))) == 1


def test_poison_records_are_parked_with_their_raw_bytes_and_good_records_still_apply(
    app: Container, make_order: Callable[..., UUID], db: Db
) -> None:
    # Given one good record between six kinds of poison in the same partition
    order_id, unknown = make_order(), uuid4()
    batch = Batch()
    poison = {
        "malformed JSON": b'{"order_id": ',
        "missing field": json.dumps({"order_id": str(order_id), "currency": "USD"}).encode(),
        "bad UUID": json.dumps(paid(order_id) | {"order_id": "order-1"}).encode(),
        "bad amount": json.dumps(paid(order_id) | {"amount": "29.999"}).encode(),
    }
    offsets = [batch.add("payments.succeeded", raw, key="order-1") for raw in poison.values()]
    good = batch.add("payments.succeeded", paid(order_id, "pay-good"))
    offsets.append(batch.add("payments.succeeded", paid(unknown)))
    offsets.append(batch.add("payments.succeeded", paid(order_id, "pay-other", amount="30.00")))

    # When the batch is processed
    outcome = app.service.process_records(batch.records())

    # Then the good record applied, and every poison record is a dead letter with a reason and its raw bytes
    assert outcome.dead_letters == {"invalid_payload": 4, "order_not_found": 1, "duplicate_payment": 1}
    assert db.status(order_id) == "paid"
    parked = {d["offset"]: d for d in db.dead_letters(offsets=offsets)}
    assert good not in parked
    reasons = [parked[o]["reason"] for o in offsets]
    assert reasons == ["invalid_payload"] * 4 + ["order_not_found", "duplicate_payment"]
    assert [bytes(parked[o]["value"]) for o in offsets[:4]] == list(poison.values())
    assert all(bytes(parked[o]["key"]) == b"order-1" for o in offsets[:4])
    assert parked[offsets[0]]["headers"] == [{"source": list(b"tests")}]
    assert "order_id" in parked[offsets[2]]["detail"]
    assert "amount" in parked[offsets[3]]["detail"]
    assert parked[offsets[4]]["order_id"] == unknown


def test_payment_mismatch_is_parked_and_the_status_stays(
    app: Container, make_order: Callable[..., UUID], db: Db
) -> None:
    order_id = make_order(total=Decimal("100.00"), currency="EUR")
    batch = Batch()
    offset = batch.add("payments.succeeded", paid(order_id, amount="99.99", currency="EUR"))

    app.service.process_records(batch.records())

    assert db.status(order_id) == "payment_required"
    [letter] = db.dead_letters(offsets=[offset])
    assert (letter["reason"], letter["order_id"]) == ("payment_mismatch", order_id)


def test_payment_after_cancel_is_parked(app: Container, make_order: Callable[..., UUID], db: Db) -> None:
    order_id = make_order(status="cancelled")
    batch = Batch()
    offset = batch.add("payments.succeeded", paid(order_id))

    app.service.process_records(batch.records())

    assert db.status(order_id) == "cancelled"
    assert [d["reason"] for d in db.dead_letters(offsets=[offset])] == ["payment_after_cancel"]


def test_self_managed_kafka_events_and_unkeyed_records_are_accepted(
    app: Container, make_order: Callable[..., UUID], db: Db
) -> None:
    order_id = make_order()
    batch = Batch()
    batch.add("payments.failed", payment_failed(order_id))
    event = batch.event() | {"eventSource": "SelfManagedKafka"}
    del event["eventSourceArn"]

    app.service.process_records(read_records(event))

    assert db.status(order_id) == "payment_failed"


def test_deleted_orders_are_not_found(app: Container, make_order: Callable[..., UUID], db: Db) -> None:
    order_id = make_order()
    db.conn.execute("UPDATE orders SET deleted_at = now() WHERE id = %s", [order_id])
    batch = Batch()
    offset = batch.add("payments.failed", payment_failed(order_id))

    app.service.process_records(batch.records())

    assert [d["reason"] for d in db.dead_letters(offsets=[offset])] == ["order_not_found"]
    assert db.status(order_id) == "payment_required"


def test_an_empty_batch_is_a_no_op(app: Container) -> None:
    assert app.service.process_records(Batch().records()) == BatchOutcome()


def test_round_trips_per_batch_grow_with_its_chunks_not_its_records(
    counted: tuple[Container, type[CountingConnection]], make_order: Callable[..., UUID]
) -> None:
    app, connection = counted

    def round_trips(orders: int) -> int:
        """A batch of 2 records per order: a payment, then the reservation."""
        batch = Batch()
        for _ in range(orders):
            order_id = make_order()
            batch.add("payments.succeeded", paid(order_id), partition=order_id.int % 3)
            batch.add("inventory.reserved", reserved(order_id), partition=order_id.int % 3)
        before = connection.round_trips
        app.service.process_records(batch.records())
        return connection.round_trips - before

    round_trips(1)  # the first batch also pays for connecting and preparing
    one_chunk = round_trips(5)
    assert round_trips(50) == round_trips(WRITE_CHUNK // 2) == one_chunk
    # Each further chunk sends its own three writes (orders, history, outbox) into the same pipeline.
    assert round_trips(WRITE_CHUNK) == one_chunk + 3
    assert round_trips(2 * WRITE_CHUNK) == one_chunk + 3 * 3
