"""Inbound contracts are tolerant readers; outbound payloads are the seed's JSON byte for byte."""

from __future__ import annotations

import json
import sys
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from order_core.contracts.inbound import _UNSTORABLE, INBOUND
from order_core.contracts.outbound import OUTBOUND, encode, outbound_payload
from order_core.domain import OrderCancelled, OrderPaid, PaymentSucceeded
from order_core.service.records import order_id_of
from order_core.topics import Topic
from samples.payloads import created, out_of_stock, paid, payment_failed, reserved

ORDER = UUID("0b6a1c9e-3d4f-4a5b-8c7d-9e0f1a2b3c4d")
USER = UUID("5b0c7d8e-2f3a-4b5c-9d6e-7f8091a2b3c4")


@pytest.mark.parametrize(
    ("topic", "payload"),
    [
        ("orders.created", created(ORDER)),
        ("payments.succeeded", paid(ORDER)),
        ("payments.failed", payment_failed(ORDER)),
        ("inventory.reserved", reserved(ORDER)),
        ("inventory.out_of_stock", out_of_stock(ORDER)),
    ],
)
def test_seed_shaped_events_parse_and_unknown_fields_are_ignored(topic: str, payload: dict[str, object]) -> None:
    event = INBOUND[Topic(topic)].model_validate_json(json.dumps(payload | {"schema_version": 7}))
    assert event.to_command().order_id == ORDER


SAMPLES: dict[str, Callable[[UUID], dict[str, Any]]] = {
    "orders.created": created,
    "payments.succeeded": paid,
    "payments.failed": payment_failed,
    "inventory.reserved": reserved,
    "inventory.out_of_stock": out_of_stock,
}
UUIDS = st.uuids()
ORDER_IDS = st.one_of(UUIDS.map(str), UUIDS.map(lambda u: u.hex), UUIDS.map(lambda u: str(u).upper()),
                      st.text(max_size=40), st.integers(), st.none(), st.lists(UUIDS.map(str), max_size=2))  # fmt: skip


@given(topic=st.sampled_from(sorted(SAMPLES)), ids=st.lists(ORDER_IDS, max_size=3))
def test_a_batch_locks_the_order_of_every_command_its_records_parse_to(topic: str, ids: list[object]) -> None:
    # A batch locks the ids order_id_of reads before it parses: every command parsed must carry one of them.
    # Any order_id values (none, odd forms, repeated keys: the last one counts) in an otherwise valid payload.
    fields = {name: value for name, value in SAMPLES[topic](ORDER).items() if name != "order_id"}
    document = "{" + ", ".join([json.dumps(fields)[1:-1], *(f'"order_id": {json.dumps(i)}' for i in ids)]) + "}"
    try:
        command = INBOUND[Topic(topic)].model_validate_json(document).to_command()
    except ValidationError:
        return
    assert order_id_of(document.encode()) == command.order_id


def test_payment_amounts_are_decimals_normalised_to_two_places() -> None:
    command = INBOUND[Topic.PAYMENTS_SUCCEEDED].model_validate(paid(ORDER, "p", "29.9", "usd")).to_command()
    assert command == PaymentSucceeded(ORDER, "p", Decimal("29.90"), "USD", datetime(2026, 11, 24, 10, tzinfo=UTC))


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "29.999"},
        {"amount": "-1.00"},
        {"amount": "NaN"},
        {"amount": "lots"},
        {"currency": "DOLLARS"},
        {"order_id": "order-1"},
        {"payment_id": ""},
        {"payment_id": None},
    ],
)
def test_malformed_required_fields_are_rejected(change: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        INBOUND[Topic.PAYMENTS_SUCCEEDED].model_validate(paid(ORDER) | change)


def test_orders_paid_is_byte_compatible_with_the_seed() -> None:
    at = datetime(2026, 11, 24, 12, 10, 16, 123456, tzinfo=UTC)
    payload = outbound_payload(OrderPaid(ORDER, USER, Decimal("29.9"), "USD", "pay-1", at))
    assert OUTBOUND[type(payload)].topic == "orders.paid"
    assert encode(payload) == (
        f'{{"order_id":"{ORDER}","user_id":"{USER}","amount":"29.90","currency":"USD",'
        '"payment_id":"pay-1","payment_date":"2026-11-24T12:10:16Z"}'
    )


def test_an_empty_cancellation_reason_is_omitted_like_gos_omitempty() -> None:
    at = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
    payload = outbound_payload(OrderCancelled(ORDER, USER, "", at))
    assert encode(payload) == f'{{"order_id":"{ORDER}","user_id":"{USER}","cancelled_at":"2026-11-24T12:00:00Z"}}'


def test_an_identifier_is_refused_exactly_when_it_holds_a_control_character_or_a_lone_surrogate() -> None:
    # The check is a character class, not a walk over unicodedata: it must be exactly Unicode's Cc and Cs.
    refused = {code for code in range(sys.maxunicode + 1) if _UNSTORABLE.search(chr(code))}
    assert refused == {code for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) in {"Cc", "Cs"}}
    with pytest.raises(ValidationError, match="control characters or lone surrogates"):
        INBOUND[Topic.PAYMENTS_SUCCEEDED].model_validate_json(json.dumps({**paid(ORDER), "payment_id": "pay\u0085x"}))
