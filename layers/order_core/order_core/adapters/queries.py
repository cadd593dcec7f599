"""The read side in Postgres: an order with its history, and keyset-paginated lists by status."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from uuid import UUID

from psycopg.rows import class_row

from order_core.adapters.database import Database
from order_core.adapters.sql import GET_ORDER, ORDER_COLUMNS
from order_core.domain import OrderStatus
from order_core.exceptions import InvalidCursor
from order_core.service.ports import OrderQueries
from order_core.views import HistoryEntry, OrderDetail, OrderPage, OrderView

GET_HISTORY = """
    SELECT from_status, to_status, trigger, source, occurred_at FROM order_status_history
    WHERE order_id = %s ORDER BY id"""

# (created_at, id) is the keyset: stable under inserts, served by orders_status_created_id_idx, or without a
# status by orders_created_id_idx. Two statements, not `status IS NULL OR …`, so a prepared plan keeps its index.
LIST_ORDERS = """
    SELECT {columns} FROM orders
    WHERE {status} deleted_at IS NULL
      AND (%(after_at)s::timestamptz IS NULL OR (created_at, id) > (%(after_at)s, %(after_id)s::uuid))
    ORDER BY created_at, id
    LIMIT %(limit)s"""
LIST_BY_STATUS = LIST_ORDERS.format(columns=ORDER_COLUMNS, status="status = %(status)s AND")
LIST_ALL = LIST_ORDERS.format(columns=ORDER_COLUMNS, status="")


class PostgresQueries(OrderQueries):
    """Reads in short transactions on the container's connection."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def get_order(self, order_id: UUID) -> OrderDetail | None:
        with self._db.transaction() as conn:
            with conn.cursor(row_factory=class_row(OrderView)) as cur:
                order = cur.execute(GET_ORDER, [order_id]).fetchone()
            if order is None:
                return None
            with conn.cursor(row_factory=class_row(HistoryEntry)) as cur:
                history = cur.execute(GET_HISTORY, [order_id]).fetchall()
        return OrderDetail(order=order, history=history)

    def list_orders(self, status: OrderStatus | None, limit: int, cursor: str | None) -> OrderPage:
        after_at, after_id = decode_cursor(cursor) if cursor else (None, None)
        params = {"status": status, "after_at": after_at, "after_id": after_id, "limit": limit + 1}
        with self._db.transaction() as conn, conn.cursor(row_factory=class_row(OrderView)) as cur:
            rows = cur.execute(LIST_ALL if status is None else LIST_BY_STATUS, params).fetchall()
        items, more = rows[:limit], len(rows) > limit
        return OrderPage(items=items, next_cursor=encode_cursor(items[-1]) if more else None)


def encode_cursor(last: OrderView) -> str:
    raw = json.dumps({"at": last.created_at.isoformat(), "id": str(last.id)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        return datetime.fromisoformat(raw["at"]), UUID(raw["id"])
    except (binascii.Error, ValueError, KeyError, TypeError, AttributeError) as error:
        raise InvalidCursor(f"invalid cursor: {cursor!r}") from error
