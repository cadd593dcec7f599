"""Apply one Lambda MSK batch: decide in memory, write in bulk, commit once, publish after commit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from aws_lambda_powertools import Logger

from order_core.domain import Command, Ignored, Moved, Order, Refused, decide
from order_core.exceptions import TransientError
from order_core.service.changes import record_move
from order_core.service.ports import Changes, DeadLetter, RawRecord, UnitOfWork
from order_core.service.publishing import OutboxPublisher
from order_core.service.records import decode_records, split_commands

logger = Logger(child=True)

ORDER_NOT_FOUND = "order_not_found"


@dataclass(frozen=True)
class BatchOutcome:
    """What a batch did; `response` is the Lambda partial-batch response."""

    response: dict[str, list[dict[str, Any]]]
    records: int = 0
    transitions: int = 0
    duplicates: int = 0
    stale: int = 0
    acknowledged: int = 0
    dead_letters: dict[str, int] = field(default_factory=dict)
    published: int = 0
    unpublished: int = 0
    order_ids: list[str] = field(default_factory=list)


class BatchProcessor:
    """Applies batches of records to orders through a unit of work, then publishes their outbox rows."""

    def __init__(
        self, uow: Callable[[], UnitOfWork], publisher: OutboxPublisher, clock: Callable[[], datetime]
    ) -> None:
        self._uow = uow
        self._publisher = publisher
        self._clock = clock

    def process(self, event: Mapping[str, Any]) -> BatchOutcome:
        records = decode_records(event)
        if not records:
            return BatchOutcome(response={"batchItemFailures": []})
        commands, dead_letters = split_commands(records)
        changes = Changes(dead_letters=dead_letters)
        try:
            tally = self._apply(commands, changes)
        except TransientError as error:
            logger.warning("batch not applied; reporting it for retry", error=str(error), records=len(records))
            return BatchOutcome(response=retry_all(event), records=len(records))
        published, unpublished = self._publisher.publish_after_commit(changes)
        return BatchOutcome(
            response={"batchItemFailures": []},
            records=len(records),
            transitions=len(changes.history),
            duplicates=tally["duplicate"],
            stale=tally["stale"],
            acknowledged=tally["acknowledged"],
            dead_letters=dict(Counter(d.reason for d in changes.dead_letters)),
            published=published,
            unpublished=unpublished,
            order_ids=sorted({str(c.order_id) for _, c in commands}),
        )

    def _apply(self, commands: list[tuple[RawRecord, Command]], changes: Changes) -> Counter[str]:
        at = self._clock()
        tally: Counter[str] = Counter()
        with self._uow() as uow:
            # Sorted ids: concurrent batches lock in the same order, so they cannot deadlock.
            orders = uow.lock_orders(sorted({c.order_id for _, c in commands}))
            for record, command in commands:
                tally[_apply_one(orders, record, command, changes, at)] += 1
            uow.save(changes)
            uow.commit()
        return tally


def _apply_one(orders: dict[UUID, Order], record: RawRecord, command: Command, changes: Changes, at: datetime) -> str:
    order = orders.get(command.order_id)
    if order is None:
        changes.dead_letters.append(DeadLetter(record, ORDER_NOT_FOUND, "no such order", command.order_id))
        return ORDER_NOT_FOUND
    outcome = decide(order, command, at)
    match outcome:
        case Moved():
            orders[order.id] = outcome.order
            record_move(changes, outcome, command.trigger, record.source, at)
            return "transition"
        case Ignored():
            logger.debug("record ignored", why=outcome.why, order_id=str(order.id), source=record.source)
            return outcome.why
        case Refused():
            changes.dead_letters.append(DeadLetter(record, outcome.reason, outcome.detail, order.id))
            return outcome.reason


def retry_all(event: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """Report the first record of every partition of the batch: nothing of it was committed."""
    return {
        "batchItemFailures": [
            {"itemIdentifier": {"partition": partition, "offset": min(int(r["offset"]) for r in records)}}
            for partition, records in event.get("records", {}).items()
            if records
        ]
    }
