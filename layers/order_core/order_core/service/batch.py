"""Apply one batch of Kafka records: decide in memory, write in bulk as it is decided, commit once, publish after.

No record can fail its batch. A record that cannot be parsed or decided is a dead letter. If the bulk
write is rejected because of some record's data, the batch is applied again record by record, each in
a savepoint, and the record whose write is rejected is parked instead. Only `TransientError` escapes.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from aws_lambda_powertools import Logger

from order_core.domain import Command, Ignored, Moved, Order, Refused, decide
from order_core.exceptions import WriteRejected
from order_core.service.changes import Changes, record_move
from order_core.service.ports import DeadLetter, InboundRecord, OutboxMessage, UnitOfWork
from order_core.service.publishing import OutboxPublisher
from order_core.service.records import INTERNAL_ERROR, describe, order_id_of, parse_command

logger = Logger(child=True)

ORDER_NOT_FOUND = "order_not_found"
# Records decided per set of writes. A chunk's writes go out (pipeline mode) as soon as it is decided, so
# Postgres applies them while Python decides the next chunk, all in the one transaction. In `make bench`, where
# Postgres has a core of its own (as RDS has), a payments batch of 500 in two chunks: p50 median 150 -> 133 ms
# over five alternating pairs. Four chunks were no better beyond noise, and every chunk costs three statements.
WRITE_CHUNK = 250
Parsed = tuple[InboundRecord, Command | DeadLetter]
# What one transaction applied: the parsed records, how each came out, what it wrote, the events leased to it.
Applied = tuple[list[Parsed], Counter[str], Changes, list[OutboxMessage]]


@dataclass(frozen=True)
class BatchOutcome:
    """What a batch did, for the invocation's log line and metrics."""

    records: int = 0
    transitions: int = 0
    duplicates: int = 0
    stale: int = 0
    acknowledged: int = 0
    dead_letters: dict[str, int] = field(default_factory=dict)
    published: int = 0
    unpublished: int = 0
    order_ids: list[str] = field(default_factory=list)
    record_by_record: bool = False


class BatchProcessor:
    """Applies batches of records to orders through a unit of work, then publishes their outbox events."""

    def __init__(
        self, uow: Callable[[], UnitOfWork], publisher: OutboxPublisher, clock: Callable[[], datetime]
    ) -> None:
        self._uow = uow
        self._publisher = publisher
        self._clock = clock

    def process(self, records: Sequence[InboundRecord]) -> BatchOutcome:
        """Apply `records` (partition by partition, each in offset order); raises only `TransientError`."""
        if not records:
            return BatchOutcome()
        try:
            parsed, tally, changes, leased = self._in_bulk(records)
        except WriteRejected as error:
            logger.warning("bulk write rejected; applying the batch record by record", error=str(error))
            parsed, tally, changes, leased = self._record_by_record(records)
        published = self._publisher.publish_leased(leased)
        return BatchOutcome(
            records=len(records),
            transitions=len(changes.history),
            duplicates=tally["duplicate"],
            stale=tally["stale"],
            acknowledged=tally["acknowledged"],
            dead_letters=dict(Counter(letter.reason for letter in changes.dead_letters)),
            published=published,
            unpublished=len(changes.outbox) - published,
            order_ids=sorted({str(c.order_id) for _, c in parsed if not isinstance(c, DeadLetter)}),
            record_by_record=tally["record_by_record"] > 0,
        )

    def _in_bulk(self, records: Sequence[InboundRecord]) -> Applied:
        at, tally, changes = self._clock(), Counter[str](), Changes()
        with self._uow() as uow:
            parsed, orders = _parse_while_locking(uow, records)
            for chunk in _write_chunks(parsed):
                written = Changes()
                for record, command in chunk:
                    kind, effects = _effects(orders, record, command, at)
                    tally[kind] += 1
                    written.merge(effects)
                written.write(uow)  # Postgres applies this chunk while Python decides the next
                changes.merge(written)
            uow.commit()
            return parsed, tally, changes, uow.outbox.leased()

    def _record_by_record(self, records: Sequence[InboundRecord]) -> Applied:
        at, tally, changes = self._clock(), Counter[str](record_by_record=1), Changes()
        with self._uow() as uow:
            parsed, orders = _parse_while_locking(uow, records)
            for record, command in parsed:
                kind, effects = _apply_isolated(uow, orders, record, command, at)
                tally[kind] += 1
                changes.merge(effects)
            uow.commit()
            return parsed, tally, changes, uow.outbox.leased()


