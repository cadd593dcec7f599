"""Read back what happened to the demo's orders: status history, outbound events, dead letters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg

from localrun.topics import read_from_start

OUTBOUND_TOPICS = ("orders.paid", "orders.cancelled", "orders.shipped")


def statuses(conn: psycopg.Connection[Any], order_ids: Sequence[UUID]) -> dict[UUID, str]:
    rows = conn.execute("SELECT id, status FROM orders WHERE id = ANY(%s)", [list(order_ids)]).fetchall()
    return {row[0]: row[1] for row in rows}


def history(conn: psycopg.Connection[Any], order_id: UUID) -> list[tuple[Any, ...]]:
    return conn.execute(
        "SELECT occurred_at, from_status, to_status, trigger, source FROM order_status_history"
        " WHERE order_id = %s ORDER BY id",
        [order_id],
    ).fetchall()


def dead_letters(conn: psycopg.Connection[Any], since: Any) -> list[tuple[Any, ...]]:
    return conn.execute(
        'SELECT topic, partition, "offset", reason, detail FROM dead_letters WHERE created_at >= %s ORDER BY id',
        [since],
    ).fetchall()


def outbound_events(brokers: str, order_ids: Sequence[UUID]) -> dict[str, list[dict[str, Any]]]:
    """Every outbound record keyed by one of order_ids, in publish order, deduped by event_id."""
    wanted = {str(order_id).encode() for order_id in order_ids}
    events: dict[str, dict[str, dict[str, Any]]] = {}
    for record in read_from_start(brokers, OUTBOUND_TOPICS, wanted):
        headers = {name: value.decode() for name, value in record.headers}
        events.setdefault(record.key.decode(), {}).setdefault(
            headers.get("event_id", ""), {"topic": record.topic, "headers": headers, "payload": record.value}
        )
    return {order_id: list(by_id.values()) for order_id, by_id in events.items()}


def print_timeline(
    label: str, order_id: UUID, *, expected: str, actual: str | None, rows: Sequence[tuple[Any, ...]],
    events: Sequence[dict[str, Any]],
) -> None:  # fmt: skip
    verdict = "ok" if actual == expected else f"EXPECTED {expected}"
    print(f"\n== {label}: order {order_id} -> {actual} ({verdict})")
    for occurred_at, from_status, to_status, trigger, source in rows:
        print(f"   {occurred_at:%H:%M:%S.%f} {from_status:>16} -> {to_status:<12} {trigger} ({source})")
    for event in events:
        headers, payload = event["headers"], event["payload"].decode()
        kind, event_id = headers.get("event_type", "?"), headers.get("event_id")
        print(f"   event {event['topic']:<16} {kind:<20} event_id={event_id} {payload}")
