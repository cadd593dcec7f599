"""Build the events AWS would hand to a function: MSK batches, the Kafka on-failure record, schedules."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

# kafka-python's ConsumerRecord.timestamp_type: 0 is CreateTime, 1 is LogAppendTime.
_TIMESTAMP_TYPES = {0: "CREATE_TIME", 1: "LOG_APPEND_TIME"}


class KafkaRecord(Protocol):
    """The fields of kafka-python's ConsumerRecord the event builder reads."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def timestamp_type(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def msk_record(record: KafkaRecord) -> dict[str, Any]:
    """One record as Lambda puts it in an MSK event (key absent when null, headers as lists of byte ints)."""
    shaped: dict[str, Any] = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": record.timestamp,
        "timestampType": _TIMESTAMP_TYPES.get(record.timestamp_type, "CREATE_TIME"),
    }
    if record.key is not None:
        shaped["key"] = _b64(record.key)
    if record.value is not None:
        shaped["value"] = _b64(record.value)
    shaped["headers"] = [{name: list(value or b"")} for name, value in record.headers]
    return shaped


def msk_event(
    records: Mapping[tuple[str, int], Sequence[KafkaRecord]],
    *,
    source: str,
    bootstrap_servers: str,
    event_source_arn: str | None,
) -> dict[str, Any]:
    """A batch as Lambda delivers it: records grouped under "<topic>-<partition>" in offset order."""
    event: dict[str, Any] = {"eventSource": "aws:kafka" if source == "MSK" else "SelfManagedKafka"}
    if source == "MSK":
        event["eventSourceArn"] = event_source_arn
    event["bootstrapServers"] = bootstrap_servers
    event["records"] = {
        f"{topic}-{partition}": [msk_record(r) for r in batch] for (topic, partition), batch in records.items()
    }
    return event


def on_failure_record(event: Mapping[str, Any], *, function_arn: str, attempts: int) -> dict[str, Any]:
    """What Lambda writes to a Kafka on-failure destination: invocation metadata and the failed batch.

    The fields are those of "Record format for a Kafka destination" in the Lambda developer guide
    (kafka-on-failure-destination): KafkaBatchInfo names the first record by offset and timestamp only;
    where the records came from is in `payload`, the MSK event itself. Nothing else is invented here.
    """
    first = next(iter(event["records"].values()))[0]
    batch_info: dict[str, Any] = {"batchSize": sum(len(batch) for batch in event["records"].values())}
    if "eventSourceArn" in event:
        batch_info["eventSourceArn"] = event["eventSourceArn"]
    batch_info |= {
        "bootstrapServers": event["bootstrapServers"],
        "payloadSize": len(json.dumps(event)),
        "recordInfo": {"offset": str(first["offset"]), "timestamp": _iso(first["timestamp"] / 1000)},
    }
    return {
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": function_arn,
            "condition": "RetryAttemptsExhausted",
            "approximateInvokeCount": attempts,
        },
        "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
        "version": "1.0",
        "timestamp": _iso(datetime.now(UTC).timestamp()),
        "KafkaBatchInfo": batch_info,
        "payload": event,
    }


def _iso(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def scheduled_event(rule_arn: str, region: str, account_id: str) -> dict[str, Any]:
    """The EventBridge "Scheduled Event" a rate()/cron() rule delivers."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": account_id,
        "time": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [rule_arn],
        "detail": {},
    }
