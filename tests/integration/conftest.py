"""Fixtures for reading what the service wrote."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import UUID

import psycopg
import pytest

from bench.instrumentation import CountingConnection
from order_core.bootstrap import Container, build
from order_core.config import Settings


class Db:
    """Reads the service's tables for assertions."""

    def __init__(self, conn: psycopg.Connection[Any]) -> None:
        self.conn = conn

    def status(self, order_id: UUID) -> str:
        row = self.conn.execute("SELECT status FROM orders WHERE id = %s", [order_id]).fetchone()
        assert row is not None
        return str(row[0])

    def history(self, order_id: UUID) -> list[tuple[str, str, str]]:
        rows = self.conn.execute(
            "SELECT from_status, to_status, trigger FROM order_status_history WHERE order_id = %s ORDER BY id",
            [order_id],
        ).fetchall()
        return [tuple(r) for r in rows]

    def outbox(self, order_id: UUID) -> list[dict[str, Any]]:
        cur = self.conn.execute(
            """SELECT id, event_id, topic, event_type, payload::text AS payload, published_at
               FROM outbox WHERE order_id = %s ORDER BY id""",
            [order_id],
        )
        names = [c.name for c in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]

    def dead_letters(self, order_id: UUID | None = None, offsets: list[int] | None = None) -> list[dict[str, Any]]:
        cur = self.conn.execute(
            """SELECT topic, partition, "offset", key, value, headers, reason, detail, order_id FROM dead_letters
               WHERE (%s::uuid IS NOT NULL AND order_id = %s) OR "offset" = ANY(%s) ORDER BY id""",
            [order_id, order_id, offsets or []],
        )
        names = [c.name for c in cur.description or []]
        return [dict(zip(names, row, strict=True)) for row in cur.fetchall()]


@pytest.fixture
def db(conn: psycopg.Connection[Any]) -> Db:
    return Db(conn)


@pytest.fixture
def counted(stack_env: dict[str, str]) -> Iterator[tuple[Container, type[CountingConnection]]]:
    """Real adapters whose connection counts its round trips."""
    container = build(Settings.from_env(), connection_class=CountingConnection)
    yield container, CountingConnection
    container.close()
