"""Did the service do exactly what the workload asks: every order in its final status, every event once, in order."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import psycopg

from bench.kafka_io import Outbound
from bench.workload import Workload, final_statuses


def problems(dsn: str, workload: Workload, published: Sequence[Outbound]) -> list[str]:
    """What is wrong, one line each; empty when everything is right."""
    found: list[str] = []
    statuses, expected = final_statuses(dsn, workload.orders), workload.final_statuses()
    if statuses != expected:
        found.append(f"final statuses {statuses}, expected {expected}")
    outbox = _outbox(dsn, workload)
    unpublished = [event_id for event_id, (_, _, done) in outbox.items() if not done]
    if unpublished:
        found.append(f"{len(unpublished)} outbox events not marked published")
    counts = Counter(record.event_id for record in published)
    duplicated = sum(1 for count in counts.values() if count > 1)
    if duplicated:
        found.append(f"{duplicated} events published more than once")
    if set(counts) != set(outbox):
        found.append(f"{len(set(outbox) - set(counts))} outbox events missing from Kafka, "
                     f"{len(set(counts) - set(outbox))} in Kafka but not in the outbox")  # fmt: skip
    per_topic = Counter(record.topic for record in {r.event_id: r for r in published}.values())
    wanted = {str(topic): count for topic, count in workload.outbound().items()}
    if dict(per_topic) != wanted:
        found.append(f"events per topic {dict(per_topic)}, expected {wanted}")
    found += _out_of_order(outbox, published)
    return found


def _outbox(dsn: str, workload: Workload) -> dict[str, tuple[str, int, bool]]:
    """event_id -> (order id, outbox id, published) of the workload's orders."""
    with psycopg.connect(dsn) as conn:
        rows = conn.execute(
            "SELECT event_id::text, order_id::text, id, published_at IS NOT NULL FROM outbox WHERE order_id = ANY(%s)",
            [list(workload.orders)],
        ).fetchall()
    return {event_id: (order_id, outbox_id, done) for event_id, order_id, outbox_id, done in rows}


def _out_of_order(outbox: dict[str, tuple[str, int, bool]], published: Sequence[Outbound]) -> list[str]:
    """Per order, Kafka must have the events in outbox (transition) order: producer timestamps never go back."""
    sent: dict[str, list[tuple[int, int]]] = {}
    for record in published:
        if record.event_id in outbox:
            sent.setdefault(record.order_id, []).append((outbox[record.event_id][1], record.timestamp))
    late = [order for order, events in sent.items() if [t for _, t in sorted(events)] != sorted(t for _, t in events)]
    return [f"{len(late)} orders whose events reached Kafka out of order (e.g. {late[0]})"] if late else []
