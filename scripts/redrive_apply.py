"""The two ways `make redrive-dlq` applies a run of records (an MSK event of one partition).

In-process (the default): through order_core here, against DB_DSN, the MSK edge and the batch processor
the functions run; the operator needs the database. Through the deployed functions (`--invoke lambda`):
each run goes by the Lambda Invoke API to the function that reads its topic in the deployed stack, which
applies it with its own code, secret and network; the operator needs only Kafka and the AWS API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

from ops_cli import OperatorError

from localrun.aws_stack import DeployedStack
from localrun.lambda_invoke import LambdaFunctionHost
from localrun.template import load_template
from order_core.bootstrap import build
from order_core.config import Settings
from order_core.entrypoints.msk import read_records


class Applier(Protocol):
    def apply(self, event: dict[str, Any]) -> str:
        """Apply the event's records or raise; what they did, for the operator."""
        ...

    def close(self) -> None: ...


class InProcess:
    """order_core's batch processor here, against the functions' database settings."""

    def __init__(self) -> None:
        self._container = build(Settings.from_env())

    def apply(self, event: dict[str, Any]) -> str:
        outcome = self._container.service.process_records(read_records(event))  # TransientError: run again
        return (
            f"{outcome.transitions} transition(s), {outcome.duplicates} duplicate(s), {outcome.stale} stale, "
            f"dead letters {outcome.dead_letters or 'none'}"
        )

    def close(self) -> None:
        self._container.close()


class ThroughLambda:
    """The deployed function of each topic, by the Lambda Invoke API, as the event source mapping calls it."""

    def __init__(self, template: Path, stack: DeployedStack) -> None:
        functions = load_template(template, stack.parameters()).functions
        self._hosts = {
            topic: LambdaFunctionHost(spec, stack) for spec in functions for t in spec.kafka for topic in t.topics
        }
        for host in self._hosts.values():
            host.load()

    def apply(self, event: dict[str, Any]) -> str:
        [(position, records)] = event["records"].items()
        host = self._hosts.get(records[0]["topic"])
        if host is None:
            raise OperatorError(f"no function of the deployed stack reads {records[0]['topic']}")
        invocation = host.invoke(event, records=len(records))
        result = invocation.result if isinstance(invocation.result, dict) else {}
        if invocation.error is not None or result.get("batchItemFailures"):
            why = invocation.error or f"reported {result['batchItemFailures']} for retry"
            raise OperatorError(f"{host.spec.logical_id} did not apply {position}: {why}; fix it and run again")
        return f"applied by {host.spec.logical_id} (request {invocation.request_id})"

    def close(self) -> None:
        """Nothing to release: the functions run where they are deployed."""
