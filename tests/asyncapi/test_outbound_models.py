"""The outbound models hold what the document promises: a payload that breaks it is refused before it is sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest
from pydantic import ValidationError

from order_core.contracts.outbound import (
    OrderCancelledEvent,
    OrderPaidEvent,
    OutboundHeaders,
    encode,
    outbound_payload,
    rfc3339,
)
from order_core.domain import OrderPaid

ORDER, USER = UUID("0b6a1c9e-3d4f-4a5b-8c7d-9e0f1a2b3c4d"), UUID("5b0c7d8e-2f3a-4b5c-9d6e-7f8091a2b3c4")
PAID: dict[str, Any] = {
    "order_id": ORDER,
    "user_id": USER,
    "amount": "29.99",
    "currency": "USD",
    "payment_id": "pay-1",
    "payment_date": "2026-11-24T12:10:16Z",
}


@pytest.mark.parametrize(
    "change",
    [
        {"amount": "29.9"},
        {"amount": "-1.00"},
        {"amount": "029.99"},
        {"amount": "12345678901.00"},
        {"currency": "usd"},
        {"payment_id": ""},
        {"payment_date": "2026-11-24T12:10:16+00:00"},
        {"payment_date": "2026-11-24T12:10:16.123Z"},
        {"order_id": "order-1"},
        {"loyalty_points": 3},
    ],
)
def test_a_payload_the_document_does_not_allow_cannot_be_built(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        OrderPaidEvent(**PAID | change)


def test_the_largest_amount_numeric_12_2_holds_is_allowed() -> None:
    assert encode(OrderPaidEvent(**PAID | {"amount": "9999999999.99"})).count("9999999999.99") == 1


def test_timestamps_are_utc_to_the_second_and_years_before_1000_are_padded() -> None:
    assert rfc3339(datetime(2026, 11, 24, 13, 10, 16, 999999, tzinfo=timezone(timedelta(hours=1)))) == (
        "2026-11-24T12:10:16Z"
    )
    # strftime("%Y") wrote "1-01-01T00:00:00Z" for a payment dated 0001-01-01, which is no RFC 3339 date.
    assert rfc3339(datetime(1, 1, 1, tzinfo=UTC)) == "0001-01-01T00:00:00Z"
    early = outbound_payload(OrderPaid(ORDER, USER, Decimal("1.00"), "USD", "p", datetime(999, 5, 1, tzinfo=UTC)))
    assert '"payment_date":"0999-05-01T00:00:00Z"' in encode(early)


def test_a_reason_is_absent_or_text_never_empty_nor_null() -> None:
    base: dict[str, Any] = {"order_id": ORDER, "user_id": USER, "cancelled_at": "2026-11-24T12:10:16Z"}
    assert "reason" not in encode(OrderCancelledEvent(**base))
    with pytest.raises(ValidationError):
        OrderCancelledEvent(**base, reason="")
    schema = OrderCancelledEvent.model_json_schema(mode="serialization")["properties"]["reason"]
    assert schema == {"minLength": 1, "title": "Reason", "type": "string"}


def test_headers_are_the_three_the_adapter_sends_in_order() -> None:
    model = OutboundHeaders(event_id=ORDER, event_type="OrderPaidEvent")
    assert model.encode() == [
        ("event_id", str(ORDER).encode()),
        ("event_type", b"OrderPaidEvent"),
        ("content-type", b"application/json"),
    ]
    # encode() writes the fields out by hand: it must stay what the model (and the AsyncAPI document) says.
    assert model.encode() == [
        (name, value.encode()) for name, value in model.model_dump(mode="json", by_alias=True).items()
    ]
