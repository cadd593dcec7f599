"""Outbound records: the seed's JSON fields and formats, key = order id, dedupe headers, order per order."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any
from uuid import UUID

from order_core.bootstrap import Container
from samples.msk import Batch
from samples.payloads import paid, reserved

RFC3339_UTC = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


def test_orders_paid_matches_the_seed_model_field_for_field(
    app: Container, make_order: Callable[..., UUID], consume: Callable[..., Any]
) -> None:
    user_id = UUID("5b0c7d8e-2f3a-4b5c-9d6e-7f8091a2b3c4")
    order_id = make_order(total=Decimal("1234.50"), currency="EUR", user_id=user_id)
    batch = Batch()
    batch.add("payments.succeeded", paid(order_id, "pay-77", amount="1234.5", currency="eur"))

    app.service.process_records(batch.records())

    [record] = consume("orders.paid", key=str(order_id))
    assert record.key == str(order_id).encode()
    assert (
        record.value
        == (
            f'{{"order_id":"{order_id}","user_id":"{user_id}","amount":"1234.50","currency":"EUR",'
            f'"payment_id":"pay-77","payment_date":"2026-11-24T10:00:00Z"}}'
        ).encode()
    )
    headers = dict(record.headers)
    assert set(headers) == {"event_id", "event_type", "content-type"}
    assert UUID(headers["event_id"].decode())
    assert headers["event_type"] == b"OrderPaidEvent"
    assert headers["content-type"] == b"application/json"


def test_cancelled_and_shipped_match_the_seed_models(
    app: Container, make_order: Callable[..., UUID], consume: Callable[..., Any]
) -> None:
    shipped_id = make_order(status="processing", payment_id="p")
    cancelled_id = make_order(status="paid", payment_id="p")

    app.service.ship(shipped_id, request_id="req-1")
    app.service.cancel(cancelled_id, "customer changed their mind", request_id="req-2")

    [shipped] = consume("orders.shipped", key=str(shipped_id))
    [cancelled] = consume("orders.cancelled", key=str(cancelled_id))
    shipped_json, cancelled_json = json.loads(shipped.value), json.loads(cancelled.value)
    assert list(shipped_json) == ["order_id", "user_id", "shipped_at"]
    assert list(cancelled_json) == ["order_id", "user_id", "reason", "cancelled_at"]
    assert cancelled_json["reason"] == "customer changed their mind"
    assert RFC3339_UTC.match(shipped_json["shipped_at"])
    assert RFC3339_UTC.match(cancelled_json["cancelled_at"])
    assert dict(shipped.headers)["event_type"] == b"OrderShippedEvent"


def test_events_of_one_order_are_published_in_transition_order(
    app: Container, make_order: Callable[..., UUID], consume: Callable[..., Any]
) -> None:
    order_id = make_order()
    batch = Batch()
    batch.add("payments.succeeded", paid(order_id))
    batch.add("inventory.reserved", reserved(order_id))
    app.service.process_records(batch.records())
    app.service.ship(order_id, request_id="req-3")
    app.service.cancel(make_order(), "unrelated", request_id="req-4")

    paid_record = consume("orders.paid", key=str(order_id))[0]
    shipped_record = consume("orders.shipped", key=str(order_id))[0]
    assert paid_record.timestamp <= shipped_record.timestamp
