"""Recording a transition as the rows one transaction writes: the order, its history, its outbox event."""

from __future__ import annotations

from datetime import datetime
from uuid import uuid4

from order_core.contracts import encode, outbound
from order_core.domain import Moved
from order_core.service.ports import Changes, HistoryRow, OutboxRow


def record_move(changes: Changes, moved: Moved, trigger: str, source: str, at: datetime) -> None:
    """Add one real transition (and its outbound event, if it has one) to `changes`."""
    order = moved.order
    changes.orders[order.id] = order
    changes.history.append(HistoryRow(order.id, moved.from_status, order.status, trigger, source, at))
    if moved.event is not None:
        topic, payload = outbound(moved.event)
        event_type = type(payload).__name__
        changes.outbox.append(OutboxRow(uuid4(), order.id, topic, event_type, encode(payload), at))
