"""tests/contracts_check.py accepts what the service publishes and rejects whatever the document does not allow."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from order_core.contracts.outbound import OUTBOUND, OutboundHeaders, encode, outbound_payload
from order_core.domain import DomainEvent, OrderCancelled, OrderPaid, OrderShipped
from tests.contracts_check import contract_violations

ORDER, USER = UUID("0b6a1c9e-3d4f-4a5b-8c7d-9e0f1a2b3c4d"), UUID("5b0c7d8e-2f3a-4b5c-9d6e-7f8091a2b3c4")
AT = datetime(2026, 11, 24, 12, 10, 16, 500, tzinfo=UTC)
EVENTS: list[DomainEvent] = [
    OrderPaid(ORDER, USER, Decimal("1234.50"), "EUR", "pay-1", AT),
    OrderCancelled(ORDER, USER, "Out of stock for product: sku-1", AT),
    OrderCancelled(ORDER, USER, "", AT),
    OrderShipped(ORDER, USER, AT),
]


def published(event: DomainEvent) -> tuple[str, bytes, bytes, list[tuple[str, bytes]]]:
    """The record the service's own code builds for `event`: topic, key, value, headers."""
    payload = outbound_payload(event)
    route = OUTBOUND[type(payload)]
    headers = OutboundHeaders(event_id=uuid4(), event_type=route.event_type).encode()
    return route.topic, str(event.order_id).encode(), encode(payload).encode(), headers


def paid_record(**changes: Any) -> tuple[str, bytes, bytes, list[tuple[str, bytes]]]:
    topic, key, value, headers = published(EVENTS[0])
    return topic, key, json.dumps(json.loads(value) | changes).encode(), headers


@pytest.mark.parametrize("event", EVENTS, ids=lambda e: type(e).__name__)
def test_what_the_service_builds_obeys_the_document(event: DomainEvent) -> None:
    assert contract_violations(*published(event)) == []


@pytest.mark.parametrize(
    ("changes", "violation"),
    [
        ({"loyalty_points": 3}, "payload: Additional properties are not allowed ('loyalty_points' was unexpected)"),
        ({"order_id": "order-1"}, "payload.order_id: 'order-1' is not a 'uuid'"),
        ({"payment_date": "2026-02-30T10:00:00Z"}, "payload.payment_date: '2026-02-30T10:00:00Z' is not a 'date-time'"),
        (
            {"payment_date": "2026-11-24T10:00:00.5+01:00"},
            "payload.payment_date: '2026-11-24T10:00:00.5+01:00' does not",
        ),
        ({"amount": "29.9"}, "payload.amount: '29.9' does not match"),
        ({"amount": 29.99}, "payload.amount: 29.99 is not of type 'string'"),
        ({"currency": "eur"}, "payload.currency: 'eur' does not match"),
        ({"payment_id": None}, "payload.payment_id: None is not of type 'string'"),
    ],
)
def test_a_payload_the_document_does_not_allow_is_reported(changes: dict[str, Any], violation: str) -> None:
    problems = contract_violations(*paid_record(**changes))
    assert any(problem.startswith(violation) for problem in problems), problems


def test_a_null_reason_is_reported_absent_is_fine() -> None:
    topic, key, value, headers = published(EVENTS[2])
    assert b"reason" not in value
    with_null = json.dumps(json.loads(value) | {"reason": None}).encode()
    assert contract_violations(topic, key, with_null, headers) == ["payload.reason: None is not of type 'string'"]


@pytest.mark.parametrize(
    ("headers", "violation"),
    [
        ([("event_id", b"1"), ("event_type", b"OrderPaidEvent"), ("content-type", b"application/json")], "'1' is not"),
        (
            [("event_id", str(uuid4()).encode()), ("event_type", b"OrderPaid")],
            "headers.event_type: 'OrderPaidEvent' was",
        ),
        ([("event_id", str(uuid4()).encode()), ("event_type", b"OrderPaidEvent")], "'content-type' is a required"),
        (
            [("event_id", str(uuid4()).encode()), ("event_type", b"OrderPaidEvent"), ("content-type", b"text/plain")],
            "headers.content-type: 'application/json' was expected",
        ),
        (
            [("event_id", b"x"), ("event_id", str(uuid4()).encode()), ("event_type", b"OrderPaidEvent")],
            "headers: 'event_id' appears 2 times",
        ),
    ],
)
def test_wrong_or_missing_headers_are_reported(headers: list[tuple[str, bytes]], violation: str) -> None:
    topic, key, value, _ = paid_record()
    problems = contract_violations(topic, key, value, headers)
    assert any(violation in problem for problem in problems), problems


@pytest.mark.parametrize(
    ("key", "violation"),
    [
        (None, "key: None is not of type 'string'"),
        (b"order-1", "key: 'order-1' is not a 'uuid'"),
        (str(uuid4()).encode(), "key: "),  # a uuid, but not this order's
    ],
)
def test_a_key_that_is_not_the_order_id_is_reported(key: bytes | None, violation: str) -> None:
    topic, _, value, headers = paid_record()
    problems = contract_violations(topic, key, value, headers)
    assert any(problem.startswith(violation) for problem in problems), problems
    assert any("is not the payload's order_id" in problem for problem in problems)


def test_not_json_and_unknown_topics_are_reported() -> None:
    topic, key, _, headers = paid_record()
    assert contract_violations(topic, key, b"{not json", headers)[0].startswith("payload: not JSON")
    assert contract_violations("orders.refunded", key, b"{}", headers) == [
        "topic orders.refunded is not in the document"
    ]