def _write_chunks(parsed: Sequence[Parsed]) -> list[list[Parsed]]:
    """The records in chunks of about WRITE_CHUNK, each order's records together and in their order.

    An order's new events then share one outbox statement, which leases them all to this invocation; an event
    written by a later statement than its order's previous one would wait behind it for the relay.
    """
    by_order: dict[UUID | None, list[Parsed]] = {}
    for record, command in parsed:
        by_order.setdefault(_order_of(command), []).append((record, command))
    chunks: list[list[Parsed]] = [[]]
    for records in by_order.values():
        if len(chunks[-1]) >= WRITE_CHUNK:
            chunks.append([])
        chunks[-1] += records
    return chunks


def _order_of(command: Command | DeadLetter) -> UUID | None:
    """The order a command moves; a dead letter moves none (whatever order id it carries for operators)."""
    return None if isinstance(command, DeadLetter) else command.order_id


def _parse_while_locking(uow: UnitOfWork, records: Sequence[InboundRecord]) -> tuple[list[Parsed], dict[UUID, Order]]:
    """Parse the records while the database locks their orders.

    The lock goes first, with each record's `order_id` read on its own: a record whose contract parses carries
    that same id in its command, and one that does not is a dead letter that needs no order. Sorted: concurrent
    batches lock in the same order, so they cannot deadlock.
    """
    ids = {order_id_of(record.value) for record in records if record.unreadable is None}
    locking = uow.orders.start_lock(sorted(i for i in ids if i is not None))
    parsed = [(record, parse_command(record)) for record in records]
    return parsed, locking()


def _effects(
    orders: dict[UUID, Order], record: InboundRecord, command: Command | DeadLetter, at: datetime
) -> tuple[str, Changes]:
    """What one record does to the orders (updating `orders` in memory) and what it writes."""
    if isinstance(command, DeadLetter):
        return command.reason, Changes(dead_letters=[command])
    order = orders.get(command.order_id)
    if order is None:
        return ORDER_NOT_FOUND, Changes(
            dead_letters=[DeadLetter(record, ORDER_NOT_FOUND, "no such order", command.order_id)]
        )
    try:
        outcome = decide(order, command, at)
        changes = Changes()
        match outcome:
            case Moved():
                record_move(changes, outcome, record.topic, record.source, at)
                orders[order.id] = outcome.order
            case Ignored():
                return outcome.why, changes
            case Refused():
                return outcome.reason, Changes(
                    dead_letters=[DeadLetter(record, outcome.reason, outcome.detail, order.id)]
                )
    except Exception as error:  # isolation: a bug in a rule parks the record, not the batch
        return INTERNAL_ERROR, Changes(dead_letters=[DeadLetter(record, INTERNAL_ERROR, describe(error), order.id)])
    return "transition", changes


def _apply_isolated(
    uow: UnitOfWork, orders: dict[UUID, Order], record: InboundRecord, command: Command | DeadLetter, at: datetime
) -> tuple[str, Changes]:
    """Write one record's effects in a savepoint; park the record instead when the database rejects them."""
    order_id = _order_of(command)
    before = orders.get(order_id) if order_id else None
    kind, effects = _effects(orders, record, command, at)
    try:
        with uow.savepoint():
            effects.write(uow)
    except WriteRejected as error:
        if before is not None and order_id is not None:
            orders[order_id] = before
        logger.warning("record parked: its write was rejected", source=record.source, error=str(error))
        kind, effects = INTERNAL_ERROR, _park_rejected(uow, record, order_id, error)
    return kind, effects


def _park_rejected(uow: UnitOfWork, record: InboundRecord, order_id: UUID | None, error: WriteRejected) -> Changes:
    letter = DeadLetter(record, INTERNAL_ERROR, f"write rejected: {error}"[:1000], order_id)
    try:
        with uow.savepoint():
            uow.dead_letters.add([letter])
    except WriteRejected:
        # Last resort: only the raw bytes, which the database always takes.
        bare = InboundRecord(record.topic, record.partition, record.offset, record.key, record.value)
        letter = DeadLetter(bare, INTERNAL_ERROR, "write rejected; headers and detail unstorable", None)
        with uow.savepoint():
            uow.dead_letters.add([letter])
    return Changes(dead_letters=[letter])
