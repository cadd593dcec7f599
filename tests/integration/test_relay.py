"""The outbox relay never overtakes an event another publisher holds, and reports the backlog."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import psycopg

from order_core.bootstrap import Container
from order_core.contracts.outbound import OUTBOUND, encode, outbound_payload
from order_core.domain import DomainEvent, OrderCancelled, OrderPaid, OrderShipped
from tests.integration.conftest import Db


def add_outbox_rows(conn: psycopg.Connection[Any], order_id: UUID, topics: list[str]) -> list[int]:
    """Unpublished events of `order_id` for `topics`, in order, as the service writes them: what the relay
    publishes must obey docs/asyncapi.yaml (a topic the service does not publish to gets an orders.shipped)."""
    at = datetime.now(UTC)
    events: dict[str, DomainEvent] = {
        "orders.paid": OrderPaid(order_id, order_id, Decimal("1.00"), "USD", "pay-1", at),
        "orders.cancelled": OrderCancelled(order_id, order_id, "asked", at),
    }
    ids: list[int] = []
    for topic in topics:
        payload = outbound_payload(events.get(topic, OrderShipped(order_id, order_id, at)))
        ids += [
            row[0]
            for row in conn.execute(
                """INSERT INTO outbox (event_id, order_id, topic, event_type, payload)
                   VALUES (gen_random_uuid(), %s, %s, %s, %s) RETURNING id""",
                [order_id, topic, OUTBOUND[type(payload)].event_type, encode(payload)],
            )
        ]
    return ids


def test_the_relay_skips_an_order_whose_earlier_event_is_held_elsewhere(
    app: Container, make_order: Callable[..., UUID], db: Db, db_dsn: str
) -> None:
    # Given an order with two unpublished events, the first held by another publisher's transaction
    order_id = make_order()
    first, second = add_outbox_rows(db.conn, order_id, ["orders.paid", "orders.shipped"])
    with psycopg.connect(db_dsn) as other_publisher:
        other_publisher.execute("SELECT 1 FROM outbox WHERE id = %s FOR UPDATE", [first])

        # When the relay runs
        app.service.relay_outbox()

        # Then it did not publish the second one ahead of the first
        assert [r["published_at"] is None for r in db.outbox(order_id)] == [True, True]

    # And once the other publisher let go, both go out, in order
    app.service.relay_outbox()
    published = db.outbox(order_id)
    assert [r["id"] for r in published] == [first, second]
    assert None not in (published[0]["published_at"], published[1]["published_at"])
    assert published[0]["published_at"] <= published[1]["published_at"]


def test_the_relay_prunes_published_rows_past_their_retention(
    app: Container, make_order: Callable[..., UUID], db: Db
) -> None:
    # Given an order's events published 8 days and 1 day ago (retention: 7 days)
    order_id = make_order()
    old, recent = add_outbox_rows(db.conn, order_id, ["orders.paid", "orders.shipped"])
    db.conn.execute(
        "UPDATE outbox SET published_at = now() - CASE WHEN id = %s THEN interval '8 days' ELSE interval '1 day' END"
        " WHERE id = ANY(%s)",
        [old, [old, recent]],
    )

    # When the relay runs
    report = app.service.relay_outbox()

    # Then only the row past its retention is gone
    assert report.pruned >= 1
    assert [row["id"] for row in db.outbox(order_id)] == [recent]
