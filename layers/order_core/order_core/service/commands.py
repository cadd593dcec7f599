"""API commands (ship, cancel): the same state machine and unit of work as the Kafka batches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from order_core.domain import Cancel, Ignored, Moved, Refused, Ship, decide
from order_core.exceptions import OrderNotFound, TransitionRejected
from order_core.service.changes import Changes, record_move
from order_core.service.ports import OutboxMessage, UnitOfWork
from order_core.views import OrderView

# What the status history records as the cause of an API transition.
TRIGGERS: dict[type[Ship | Cancel], str] = {Ship: "api.ship", Cancel: "api.cancel"}


@dataclass(frozen=True)
class Applied:
    """A committed command: the order as its transaction left it, and the events its caller may publish at once."""

    view: OrderView
    leased: list[OutboxMessage]


def apply_command(command: Ship | Cancel, request_id: str, uow: Callable[[], UnitOfWork], at: datetime) -> Applied:
    """Lock the order, decide, write the transition; raise when the order is missing or the move is refused.

    The answer is read in the same transaction: once the command is committed, nothing else has to reach the
    database for the caller to learn the result (a read after commit could fail and hide a committed change).
    """
    trigger = TRIGGERS[type(command)]
    changes = Changes()
    with uow() as unit:
        order = unit.orders.lock([command.order_id]).get(command.order_id)
        if order is None:
            raise OrderNotFound(command.order_id)
        outcome = decide(order, command, at)
        match outcome:
            case Moved():
                record_move(changes, outcome, trigger, request_id, at)
            case Refused() | Ignored():
                detail = outcome.detail if isinstance(outcome, Refused) else outcome.why
                raise TransitionRejected(order.id, order.status, trigger, detail)
        changes.write(unit)
        view = unit.orders.view(order.id)
        if view is None:  # locked above, so only a broken adapter gets here
            raise OrderNotFound(order.id)
        unit.commit()
        return Applied(view, unit.outbox.leased())
