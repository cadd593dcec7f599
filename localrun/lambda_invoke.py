"""The runner's invoke mode (`--invoke lambda`): deployed functions called through the Lambda Invoke API.

The runner then plays only the MSK event source mapping (kafka_source.py, the same code as in-process); the
function runs where it is deployed (the emulator, LocalStack or AWS) with its own configuration, secret and
network. Schedules and the API are that endpoint's business, so the runner serves neither in this mode.
"""

from __future__ import annotations

import json
import time
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from localrun.aws_stack import DeployedStack
from localrun.invoke import Invocation, log_invocation
from localrun.model import FunctionSpec

# The Invoke call returns at the latest when the function times out; the margin covers a cold start's init and
# the endpoint's own overhead, so the runner never gives up on an invocation that is still running.
_READ_TIMEOUT_MARGIN_S = 30
_CONNECT_TIMEOUT_S = 5


class FunctionError(Exception):
    """Invoke answered with FunctionError: the handler raised or timed out (a failed invocation, as in-process)."""

    def __init__(self, kind: str, payload: Any) -> None:
        details = payload if isinstance(payload, dict) else {"errorMessage": payload}
        super().__init__(f"{kind} {details.get('errorType', '')}: {details.get('errorMessage', '')}")


class LambdaFunctionHost:
    """A function of the template, invoked as deployed in a stack; the invoke.Host interface."""

    def __init__(self, spec: FunctionSpec, stack: DeployedStack) -> None:
        self.spec = spec
        self.arn = ""
        self._stack = stack
        self._name = ""
        self._client: Any = None

    def load(self) -> None:
        """Find the deployed function now, so a stack without it fails the runner at start-up."""
        deployed = self._stack.function(self.spec.logical_id)
        self.arn, self._name = deployed.arn, deployed.name
        # No SDK retries: a slow or failed call must not run the batch a second time behind the event source
        # mapping's back; the mapping's retry policy (kafka_source.py) decides what happens next.
        self._client = self._stack.endpoint.client(
            "lambda",
            retries={"total_max_attempts": 1},
            connect_timeout=_CONNECT_TIMEOUT_S,
            read_timeout=deployed.timeout_s + _READ_TIMEOUT_MARGIN_S,
        )

    def invoke(self, event: Any, *, records: int = 0) -> Invocation:
        """Invoke synchronously; never raises: an SDK error or a FunctionError is a failed invocation."""
        started = time.monotonic()
        invocation = self._call(event)
        log_invocation(self.spec, records, started, invocation)
        return invocation

    def close(self) -> None:
        """Nothing to release: the deployed function runs where it is deployed."""

    def _call(self, event: Any) -> Invocation:
        try:
            response = self._client.invoke(FunctionName=self._name, Payload=json.dumps(event).encode())
            request_id = str(response["ResponseMetadata"].get("RequestId", ""))
            payload = json.loads(response["Payload"].read() or b"null")
        except (BotoCoreError, ClientError, ValueError) as error:  # unreachable, throttled, timed out, not JSON
            return Invocation(None, error, "")
        if "FunctionError" in response:
            return Invocation(None, FunctionError(response["FunctionError"], payload), request_id)
        return Invocation(payload, None, request_id)
