"""Read back what happened to the demo's orders: status history, outbound events, dead letters."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import psycopg
from kafka import KafkaConsumer, TopicPartition

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
    """Every outbound record keyed by one of order_ids, read from the start of each topic, deduped by event_id."""
    wanted = {str(order_id).encode() for order_id in order_ids}
    consumer = KafkaConsumer(bootstrap_servers=brokers.split(","), enable_auto_commit=False)
    events: dict[str, dict[str, dict[str, Any]]] = {}
    try:
        partitions = [TopicPartition(t, p) for t in OUTBOUND_TOPICS for p in consumer.partitions_for_topic(t) or ()]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            for records in consumer.poll(timeout_ms=500).values():
                for record in (r for r in records if r.key in wanted):
                    headers = {name: value.decode() for name, value in record.headers}
                    events.setdefault(record.key.decode(), {}).setdefault(
                        headers.get("event_id", ""),
                        {"topic": record.topic, "headers": headers, "at": record.timestamp, "payload": record.value},
                    )
    finally:
        consumer.close()
    # Across topics, the producer's timestamps give the order the events were published in.
    return {order_id: sorted(by_id.values(), key=lambda e: e["at"]) for order_id, by_id in events.items()}


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
