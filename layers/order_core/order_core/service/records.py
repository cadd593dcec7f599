"""From a record's bytes to a command. Nothing about one record can escape: it is a command or a dead letter."""

from __future__ import annotations

from uuid import UUID

from pydantic import ValidationError

from order_core.contracts.inbound import INBOUND, InboundEvent, OrderIdOnly
from order_core.domain import Command
from order_core.service.ports import DeadLetter, InboundRecord

INVALID_PAYLOAD = "invalid_payload"
INTERNAL_ERROR = "internal_error"
# Errors of parsing hostile bytes (pydantic reports most as ValidationError; these escape it).
_UNPARSEABLE = (ValidationError, ValueError, RecursionError, OverflowError, UnicodeError)


def parse_command(record: InboundRecord) -> Command | DeadLetter:
    """The record's command, or the dead letter that explains why it has none."""
    if record.unreadable is not None:
        return DeadLetter(record, INVALID_PAYLOAD, record.unreadable)
    contract: type[InboundEvent] | None = INBOUND.get(record.topic)  # type: ignore[call-overload]
    if contract is None:
        return DeadLetter(record, INVALID_PAYLOAD, f"no contract for topic {record.topic}")
    try:
        return contract.model_validate_json(record.value or b"").to_command()
    except _UNPARSEABLE as error:
        return DeadLetter(record, INVALID_PAYLOAD, describe(error), order_id_of(record.value))
    except Exception as error:  # isolation: a bug in one contract parks one record
        return DeadLetter(record, INTERNAL_ERROR, describe(error), order_id_of(record.value))


def describe(error: Exception) -> str:
    """A dead letter's detail: the problems pydantic found, or the exception's type and message."""
    if isinstance(error, ValidationError):
        problems = [f"{'.'.join(map(str, e['loc'])) or 'payload'}: {e['msg']}" for e in error.errors()]
        return "; ".join(problems)[:1000]
    return f"{type(error).__name__}: {error}"[:1000]


def order_id_of(value: bytes | None) -> UUID | None:
    """Best effort, so an operator can find the dead letters of an order even when the payload is bad."""
    try:
        return OrderIdOnly.model_validate_json(value or b"").order_id
    except Exception:  # anything goes wrong: the letter simply has no order id
        return None
