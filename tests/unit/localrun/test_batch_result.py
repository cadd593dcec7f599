"""How the runner reads an invocation's outcome, as the event source mapping does."""

from __future__ import annotations

from typing import Any

import pytest
from kafka import TopicPartition

from localrun.batch_result import RetryCounter, failed_offsets
from localrun.invoke import Invocation
from samples.msk import Record

P0, P1 = TopicPartition("payments.succeeded", 0), TopicPartition("payments.succeeded", 1)
BATCH = {
    P0: [Record("payments.succeeded", 0, offset, None, b"{}") for offset in (10, 11, 12)],
    P1: [Record("payments.succeeded", 1, offset, None, b"{}") for offset in (40, 41)],
}


def returned(result: Any) -> Invocation:
    return Invocation(result=result, error=None, request_id="r")


def failure(partition: str, offset: Any) -> dict[str, Any]:
    return {"itemIdentifier": {"partition": partition, "offset": offset}}


def test_success_commits_everything() -> None:
    assert failed_offsets(BATCH, returned({"batchItemFailures": []}), report_item_failures=True) == {}


def test_an_error_retries_every_partition_from_its_first_record() -> None:
    invocation = Invocation(result=None, error=RuntimeError("boom"), request_id="r")
    assert failed_offsets(BATCH, invocation, report_item_failures=True) == {P0: 10, P1: 40}


def test_reported_items_restart_their_partition_at_the_lowest_reported_offset() -> None:
    result = {"batchItemFailures": [failure("payments.succeeded-0", 12), failure("payments.succeeded-0", 11)]}
    assert failed_offsets(BATCH, returned(result), report_item_failures=True) == {P0: 11}


def test_reported_items_are_ignored_without_report_batch_item_failures() -> None:
    result = {"batchItemFailures": [failure("payments.succeeded-0", 11)]}
    assert failed_offsets(BATCH, returned(result), report_item_failures=False) == {}


@pytest.mark.parametrize(
    "item",
    [
        failure("payments.succeeded-7", 11),
        failure("payments.succeeded-0", 99),
        failure("payments.succeeded-0", "11"),
        {"partition": "payments.succeeded-0"},
    ],
)
def test_an_identifier_that_names_no_record_fails_the_whole_batch(item: dict[str, Any]) -> None:
    result = {"batchItemFailures": [item]}
    assert failed_offsets(BATCH, returned(result), report_item_failures=True) == {P0: 10, P1: 40}


def test_retries_are_counted_per_partition_and_offset() -> None:
    retries = RetryCounter()
    assert [retries.failed(P0, 10), retries.failed(P0, 10), retries.failed(P1, 40)] == [1, 2, 1]
    assert retries.failed(P0, 11) == 1  # progress: a new offset starts counting again
    retries.clear(P0)
    assert retries.failed(P0, 11) == 1
