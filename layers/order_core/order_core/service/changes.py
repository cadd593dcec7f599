"""What a transaction writes, collected in memory, and the one place it is handed to the repositories."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID, uuid4

from order_core.contracts.outbound import OUTBOUND, encode, outbound_payload
from order_core.domain import Moved, Order
from order_core.service.ports import DeadLetter, HistoryRow, OutboxMessage, UnitOfWork


@dataclass
class Changes:
    """Status changes, history, outbox events and dead letters, written with set-based statements."""

    orders: dict[UUID, Order] = field(default_factory=dict)
    history: list[HistoryRow] = field(default_factory=list)
    outbox: list[OutboxMessage] = field(default_factory=list)
    dead_letters: list[DeadLetter] = field(default_factory=list)

    def merge(self, other: Changes) -> None:
        self.orders |= other.orders
        self.history += other.history
        self.outbox += other.outbox
        self.dead_letters += other.dead_letters

    def write(self, uow: UnitOfWork) -> None:
        """Hand everything to the unit of work, parents before children (history references orders)."""
        if self.orders:
            uow.orders.update(list(self.orders.values()))
        if self.history:
            uow.history.add(self.history)
        if self.outbox:
            uow.outbox.add(self.outbox)
        if self.dead_letters:
            uow.dead_letters.add(self.dead_letters)


def record_move(changes: Changes, moved: Moved, trigger: str, source: str, at: datetime) -> None:
    """Add one real transition (and its outbound event, if it has one) to `changes`."""
    order = moved.order
    changes.orders[order.id] = order
    changes.history.append(HistoryRow(order.id, moved.from_status, order.status, trigger, source, at))
    if moved.event is not None:
        payload = outbound_payload(moved.event)
        route = OUTBOUND[type(payload)]
        changes.outbox.append(OutboxMessage(uuid4(), order.id, route.topic, route.event_type, encode(payload), at))
