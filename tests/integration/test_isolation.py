"""No record fails its batch and no outbox event holds back another, on the real Postgres and Kafka."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from order_core.bootstrap import Container
from samples.msk import Batch
from samples.payloads import paid, reserved
from tests.integration.conftest import Db
from tests.integration.test_relay import add_outbox_rows


def test_hostile_bytes_are_stored_as_dead_letters_exactly_and_safely(
    app: Container, make_order: Callable[..., UUID], db: Db
) -> None:
    # Given records Postgres text could not hold: NUL and a lone surrogate in values, NUL in a header name
    order_id, victim = make_order(), make_order()
    batch = Batch()
    hostile = {
        "nul": json.dumps(paid(victim) | {"order_id": f"{victim}\u0000"}).encode(),
        "surrogate": json.dumps(paid(victim) | {"payment_id": "pay-\udfff"}).encode(),
        "deep": b'{"order_id": ' + b"[" * 3000 + b"]" * 3000 + b"}",
        "binary": bytes(range(256)),
    }
    offsets = {name: batch.add("payments.succeeded", raw) for name, raw in hostile.items()}
    batch.add("payments.succeeded", paid(order_id))
    event = batch.event()
    event["records"]["payments.succeeded-0"][0]["headers"] = [{"trace\u0000id": list(b"\x00\xff")}]

    # When the batch is applied
    from order_core.entrypoints.msk import read_records  # noqa: PLC0415

    outcome = app.service.process_records(read_records(event))

    # Then the good record applied and every hostile one is parked with its raw bytes, byte for byte
    assert db.status(order_id) == "paid"
    assert outcome.dead_letters == {"invalid_payload": 4}
    parked = {d["offset"]: d for d in db.dead_letters(offsets=list(offsets.values()))}
    for name, raw in hostile.items():
        assert bytes(parked[offsets[name]]["value"]) == raw, name
    assert parked[offsets["nul"]]["headers"] == [{"trace\\x00id": [0, 255]}]
    assert parked[offsets["nul"]]["order_id"] is None


@pytest.fixture
def rejecting_payment_id(conn: psycopg.Connection[Any]) -> Iterator[str]:
    """A payment id the database itself refuses (a CHECK constraint), like a value it cannot store."""
    refused = f"pay-refused-{uuid4().hex[:8]}"
    name = f"test_refuse_{uuid4().hex[:8]}"
    conn.execute(f"ALTER TABLE orders ADD CONSTRAINT {name} CHECK (payment_id IS DISTINCT FROM '{refused}') NOT VALID")
    yield refused
    conn.execute(f"ALTER TABLE orders DROP CONSTRAINT {name}")


def test_a_write_postgres_rejects_is_parked_record_by_record_and_the_rest_commits(
    app: Container, make_order: Callable[..., UUID], db: Db, rejecting_payment_id: str
) -> None:
    # Given a batch whose bulk write Postgres will reject because of one record's data
    good, refused = make_order(), make_order()
    batch = Batch()
    batch.add("payments.succeeded", paid(good, "pay-fine"))
    offset = batch.add("payments.succeeded", paid(refused, rejecting_payment_id))
    batch.add("inventory.reserved", reserved(good))

    # When it is applied
    outcome = app.service.process_records(batch.records())

    # Then it was applied record by record in the same call: the good order moved on, the offender is parked
    assert outcome.record_by_record
    assert (db.status(good), db.status(refused)) == ("processing", "payment_required")
    [letter] = db.dead_letters(offsets=[offset])
    assert letter["reason"] == "internal_error"
    assert "CheckViolation" in letter["detail"]
    assert len(db.outbox(good)) == 1


def test_an_event_for_a_topic_kafka_refuses_does_not_stop_the_relay(
    app: Container, make_order: Callable[..., UUID], db: Db, consume: Callable[..., Any]
) -> None:
    # Given two orders' events, one to a topic that does not exist (auto-creation is off)
    good, bad = make_order(), make_order()
    add_outbox_rows(db.conn, bad, ["orders.no-such-topic"])
    add_outbox_rows(db.conn, good, ["orders.paid"])

    # When the relay runs
    try:
        report = app.service.relay_outbox()
        row = db.conn.execute("SELECT attempts, last_error FROM outbox WHERE order_id = %s", [bad]).fetchone()
    finally:  # the refused event would fail every later relay run of the suite
        db.conn.execute("DELETE FROM outbox WHERE order_id = %s", [bad])

    # Then the good event is in Kafka, and the refused one waited with its attempt and error
    assert report.failed >= 1
    assert db.outbox(good)[0]["published_at"] is not None
    assert len(consume("orders.paid", key=str(good))) == 1
    assert row is not None
    assert row[0] == 1
    assert "orders.no-such-topic" in row[1]
