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
        counts = {
            "OutboxPublished": report.published,
            "OutboxFailed": report.failed,
            "OutboxPending": report.pending,
            "OutboxMaxAttempts": report.max_attempts,
            "OutboxPruned": report.pruned,
        }
        for name, value in counts.items():
            metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        metrics.add_metric(
            name="OutboxOldestPendingAge", unit=MetricUnit.Seconds, value=report.oldest_pending_age_seconds
        )
        logger.info("outbox relayed", **asdict(report))
        return asdict(report)

    return instrumented(lambda_handler)
