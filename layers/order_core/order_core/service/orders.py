"""The order service facade: what the Lambda entry points call."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from uuid import UUID

from order_core.domain import Cancel, OrderStatus, Ship
from order_core.exceptions import OrderNotFound
from order_core.service.batch import BatchOutcome, BatchProcessor
from order_core.service.commands import apply_command
from order_core.service.ports import InboundRecord, OrderQueries, UnitOfWork
from order_core.service.publishing import OutboxPublisher, RelayReport
from order_core.views import OrderDetail, OrderPage, OrderView


class OrderService:
    """Kafka batches, API commands and queries, and the outbox relay, over injected ports."""

    def __init__(
        self,
        uow: Callable[[], UnitOfWork],
        queries: OrderQueries,
        publisher: OutboxPublisher,
        clock: Callable[[], datetime],
    ) -> None:
        self._uow = uow
        self._queries = queries
        self._publisher = publisher
        self._clock = clock
        self._batches = BatchProcessor(uow, publisher, clock)

    def process_records(self, records: Sequence[InboundRecord]) -> BatchOutcome:
        """Apply a batch of Kafka records; raises `TransientError` when nothing of it could be committed."""
        return self._batches.process(records)

    def ship(self, order_id: UUID, *, request_id: str) -> OrderView:
        return self._command(Ship(order_id), request_id)

    def cancel(self, order_id: UUID, reason: str, *, request_id: str) -> OrderView:
        return self._command(Cancel(order_id, reason), request_id)

    def get_order(self, order_id: UUID) -> OrderDetail:
        detail = self._queries.get_order(order_id)
        if detail is None:
            raise OrderNotFound(order_id)
        return detail

    def list_orders(self, status: OrderStatus | None, *, limit: int, cursor: str | None) -> OrderPage:
        return self._queries.list_orders(status, limit, cursor)

    def relay_outbox(self, *, limit: int = 5000) -> RelayReport:
        return self._publisher.relay(limit)

    def _command(self, command: Ship | Cancel, request_id: str) -> OrderView:
        applied = apply_command(command, request_id, self._uow, self._clock())
        self._publisher.publish_leased(applied.leased)
        return applied.view
