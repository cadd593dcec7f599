"""Turning a Lambda MSK event into records and commands; anything undecodable becomes a dead letter."""

from __future__ import annotations

import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from aws_lambda_powertools.utilities.data_classes import KafkaEvent
from pydantic import ValidationError

from order_core.contracts import INBOUND_TOPICS
from order_core.domain import Command
from order_core.service.ports import DeadLetter

INVALID_PAYLOAD = "invalid_payload"


@dataclass(frozen=True)
class InboundRecord:
    """One Kafka record as the event source mapping delivered it, with its raw bytes."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[dict[str, Any]]
    decode_error: str | None = None

    @property
    def source(self) -> str:
        """Where this record came from: `<topic>-<partition>@<offset>`."""
        return f"{self.topic}-{self.partition}@{self.offset}"

    def dead_letter(self, reason: str, detail: str, order_id: UUID | None = None) -> DeadLetter:
        return DeadLetter(
            self.topic, self.partition, self.offset, self.key, self.value, self.headers, reason, detail, order_id
        )


def decode_records(event: Mapping[str, Any]) -> list[InboundRecord]:
    """All records of the event: partitions in the order the event lists them, each in offset order."""
    records = [_decode(record.raw_event) for record in KafkaEvent(dict(event)).records]
    rank: dict[tuple[str, int], int] = {}
    for record in records:
        rank.setdefault((record.topic, record.partition), len(rank))
    return sorted(records, key=lambda r: (rank[(r.topic, r.partition)], r.offset))


def _decode(raw: Mapping[str, Any]) -> InboundRecord:
    topic, partition, offset = str(raw["topic"]), int(raw["partition"]), int(raw["offset"])
    headers = list(raw.get("headers") or [])
    try:
        key = binascii.a2b_base64(raw["key"], strict_mode=True) if raw.get("key") is not None else None
        value = binascii.a2b_base64(raw.get("value") or "", strict_mode=True)
    except (binascii.Error, TypeError) as error:
        raw_value = str(raw.get("value", "")).encode()
        return InboundRecord(topic, partition, offset, None, raw_value, headers, f"value is not base64: {error}")
    return InboundRecord(topic, partition, offset, key, value, headers)


def parse_command(record: InboundRecord) -> Command | DeadLetter:
    """The record's command, or the dead letter that explains why it has none."""
    if record.decode_error:
        return record.dead_letter(INVALID_PAYLOAD, record.decode_error)
    contract = INBOUND_TOPICS.get(record.topic)
    if contract is None:
        return record.dead_letter(INVALID_PAYLOAD, f"no contract for topic {record.topic}")
    try:
        return contract.model_validate_json(record.value or b"").to_command()
    except ValidationError as error:
        return record.dead_letter(INVALID_PAYLOAD, _describe(error), _order_id_of(record.value))


def _describe(error: ValidationError) -> str:
    problems = [f"{'.'.join(map(str, e['loc'])) or 'payload'}: {e['msg']}" for e in error.errors()]
    return "; ".join(problems)[:1000]


def _order_id_of(value: bytes | None) -> UUID | None:
    """Best effort, so an operator can find the dead letters of an order even when the payload is bad."""
    try:
        return UUID(str(json.loads(value or b"")["order_id"]))
    except (ValueError, KeyError, TypeError):
        return None
