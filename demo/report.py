"""Read back what happened to the demo's orders: status history, outbound events, dead letters."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

import psycopg

from localrun.topics import read_since
from order_core.topics import OUTBOUND_TOPICS


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


def ended_as_expected(actual: Mapping[UUID, str], expected: Mapping[UUID, tuple[str, str]]) -> bool:
    """Whether every order's status (`actual`) is the one `expected` of it (label, status)."""
    return all(actual.get(order_id) == status for order_id, (_, status) in expected.items())


def unpublished(conn: psycopg.Connection[Any], order_ids: Sequence[UUID]) -> int:
    """The orders' outbox events not yet acknowledged by Kafka."""
    row = conn.execute(
        "SELECT count(*) FROM outbox WHERE order_id = ANY(%s) AND published_at IS NULL", [list(order_ids)]
    ).fetchone()
    return int(row[0]) if row else 0


def poison_parked(letters: Sequence[tuple[Any, ...]]) -> bool:
    """Whether one of the dead letters (rows of `dead_letters`) is a record that was not a valid event."""
    return any(reason == "invalid_payload" for *_, reason, _detail in letters)


def outbound_events(brokers: str, order_ids: Sequence[UUID], since: datetime) -> dict[str, list[dict[str, Any]]]:
    """Every outbound record since the demo began keyed by one of order_ids, in publish order, deduped by event_id."""
    wanted = {str(order_id).encode() for order_id in order_ids}
    events: dict[str, dict[str, dict[str, Any]]] = {}
    for record in read_since(brokers, OUTBOUND_TOPICS, since, wanted):
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


def print_report(
    conn: psycopg.Connection[Any], brokers: str, expected: Mapping[UUID, tuple[str, str]], started: datetime
) -> bool:
    """One timeline per order (label, expected status) and the dead letters; True when each ended as expected."""
    actual = statuses(conn, list(expected))
    events = outbound_events(brokers, list(expected), started)
    for order_id, (label, status) in expected.items():
        print_timeline(label, order_id, expected=status, actual=actual.get(order_id), rows=history(conn, order_id),
                       events=events.get(str(order_id), []))  # fmt: skip
    letters = dead_letters(conn, started)
    print("\n== dead letters")
    for topic, partition, offset, reason, detail in letters:
        print(f"   {topic}-{partition}@{offset} {reason}: {detail}")
    return poison_parked(letters) and ended_as_expected(actual, expected)
