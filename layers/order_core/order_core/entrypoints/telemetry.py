"""The Powertools Logger, Metrics and Tracer of every function, and the decorator that wires them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from order_core.entrypoints import collector

# Service name, namespace, log level and sampling come from the POWERTOOLS_* variables of template.yaml.
logger = Logger()
metrics = Metrics()
# No auto-patching: psycopg 3 and kafka-python have no X-Ray patch, and patching the rest (botocore,
# requests, ...) imported them at every cold start for the one cached Secrets Manager call.
tracer = Tracer(auto_patch=False)

LambdaHandler = Callable[[dict[str, Any], LambdaContext], dict[str, Any]]


def instrumented(handler: LambdaHandler, *, correlation_id_path: str | None = None) -> LambdaHandler:
    """Trace the invocation, add the Lambda context to every log line, flush EMF metrics at the end.

    Every `app.py` ends its init with this call, so it also settles the garbage collector (`collector`).
    """
    with_metrics = metrics.log_metrics(handler, capture_cold_start_metric=True)
    with_logs = logger.inject_lambda_context(with_metrics, correlation_id_path=correlation_id_path, clear_state=True)
    # Responses hold order data (customer notes); the trace keeps timings, not payloads.
    traced = cast(LambdaHandler, tracer.capture_lambda_handler(with_logs, capture_response=False))
    collector.settle()
    return traced
