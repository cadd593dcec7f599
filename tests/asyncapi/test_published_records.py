"""On the real Kafka: every record a test reads from a published topic is held to docs/asyncapi.yaml.

The consume fixture runs tests/contracts_check.py on each such record, so the integration and end-to-end tests
that read orders.paid/cancelled/shipped check the service's real records; here a record that breaks the
document, written by hand to the real topic under a key no other test uses, must make that fixture fail.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import pytest
from kafka import KafkaProducer


def test_consume_fails_on_a_published_record_that_breaks_the_document(
    brokers: str, consume: Callable[..., list[Any]]
) -> None:
    # Given an orders.paid record with a float amount and no event_id header
    order_id = str(uuid4())
    value = {"order_id": order_id, "user_id": str(uuid4()), "amount": 29.99, "currency": "USD",
             "payment_id": "p", "payment_date": "2026-11-24T10:00:00Z"}  # fmt: skip
    producer = KafkaProducer(bootstrap_servers=brokers, acks="all")
    try:
        producer.send(
            "orders.paid",
            key=order_id.encode(),
            value=json.dumps(value).encode(),
            headers=[("event_type", b"OrderPaidEvent"), ("content-type", b"application/json")],
        ).get(timeout=10)
    finally:
        producer.close()

    # When a test reads it, Then it fails, naming what is wrong
    with pytest.raises(AssertionError) as failure:
        consume("orders.paid", key=order_id)
    assert "payload.amount: 29.99 is not of type 'string'" in str(failure.value)
    assert "headers: 'event_id' is a required property" in str(failure.value)
