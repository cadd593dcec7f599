"""Publishing outbox rows: right after the commit that wrote them, and by the scheduled relay."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from aws_lambda_powertools import Logger

from order_core.exceptions import TransientError
from order_core.service.ports import Changes, EventBus, OrderQueries, UnitOfWork

logger = Logger(child=True)


@dataclass(frozen=True)
class RelayReport:
    published: int
    pending: int
    oldest_pending_age_seconds: float
    pruned: int


class OutboxPublisher:
    """Claims unpublished rows, sends them in order, marks what Kafka acknowledged; leaves the rest for later."""

    def __init__(
        self, uow: Callable[[], UnitOfWork], bus: EventBus, queries: OrderQueries, *, retention_days: int = 7
    ) -> None:
        self._uow = uow
        self._bus = bus
        self._queries = queries
        self._retention_days = retention_days

    def publish_after_commit(self, changes: Changes) -> tuple[int, int]:
        """Publish the outbox rows of the orders `changes` touched; a failure here never fails the caller."""
        order_ids = sorted({row.order_id for row in changes.outbox})
        if not order_ids:
            return 0, 0
        try:
            published = self._publish_once(order_ids, limit=len(changes.outbox) * 2 + 100)
        except TransientError as error:
            logger.warning("outbox rows left for the relay", error=str(error), orders=len(order_ids))
            published = 0
        return published, max(len(changes.outbox) - published, 0)

    def relay(self, limit: int) -> RelayReport:
        """Publish everything still unpublished (oldest first), prune old published rows, report the backlog."""
        published = 0
        while published < limit and (sent := self._publish_once(None, min(500, limit - published))):
            published += sent
        with self._uow() as uow:
            pruned = uow.prune_published(self._retention_days, limit)
            uow.commit()
        pending, age = self._queries.outbox_backlog()
        return RelayReport(published, pending, age, pruned)

    def _publish_once(self, order_ids: list[UUID] | None, limit: int) -> int:
        with self._uow() as uow:
            messages = uow.claim_unpublished(order_ids, limit)
            if not messages:
                return 0
            acked = self._bus.send(messages)
            uow.mark_published(acked)
            uow.commit()
        return len(acked)
