"""The handler factory of the Kafka functions: records in (read by `msk`), the partial-batch response out.

A transient failure (database down, lock timeout) is retried inside the invocation with backoff while
the remaining time allows; then the first record of every partition is reported in `batchItemFailures`,
so the event source mapping redelivers the batch (nothing of it was committed).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.typing import LambdaContext

from order_core.bootstrap import get_service
from order_core.entrypoints.msk import batch_position, read_records, retry_response
from order_core.entrypoints.telemetry import LambdaHandler, instrumented, logger, metrics
from order_core.exceptions import TransientError
from order_core.service.batch import BatchOutcome
from order_core.service.ports import InboundRecord

# Time kept back for the last attempt: its worst case is a connect (5 s) plus a statement timeout (20 s)
# plus a publish to a dead broker (KAFKA_PUBLISH_TIMEOUT_S, 5 s), with margin.
RETRY_RESERVE_MS = 35_000
FIRST_RETRY_DELAY_S, MAX_RETRY_DELAY_S = 0.5, 8.0


def kafka_handler(topic: str) -> LambdaHandler:
    """Build the `lambda_handler` of the function whose event source mapping reads `topic`."""

    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        records = read_records(event)
        logger.append_keys(topic=topic)
        logger.set_correlation_id(batch_position(records))
        metrics.add_dimension(name="topic", value=topic)
        try:
            outcome = process_with_retries(records, context.get_remaining_time_in_millis)
        except TransientError as error:
            logger.warning("batch not applied; reporting it for retry", error=str(error), records=len(records))
            response = retry_response(records)
            retried = len(response["batchItemFailures"])
            metrics.add_metric(name="RetriedPartitions", unit=MetricUnit.Count, value=retried)
            return response
        record_metrics(topic, outcome)
        log_outcome(outcome)
        return {"batchItemFailures": []}

    return instrumented(lambda_handler)


def process_with_retries(records: Sequence[InboundRecord], remaining_ms: Callable[[], int]) -> BatchOutcome:
    """Apply the batch; retry a transient failure with backoff while `remaining_ms()` keeps the reserve."""
    delay = FIRST_RETRY_DELAY_S
    while True:
        try:
            return get_service().process_records(records)
        except TransientError as error:
            if remaining_ms() - delay * 1000 < RETRY_RESERVE_MS:
                raise
            logger.warning("transient failure; retrying in the invocation", error=str(error), retry_in_s=delay)
            time.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY_S)


def log_outcome(outcome: BatchOutcome) -> None:
    logger.info(
        "batch processed",
        records=outcome.records,
        transitions=outcome.transitions,
        duplicates=outcome.duplicates,
        stale=outcome.stale,
        dead_letters=outcome.dead_letters,
        published=outcome.published,
        unpublished=outcome.unpublished,
        record_by_record=outcome.record_by_record,
        order_ids=outcome.order_ids,
    )


def record_metrics(topic: str, outcome: BatchOutcome) -> None:
    """EMF metrics of one batch (the topic is the invocation's dimension); dead letters also by reason."""
    counts = {
        "BatchSize": outcome.records,
        "Transitions": outcome.transitions,
        "Duplicates": outcome.duplicates,
        "Stale": outcome.stale,
        "Acknowledged": outcome.acknowledged,
        "OutboxPublished": outcome.published,
        "OutboxUnpublished": outcome.unpublished,
        "RecordByRecord": int(outcome.record_by_record),
    }
    for name, value in counts.items():
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
    for reason, count in outcome.dead_letters.items():
        # A metric of its own: a `reason` dimension on the shared set would apply to every metric above.
        with single_metric(
            name="DeadLetters", unit=MetricUnit.Count, value=count, default_dimensions=metrics.default_dimensions
        ) as metric:
            metric.add_dimension(name="topic", value=topic)
            metric.add_dimension(name="reason", value=reason)
