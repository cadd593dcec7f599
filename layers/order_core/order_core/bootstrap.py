"""The composition root: the one place real adapters are built. One container of them per Lambda container."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, partial
from typing import Any

import psycopg

from order_core.adapters.database import Database
from order_core.adapters.kafka import KafkaEventBus
from order_core.adapters.postgres import PostgresUnitOfWork
from order_core.adapters.queries import PostgresQueries
from order_core.adapters.secrets import database_conninfo
from order_core.config import Settings
from order_core.service.orders import OrderService
from order_core.service.publishing import OutboxPublisher


@dataclass(frozen=True)
class Container:
    """The service and the two long-lived resources behind it."""

    service: OrderService
    db: Database
    bus: KafkaEventBus

    def close(self) -> None:
        self.db.close()
        self.bus.close()


def build(settings: Settings, *, connection_class: type[psycopg.Connection[Any]] = psycopg.Connection) -> Container:
    """Wire the real adapters; opens nothing (the connection and the producer open at first use).

    `connection_class` lets a benchmark count round trips; production uses psycopg's own.
    """
    conninfo = partial(database_conninfo, settings)
    db = Database(conninfo, lock_timeout_ms=settings.db_lock_timeout_ms, connection_class=connection_class)
    bus = KafkaEventBus(settings)
    uow = partial(PostgresUnitOfWork, db)
    queries = PostgresQueries(db)
    publisher = OutboxPublisher(uow, bus, retention_days=settings.outbox_retention_days)
    return Container(OrderService(uow, queries, publisher, partial(datetime.now, UTC)), db, bus)


@cache
def container() -> Container:
    """The Lambda container's adapters, built from the environment at first call."""
    return build(Settings.from_env())


def get_service() -> OrderService:
    """The Lambda container's order service."""
    return container().service


def reset_service() -> None:
    """Close the connection and the producer and forget them (tests, local runner shutdown)."""
    if container.cache_info().currsize:
        container().close()
    container.cache_clear()
