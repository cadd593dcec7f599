"""The handler factory of the Kafka functions: one MSK batch in, the partial-batch response out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.utilities.data_classes import KafkaEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from order_core.bootstrap import get_service
from order_core.entrypoints.telemetry import LambdaHandler, instrumented, logger, metrics
from order_core.service.batch import BatchOutcome


def kafka_handler(topic: str) -> LambdaHandler:
    """Build the `lambda_handler` of the function whose event source mapping reads `topic`."""

    def lambda_handler(event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
        logger.append_keys(topic=topic)
        logger.set_correlation_id(batch_position(event))
        outcome = get_service().process_batch(event)
        record_metrics(topic, outcome)
        logger.info(
            "batch processed",
            records=outcome.records,
            transitions=outcome.transitions,
            duplicates=outcome.duplicates,
            stale=outcome.stale,
            dead_letters=outcome.dead_letters,
            published=outcome.published,
            unpublished=outcome.unpublished,
            failures=outcome.response["batchItemFailures"],
            order_ids=outcome.order_ids,
        )
        return outcome.response

    return instrumented(lambda_handler)


def batch_position(event: Mapping[str, Any]) -> str:
    """Where the batch sits in Kafka, e.g. `payments.succeeded-0@41-57,payments.succeeded-1@12-12`.

    Used as the correlation id so every log line of the invocation points at the records it handled.
    """
    offsets: dict[str, list[int]] = {}
    for record in KafkaEvent(dict(event)).records:
        offsets.setdefault(f"{record.topic}-{record.partition}", []).append(record.offset)
    return ",".join(f"{tp}@{min(o)}-{max(o)}" for tp, o in sorted(offsets.items()))


def record_metrics(topic: str, outcome: BatchOutcome) -> None:
    """EMF metrics of one batch, with the topic as dimension; dead letters also by reason."""
    metrics.add_dimension(name="topic", value=topic)
    counts = {
        "BatchSize": outcome.records,
        "Transitions": outcome.transitions,
        "Duplicates": outcome.duplicates,
        "Stale": outcome.stale,
        "Acknowledged": outcome.acknowledged,
        "OutboxPublished": outcome.published,
        "OutboxUnpublished": outcome.unpublished,
        "RetriedPartitions": len(outcome.response["batchItemFailures"]),
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
