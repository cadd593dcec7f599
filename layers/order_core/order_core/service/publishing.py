"""Publishing outbox events: right after the commit that wrote them, and by the scheduled relay.

Per order, events go out in transition order: one event per order per send, the next only after Kafka
acknowledged the previous one. Messages are independent across orders: one that cannot be sent backs off
on its own (its attempts and age are reported) while every other order's events go on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from uuid import UUID

from aws_lambda_powertools import Logger

from order_core.exceptions import TransientError
from order_core.service.ports import EventBus, OutboxMessage, UnitOfWork

logger = Logger(child=True)

RELAY_CLAIM = 500


@dataclass(frozen=True)
class RelayReport:
    published: int
    failed: int
    pending: int
    oldest_pending_age_seconds: float
    max_attempts: int
    pruned: int


@dataclass(frozen=True)
class Sent:
    """What one publishing round did: the events to mark published, and why the others failed."""

    published: list[UUID]
    failed: dict[UUID, str]


class OutboxPublisher:
    """Sends outbox events in per-order order and records what Kafka acknowledged."""

    def __init__(self, uow: Callable[[], UnitOfWork], bus: EventBus, *, retention_days: int = 7) -> None:
        self._uow = uow
        self._bus = bus
        self._retention_days = retention_days

    def publish_leased(self, messages: Sequence[OutboxMessage]) -> int:
        """Publish events a committed transaction reserved for its caller; never fails the caller."""
        if not messages:
            return 0
        sent = self.send_in_order(messages)
        try:
            with self._uow() as uow:
                uow.outbox.record_deliveries(sent.published, sent.failed)
                uow.commit()
        except TransientError as error:
            # Sent but not marked: the relay sends them again after the lease, with the same event ids.
            logger.warning("published events not marked; the relay will re-send", error=str(error))
            return 0
        return len(sent.published)

    def relay(self, limit: int) -> RelayReport:
        """Publish what is due (oldest first), prune old published rows, report the backlog."""
        published = failed = 0
        while published + failed < limit:
            with self._uow() as uow:
                claimed = uow.outbox.claim(min(RELAY_CLAIM, limit - published - failed))
                if not claimed:
                    break
                sent = self.send_in_order(claimed)
                uow.outbox.record_deliveries(sent.published, sent.failed)
                uow.commit()
            published, failed = published + len(sent.published), failed + len(sent.failed)
        with self._uow() as uow:
            pruned = uow.outbox.prune(self._retention_days, limit)
            backlog = uow.outbox.backlog()
            uow.commit()
        return RelayReport(published, failed, backlog.pending, backlog.oldest_age_seconds, backlog.max_attempts, pruned)

    def send_in_order(self, messages: Sequence[OutboxMessage]) -> Sent:
        """Send in rounds of at most one event per order; an order stops at its first failure."""
        queues: dict[UUID, list[OutboxMessage]] = {}
        for message in messages:
            queues.setdefault(message.order_id, []).append(message)
        published: list[UUID] = []
        failed: dict[UUID, str] = {}
        while queues:
            round_ = [queue.pop(0) for queue in queues.values()]
            results = self._bus.send(round_)
            for message in round_:
                error = results.get(message.event_id, "not sent")
                if error is None:
                    published.append(message.event_id)
                else:
                    failed[message.event_id] = error
                    queues[message.order_id].clear()
            queues = {order_id: queue for order_id, queue in queues.items() if queue}
        if failed:
            logger.warning(
                "outbox events not acknowledged; they back off", failed=len(failed), sample=next(iter(failed.values()))
            )
        return Sent(published, failed)
