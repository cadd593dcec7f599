"""The batch processor's rules on the fakes: transitions, duplicates, dead letters, isolation of bad records."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any
from uuid import UUID, uuid4

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from order_core.domain import OrderCreated, OrderStatus, decide
from order_core.service import batch as batch_module
from order_core.service.ports import DeadLetter, InboundRecord
from samples.msk import Batch
from samples.payloads import created, paid, reserved
from tests.unit.conftest import World

S = OrderStatus


def test_a_lifecycle_in_one_batch_moves_the_order_once_per_step_and_publishes_once(world: World) -> None:
    # Given an order waiting for payment
    order_id = world.order()
    batch = Batch()
    batch.add("orders.created", created(order_id))
    batch.add("payments.succeeded", paid(order_id, "pay-1"))
    batch.add("inventory.reserved", reserved(order_id), partition=1)

    # When the batch is applied, then applied again (a redelivery)
    first = world.batches.process(batch.records())
    again = world.batches.process(batch.records())

    # Then the order moved twice, recorded which topic moved it, and orders.paid went out once
    assert world.status(order_id) is S.PROCESSING
    assert [(h.to_status, h.trigger) for h in world.db.tables.history] == [
        (S.PAID, "payments.succeeded"),
        (S.PROCESSING, "inventory.reserved"),
    ]
    assert (first.transitions, first.acknowledged, first.published, first.unpublished) == (2, 1, 1, 0)
    assert (again.transitions, again.duplicates, again.published) == (0, 2, 0)
    assert [m.topic for m in world.bus.sent] == ["orders.paid"]


HOSTILE: dict[str, bytes] = {
    "NUL inside the order id": json.dumps({"order_id": "0b6a1c9e-3d4f-4a5b-8c7d-\u00009e0f1a2b3c4d"}).encode(),
    "NUL in payment_id": b"",  # filled in per order below
    "JSON nested 5,000 deep": b"[" * 5000 + b"]" * 5000,
    "payment_date at the datetime limit": b"",
    "lone surrogate in payment_id": b"",
    "not UTF-8": b"\xff\xfe\xfd",
    "empty value": b"",
    "a JSON string": b'"payments.succeeded"',
}


def hostile_payment(order_id: Any, name: str) -> bytes:
    good = paid(order_id)
    match name:
        case "NUL in payment_id":
            return json.dumps(good | {"payment_id": "pay\u0000-1"}).encode()
        case "payment_date at the datetime limit":
            return json.dumps(good | {"payment_date": "0001-01-01T00:00:00+14:00"}).encode()
        case "lone surrogate in payment_id":
            return json.dumps(good | {"payment_id": "pay-\ud800"}).encode()
    return HOSTILE[name]


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_record_is_parked_and_the_good_records_of_its_batch_apply(world: World, name: str) -> None:
    # Given a good payment, then a hostile record for another order, then a good reservation
    order_id, victim = world.order(), world.order()
    batch = Batch()
    batch.add("payments.succeeded", paid(order_id, "pay-1"))
    raw = hostile_payment(victim, name)
    offset = batch.add("payments.succeeded", raw)
    batch.add("inventory.reserved", reserved(order_id))

    # When the batch is applied
    outcome = world.batches.process(batch.records())

    # Then the good records applied and the hostile one is a dead letter with its raw bytes and a reason
    assert world.status(order_id) is S.PROCESSING
    assert world.status(victim) is S.PAYMENT_REQUIRED
    letter = world.db.tables.dead_letters[("payments.succeeded", 0, offset)]
    assert (letter.reason, letter.record.value) == ("invalid_payload", raw)
    assert outcome.dead_letters == {"invalid_payload": 1}


def test_records_of_an_unknown_topic_or_undecodable_transport_are_parked(world: World) -> None:
    order_id = world.order()
    batch = Batch()
    batch.add("payments.refunded", paid(order_id))
    event = batch.event()
    [raw] = event["records"]["payments.refunded-0"]
    event["records"]["payments.succeeded-0"] = [raw | {"topic": "payments.succeeded", "value": "%%not base64%%"}]
    from order_core.entrypoints.msk import read_records  # noqa: PLC0415 - the edge, used on purpose

    outcome = world.batches.process(read_records(event))

    assert outcome.dead_letters == {"invalid_payload": 2}
    details = sorted(letter.detail for letter in world.db.tables.dead_letters.values())
    assert details[0].startswith("no contract for topic payments.refunded")
    assert "not an MSK record" in details[1]


def test_a_bug_in_a_rule_parks_that_record_as_internal_error(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    # Given a rule that crashes for one order only
    cursed, fine = world.order(), world.order()

    def decide_with_a_bug(order: Any, command: Any, at: Any) -> Any:
        if order.id == cursed:
            raise ZeroDivisionError("a bug")
        return decide(order, command, at)

    monkeypatch.setattr(batch_module, "decide", decide_with_a_bug)
    batch = Batch()
    offset = batch.add("payments.succeeded", paid(cursed))
    batch.add("payments.succeeded", paid(fine))

    # When the batch is applied
    outcome = world.batches.process(batch.records())

    # Then the other order is paid and the cursed record is parked with the exception's type
    assert world.status(fine) is S.PAID
    letter = world.db.tables.dead_letters[("payments.succeeded", 0, offset)]
    assert (letter.reason, letter.detail) == ("internal_error", "ZeroDivisionError: a bug")
    assert outcome.dead_letters == {"internal_error": 1}


def test_a_write_the_database_rejects_is_found_record_by_record_and_parked(world: World) -> None:
    # Given a database that rejects one payment id, and a batch where that order is then reserved
    good, rejected = world.order(), world.order()
    world.db.rejects = lambda row: getattr(row, "payment_id", None) == "pay-unstorable"
    batch = Batch()
    batch.add("payments.succeeded", paid(good, "pay-ok"))
    offset = batch.add("payments.succeeded", paid(rejected, "pay-unstorable"))
    reserve = batch.add("inventory.reserved", reserved(rejected))
    batch.add("inventory.reserved", reserved(good))

    # When the batch is applied
    outcome = world.batches.process(batch.records())

    # Then the good order went all the way, the rejected payment is parked, and the rejected order
    # stayed unpaid in memory too (its reservation is refused, not applied to a phantom payment)
    assert outcome.record_by_record
    assert (world.status(good), world.status(rejected)) == (S.PROCESSING, S.PAYMENT_REQUIRED)
    letters = world.db.tables.dead_letters
    assert letters[("payments.succeeded", 0, offset)].reason == "internal_error"
    assert letters[("payments.succeeded", 0, offset)].detail.startswith("write rejected")
    assert letters[("inventory.reserved", 0, reserve)].reason == "invalid_transition"
    assert [m.order_id for m in world.bus.sent] == [good]


def test_records_of_missing_orders_are_parked_once_however_often_they_are_delivered(world: World) -> None:
    batch = Batch()
    offset = batch.add("payments.failed", {"order_id": str(uuid4()), "payment_id": "p-1"})

    world.batches.process(batch.records())
    world.batches.process(batch.records())

    assert list(world.db.tables.dead_letters) == [("payments.failed", 0, offset)]
    assert world.db.tables.dead_letters[("payments.failed", 0, offset)].reason == "order_not_found"


ORDERS = [uuid4() for _ in range(40)]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([*ORDERS, None]), max_size=3 * batch_module.WRITE_CHUNK))
def test_write_chunks_keep_each_orders_records_together_and_in_order(order_ids: list[UUID | None]) -> None:
    """None stands for a dead letter, which has no order (the dead letters go together too)."""
    parsed: list[batch_module.Parsed] = []
    for offset, order_id in enumerate(order_ids):
        record = InboundRecord("payments.succeeded", 0, offset, None, b"{}")
        parsed.append((record, OrderCreated(order_id) if order_id else DeadLetter(record, "invalid_payload", "x")))

    chunks = batch_module._write_chunks(parsed)

    offsets = [[record.offset for record, _ in chunk] for chunk in chunks]
    assert sorted(o for chunk in offsets for o in chunk) == list(range(len(parsed)))
    for order_id in set(order_ids):
        [in_chunk] = [[o for o in chunk if order_ids[o] == order_id] for chunk in offsets if order_id in
                      {order_ids[o] for o in chunk}]  # fmt: skip
        assert in_chunk == sorted(in_chunk)
    largest = max(Counter(order_ids).values(), default=0)
    assert all(len(chunk) >= batch_module.WRITE_CHUNK for chunk in chunks[:-1])
    assert all(len(chunk) < batch_module.WRITE_CHUNK + largest for chunk in chunks)
