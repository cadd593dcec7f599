"""Read models returned by the query side and the API (JSON-serialisable pydantic models)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, Field, JsonValue, PlainSerializer

from order_core.domain import OrderStatus

# Money leaves the service as a decimal string with two places ("29.99"), never as a float.
MoneyText = Annotated[Decimal, PlainSerializer(lambda amount: f"{amount:.2f}", return_type=str)]


class OrderView(BaseModel):
    id: UUID
    user_id: UUID
    status: OrderStatus
    subtotal: MoneyText
    tax: MoneyText
    total: MoneyText
    currency: str
    customer_notes: str | None
    # jsonb written by the order-creation service: any JSON value (object, array, scalar, null), passed on as is.
    metadata: Annotated[JsonValue, Field(description="Any JSON value the order-creation service stored")]
    payment_id: str | None
    created_at: datetime
    updated_at: datetime


class HistoryEntry(BaseModel):
    from_status: OrderStatus
    to_status: OrderStatus
    trigger: str
    source: str
    occurred_at: datetime


class OrderDetail(BaseModel):
    order: OrderView
    history: list[HistoryEntry]


class OrderPage(BaseModel):
    items: list[OrderView]
    next_cursor: str | None
