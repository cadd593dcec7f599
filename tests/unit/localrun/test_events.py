"""The MSK event builder produces exactly Lambda's shape."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

from localrun.events import msk_event, on_failure_record


@dataclass
class Record:
    topic: str = "payments.succeeded"
    partition: int = 2
    offset: int = 41
    timestamp: int = 1764000000000
    timestamp_type: int = 0
    key: bytes | None = b"order-1"
    value: bytes | None = b'{"order_id": "x"}'
    headers: list[tuple[str, bytes]] = field(default_factory=lambda: [("event_id", b"ab")])


def test_msk_event_groups_records_by_topic_partition() -> None:
    event = msk_event(
        {("payments.succeeded", 2): [Record(), Record(offset=42, key=None, timestamp_type=1, headers=[])]},
        source="MSK", bootstrap_servers="b-1:9098,b-2:9098", event_source_arn="arn:aws:kafka:x",
    )  # fmt: skip

    assert event == {
        "eventSource": "aws:kafka",
        "eventSourceArn": "arn:aws:kafka:x",
        "bootstrapServers": "b-1:9098,b-2:9098",
        "records": {
            "payments.succeeded-2": [
                {"topic": "payments.succeeded", "partition": 2, "offset": 41, "timestamp": 1764000000000,
                 "timestampType": "CREATE_TIME", "key": base64.b64encode(b"order-1").decode(),
                 "value": base64.b64encode(b'{"order_id": "x"}').decode(), "headers": [{"event_id": [97, 98]}]},
                {"topic": "payments.succeeded", "partition": 2, "offset": 42, "timestamp": 1764000000000,
                 "timestampType": "LOG_APPEND_TIME", "value": base64.b64encode(b'{"order_id": "x"}').decode(),
                 "headers": []},
            ]
        },
    }  # fmt: skip


def test_self_managed_kafka_has_no_arn() -> None:
    event = msk_event({("t", 0): [Record()]}, source="SelfManagedKafka", bootstrap_servers="b", event_source_arn=None)

    assert event["eventSource"] == "SelfManagedKafka"
    assert "eventSourceArn" not in event


def test_on_failure_record_has_the_fields_aws_writes_and_the_batch() -> None:
    event = msk_event({("t", 1): [Record(topic="t", partition=1)]}, source="MSK", bootstrap_servers="b",
                      event_source_arn="arn")  # fmt: skip

    record = on_failure_record(event, function_arn="arn:fn", attempts=3)

    assert record["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert record["requestContext"]["approximateInvokeCount"] == 3
    assert record["requestContext"]["functionArn"] == "arn:fn"
    # "Record format for a Kafka destination" (Lambda developer guide): where the records came from is in the payload
    assert record["KafkaBatchInfo"] == {
        "batchSize": 1,
        "eventSourceArn": "arn",
        "bootstrapServers": "b",
        "payloadSize": len(json.dumps(event)),
        "recordInfo": {"offset": "41", "timestamp": "2025-11-24T16:00:00.000Z"},
    }
    assert record["payload"] == event
    assert set(record) == {"requestContext", "responseContext", "version", "timestamp", "KafkaBatchInfo", "payload"}
