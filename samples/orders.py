"""Orders as the order-creation service writes them: this service only reads and updates them, so the tests, the
benchmark and the demo insert them with the one helper here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import psycopg

# The sample order's price; the sample payments (samples.payloads) pay exactly this, so they match it.
TOTAL = Decimal("29.99")
CURRENCY = "USD"

_COPY = (
    "COPY orders (id, user_id, status, subtotal, tax, total, currency, customer_notes, metadata, payment_id) FROM STDIN"
)


@dataclass(frozen=True)
class NewOrder:
    """One row of `orders` (the seed's columns, plus payment_id); the defaults are the sample order."""

    id: UUID = field(default_factory=uuid4)
    user_id: UUID = field(default_factory=uuid4)
    status: str = "payment_required"
    total: Decimal = TOTAL
    currency: str = CURRENCY
    payment_id: str | None = None
    customer_notes: str | None = "leave at the door"
    metadata: str | None = '{"channel": "web"}'  # JSON text, stored as jsonb


def insert_orders(conn: psycopg.Connection[Any], orders: Iterable[NewOrder]) -> list[UUID]:
    """Insert the orders in one COPY (thousands a second: the benchmark's waves) and return their ids.

    Untaxed: subtotal is the total. Commits when the connection does (autocommit, or the caller's transaction).
    """
    rows = list(orders)
    with conn.cursor() as cursor, cursor.copy(_COPY) as copy:
        for o in rows:
            copy.write_row((o.id, o.user_id, o.status, o.total, 0, o.total, o.currency, o.customer_notes, o.metadata,
                            o.payment_id))  # fmt: skip
    return [o.id for o in rows]


def insert_order(conn: psycopg.Connection[Any], order_id: UUID | None = None, **columns: Any) -> UUID:
    """Insert one order; `columns` are NewOrder's other fields (status, total, currency, user_id, payment_id...)."""
    [inserted] = insert_orders(conn, [NewOrder(order_id or uuid4(), **columns)])
    return inserted
