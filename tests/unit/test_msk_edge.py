"""The Kafka transport at the edge: reading MSK events into records, the partial-batch response."""

from __future__ import annotations

import pytest

from order_core.entrypoints.msk import batch_position, read_records, retry_response
from tests.support import Batch


def test_records_come_partition_by_partition_in_offset_order_with_their_raw_bytes() -> None:
    batch = Batch()
    batch.add("payments.failed", b"a", partition=2, key="k-1")
    batch.add("payments.failed", b"b", partition=0)
    batch.add("payments.failed", b"c", partition=2)
    event = batch.event()
    event["records"]["payments.failed-2"].reverse()  # the ESM lists offsets in order; the reader does not rely on it

    records = read_records(event)

    assert [(r.partition, r.value, r.key) for r in records] == [(2, b"a", b"k-1"), (2, b"c", None), (0, b"b", None)]
    assert records[0].headers == (("source", b"tests"),)
    assert records[0].offset < records[1].offset


def test_a_record_the_transport_cannot_decode_is_kept_as_it_arrived_and_marked_unreadable() -> None:
    batch = Batch()
    batch.add("payments.failed", b"fine")
    event = batch.event()
    [raw] = event["records"]["payments.failed-0"]
    raw["value"] = "not*base64"
    raw["headers"] = [{"bad": "not a byte list"}]

    [record] = read_records(event)

    assert record.value == b"not*base64"
    assert record.unreadable is not None
    assert "not an MSK record" in record.unreadable


def test_a_retry_reports_the_first_offset_of_every_partition_in_the_aws_format() -> None:
    batch = Batch()
    first = batch.add("payments.failed", b"x", partition=1)
    batch.add("payments.failed", b"y", partition=1)
    other = batch.add("inventory.reserved", b"z", partition=0)

    records = read_records(batch.event())

    assert retry_response(records) == {
        "batchItemFailures": [
            {"itemIdentifier": {"partition": "payments.failed-1", "offset": first}},
            {"itemIdentifier": {"partition": "inventory.reserved-0", "offset": other}},
        ]
    }
    assert batch_position(records) == f"inventory.reserved-0@{other}-{other},payments.failed-1@{first}-{first + 1}"


def test_an_event_without_records_has_none() -> None:
    assert read_records({"eventSource": "aws:kafka", "records": {}}) == []
    assert retry_response([]) == {"batchItemFailures": []}


def test_an_event_that_is_not_a_kafka_batch_fails_the_invocation() -> None:
    with pytest.raises(ValueError, match="not a Kafka event"):
        read_records({"httpMethod": "POST", "path": "/orders/1/ship"})
