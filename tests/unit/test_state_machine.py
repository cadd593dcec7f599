"""Every row and every "otherwise" of the state machine table in DESIGN.md, on the pure domain."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from order_core.domain import (
    Cancel,
    Command,
    Ignored,
    InventoryReserved,
    Moved,
    Order,
    OrderCancelled,
    OrderCreated,
    OrderPaid,
    OrderShipped,
    OrderStatus,
    OutOfStock,
    PaymentFailed,
    PaymentSucceeded,
    Refused,
    Ship,
    decide,
)

S = OrderStatus
AT = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
ORDER = Order(uuid4(), uuid4(), S.PAYMENT_REQUIRED, Decimal("29.99"), "USD", None)


def order_in(status: OrderStatus, payment_id: str | None = None) -> Order:
    return replace(ORDER, status=status, payment_id=payment_id)


def pay(payment_id: str = "pay-1", amount: str = "29.99", currency: str = "USD") -> PaymentSucceeded:
    return PaymentSucceeded(ORDER.id, payment_id, Decimal(amount), currency)


COMMANDS: dict[str, Command] = {
    "created": OrderCreated(ORDER.id),
    "paid": pay(),
    "payment_failed": PaymentFailed(ORDER.id, "pay-0", "declined"),
    "reserved": InventoryReserved(ORDER.id),
    "out_of_stock": OutOfStock(ORDER.id, "sku-42"),
    "ship": Ship(ORDER.id),
    "cancel": Cancel(ORDER.id, "customer asked"),
}

# (trigger, from status) -> expected: a status moved to, or the kind of ignore, or "refused:<reason>"
TABLE: dict[tuple[str, OrderStatus], str] = {
    ("created", S.PAYMENT_REQUIRED): "acknowledged",
    **{("created", s): "stale" for s in S if s is not S.PAYMENT_REQUIRED},
    ("paid", S.PAYMENT_REQUIRED): "->paid",
    ("paid", S.PAYMENT_FAILED): "->paid",
    **{("paid", s): "refused:duplicate_payment" for s in (S.PAID, S.PROCESSING, S.SHIPPED, S.DELIVERED)},
    ("paid", S.CANCELLED): "refused:payment_after_cancel",
    ("payment_failed", S.PAYMENT_REQUIRED): "->payment_failed",
    ("payment_failed", S.PAYMENT_FAILED): "duplicate",
    **{("payment_failed", s): "stale" for s in (S.PAID, S.PROCESSING, S.SHIPPED, S.DELIVERED, S.CANCELLED)},
    ("reserved", S.PAID): "->processing",
    ("reserved", S.PROCESSING): "duplicate",
    **{("reserved", s): "stale" for s in (S.SHIPPED, S.DELIVERED, S.CANCELLED)},
    **{("reserved", s): "refused:invalid_transition" for s in (S.PAYMENT_REQUIRED, S.PAYMENT_FAILED)},
    **{("out_of_stock", s): "->cancelled" for s in (S.PAYMENT_REQUIRED, S.PAYMENT_FAILED, S.PAID, S.PROCESSING)},
    ("out_of_stock", S.CANCELLED): "duplicate",
    **{("out_of_stock", s): "refused:invalid_transition" for s in (S.SHIPPED, S.DELIVERED)},
    ("ship", S.PROCESSING): "->shipped",
    **{("ship", s): "refused:invalid_transition" for s in S if s is not S.PROCESSING},
    **{("cancel", s): "->cancelled" for s in (S.PAYMENT_REQUIRED, S.PAYMENT_FAILED, S.PAID, S.PROCESSING)},
    **{("cancel", s): "refused:invalid_transition" for s in (S.SHIPPED, S.DELIVERED, S.CANCELLED)},
}


def summarise(outcome: Moved | Ignored | Refused) -> str:
    match outcome:
        case Moved():
            return f"->{outcome.order.status}"
        case Ignored():
            return outcome.why
        case Refused():
            return f"refused:{outcome.reason}"


def test_the_table_covers_every_trigger_from_every_status() -> None:
    assert {(t, s) for t in COMMANDS for s in S} == set(TABLE)


@pytest.mark.parametrize(("trigger", "status"), sorted(TABLE), ids=str)
def test_transition_table(trigger: str, status: OrderStatus) -> None:
    # A paid-or-later order was paid by another payment than the one in COMMANDS["paid"].
    order = order_in(status, payment_id="pay-0" if status not in (S.PAYMENT_REQUIRED, S.PAYMENT_FAILED) else None)
    assert summarise(decide(order, COMMANDS[trigger], AT)) == TABLE[(trigger, status)]


def test_real_transitions_record_where_they_came_from() -> None:
    outcome = decide(order_in(S.PAID, "pay-0"), InventoryReserved(ORDER.id), AT)
    assert isinstance(outcome, Moved)
    assert (outcome.from_status, outcome.order.status, outcome.event) == (S.PAID, S.PROCESSING, None)


def test_payment_records_the_payment_and_publishes_orders_paid() -> None:
    outcome = decide(order_in(S.PAYMENT_REQUIRED), pay("pay-7"), AT)
    assert isinstance(outcome, Moved)
    assert outcome.order.payment_id == "pay-7"
    assert outcome.event == OrderPaid(ORDER.id, ORDER.user_id, Decimal("29.99"), "USD", "pay-7", AT)


def test_payment_retry_after_failure_is_accepted() -> None:
    outcome = decide(order_in(S.PAYMENT_FAILED), pay("pay-retry"), AT)
    assert isinstance(outcome, Moved)
    assert outcome.order.status is S.PAID


@pytest.mark.parametrize("status", [S.PAID, S.PROCESSING, S.SHIPPED])
def test_the_same_payment_again_is_a_duplicate(status: OrderStatus) -> None:
    assert decide(order_in(status, "pay-1"), pay("pay-1"), AT) == Ignored("duplicate")


@pytest.mark.parametrize(("amount", "currency"), [("29.98", "USD"), ("30.00", "USD"), ("29.99", "EUR")])
def test_payment_mismatch_is_refused_and_leaves_the_status(amount: str, currency: str) -> None:
    outcome = decide(order_in(S.PAYMENT_REQUIRED), pay(amount=amount, currency=currency), AT)
    assert isinstance(outcome, Refused)
    assert outcome.reason == "payment_mismatch"
    assert amount in outcome.detail


def test_out_of_stock_cancels_with_the_seed_reason() -> None:
    outcome = decide(order_in(S.PROCESSING, "pay-0"), OutOfStock(ORDER.id, "sku-42"), AT)
    assert isinstance(outcome, Moved)
    assert outcome.event == OrderCancelled(ORDER.id, ORDER.user_id, "Out of stock for product: sku-42", AT)


def test_ship_publishes_orders_shipped() -> None:
    outcome = decide(order_in(S.PROCESSING, "pay-0"), Ship(ORDER.id), AT)
    assert isinstance(outcome, Moved)
    assert outcome.event == OrderShipped(ORDER.id, ORDER.user_id, AT)


def test_cancel_on_request_carries_the_reason() -> None:
    outcome = decide(order_in(S.PAID, "pay-0"), Cancel(ORDER.id, "changed my mind"), AT)
    assert isinstance(outcome, Moved)
    assert outcome.event == OrderCancelled(ORDER.id, ORDER.user_id, "changed my mind", AT)


@pytest.mark.parametrize("trigger", ["payment_failed", "out_of_stock"])
def test_a_shipped_order_never_moves_backwards(trigger: str) -> None:
    """The seed skipped the status check for these two and could move a shipped order backwards."""
    outcome = decide(order_in(S.SHIPPED, "pay-0"), COMMANDS[trigger], AT)
    assert not isinstance(outcome, Moved)
