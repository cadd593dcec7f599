"""The handler of the scheduled outbox relay: publish what the other functions could not, report the lag."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from order_core.bootstrap import get_service
from order_core.entrypoints.telemetry import LambdaHandler, instrumented, logger, metrics


def relay_handler() -> LambdaHandler:
    """Build the `lambda_handler` of the relay function (EventBridge schedule; the event is not read)."""

    def lambda_handler(_event: dict[str, Any], _context: LambdaContext) -> dict[str, Any]:
        report = get_service().relay_outbox()
        metrics.add_metric(name="OutboxPublished", unit=MetricUnit.Count, value=report.published)
        metrics.add_metric(name="OutboxPending", unit=MetricUnit.Count, value=report.pending)
        metrics.add_metric(name="OutboxPruned", unit=MetricUnit.Count, value=report.pruned)
        metrics.add_metric(
            name="OutboxOldestPendingAge", unit=MetricUnit.Seconds, value=report.oldest_pending_age_seconds
        )
        logger.info(
            "outbox relayed",
            published=report.published,
            pending=report.pending,
            oldest_pending_age_seconds=report.oldest_pending_age_seconds,
            pruned=report.pruned,
        )
        return asdict(report)

    return instrumented(lambda_handler)
