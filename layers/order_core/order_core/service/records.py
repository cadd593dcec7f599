"""Turning a Lambda MSK event into records and commands; anything undecodable becomes a dead letter."""

from __future__ import annotations

import binascii
import json
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from aws_lambda_powertools.utilities.data_classes import KafkaEvent
from pydantic import ValidationError

from order_core.contracts import INBOUND_TOPICS
from order_core.domain import Command
from order_core.service.ports import DeadLetter, RawRecord

INVALID_PAYLOAD = "invalid_payload"


def decode_records(event: Mapping[str, Any]) -> list[RawRecord | DeadLetter]:
    """All records of the event: partitions in the order the event lists them, each in offset order."""
    raws = [record.raw_event for record in KafkaEvent(dict(event)).records]
    rank: dict[tuple[str, int], int] = {}
    for raw in raws:
        rank.setdefault((raw["topic"], raw["partition"]), len(rank))
    raws.sort(key=lambda raw: (rank[(raw["topic"], raw["partition"])], int(raw["offset"])))
    return [_decode(raw) for raw in raws]


def split_commands(items: list[RawRecord | DeadLetter]) -> tuple[list[tuple[RawRecord, Command]], list[DeadLetter]]:
    """The records that carry a command, and the dead letters of those that do not."""
    commands: list[tuple[RawRecord, Command]] = []
    dead_letters: list[DeadLetter] = []
    for item in items:
        parsed = item if isinstance(item, DeadLetter) else parse_command(item)
        if isinstance(parsed, DeadLetter):
            dead_letters.append(parsed)
        elif isinstance(item, RawRecord):
            commands.append((item, parsed))
    return commands, dead_letters


def _decode(raw: Mapping[str, Any]) -> RawRecord | DeadLetter:
    topic, partition, offset = str(raw["topic"]), int(raw["partition"]), int(raw["offset"])
    headers = list(raw.get("headers") or [])
    try:
        key = binascii.a2b_base64(raw["key"], strict_mode=True) if raw.get("key") is not None else None
        value = binascii.a2b_base64(raw.get("value") or "", strict_mode=True)
    except (binascii.Error, TypeError) as error:
        undecoded = RawRecord(topic, partition, offset, None, str(raw.get("value", "")).encode(), headers)
        return DeadLetter(undecoded, INVALID_PAYLOAD, f"value is not base64: {error}")
    return RawRecord(topic, partition, offset, key, value, headers)


def parse_command(record: RawRecord) -> Command | DeadLetter:
    """The record's command, or the dead letter that explains why it has none."""
    contract = INBOUND_TOPICS.get(record.topic)
    if contract is None:
        return DeadLetter(record, INVALID_PAYLOAD, f"no contract for topic {record.topic}")
    try:
        return contract.model_validate_json(record.value or b"").to_command()
    except ValidationError as error:
        return DeadLetter(record, INVALID_PAYLOAD, _describe(error), _order_id_of(record.value))


def _describe(error: ValidationError) -> str:
    problems = [f"{'.'.join(map(str, e['loc'])) or 'payload'}: {e['msg']}" for e in error.errors()]
    return "; ".join(problems)[:1000]


def _order_id_of(value: bytes | None) -> UUID | None:
    """Best effort, so an operator can find the dead letters of an order even when the payload is bad."""
    try:
        return UUID(str(json.loads(value or b"")["order_id"]))
    except (ValueError, KeyError, TypeError):
        return None
