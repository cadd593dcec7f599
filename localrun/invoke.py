"""Load a function's handler in-process and invoke it the way the Lambda runtime would."""

from __future__ import annotations

import importlib.util
import logging
import os
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any, Protocol

from localrun.intrinsics import Pseudo
from localrun.model import FunctionSpec

log = logging.getLogger(__name__)

# In-process, every function shares this process, its os.environ and the layer's per-container singletons (one
# database connection, one producer). One invocation at a time keeps those as safe as in a Lambda container and
# lets each invocation see exactly its own function's environment. (A worker process holds one function.)
_INVOKE_LOCK = threading.Lock()


class LambdaContext:
    """The attributes and method of the Lambda context object that handlers and Powertools use."""

    def __init__(self, spec: FunctionSpec, arn: str, deadline: float) -> None:
        self.function_name = spec.function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = spec.memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{spec.function_name}"
        self.log_stream_name = f"local/{spec.logical_id}"
        self.identity = None
        self.client_context = None
        self._deadline = deadline

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass(frozen=True)
class Invocation:
    """What one invocation returned or raised."""

    result: Any
    error: BaseException | None
    request_id: str


class Host(Protocol):
    """What the runner needs of a function, wherever it runs: in a worker process (worker.WorkerHost), in the
    runner's process (FunctionHost) or deployed (lambda_invoke)."""

    spec: FunctionSpec
    arn: str

    def load(self) -> None: ...

    def invoke(self, event: Any, *, records: int = 0) -> Invocation: ...

    def close(self) -> None: ...


def outcome(invocation: Invocation) -> str:
    """A one-word summary for the invocation log line."""
    if invocation.error is not None:
        return f"error:{type(invocation.error).__name__}"
    result = invocation.result
    if isinstance(result, Mapping) and result.get("batchItemFailures"):
        return f"partial:{len(result['batchItemFailures'])}"
    if isinstance(result, Mapping) and "statusCode" in result:
        return f"status:{result['statusCode']}"
    return "ok"


def log_invocation(spec: FunctionSpec, records: int, started: float, invocation: Invocation) -> None:
    """One line per invocation; the traceback is one --log-level DEBUG away."""
    fields = {"function": spec.logical_id, "records": records,
              "duration_ms": round((time.monotonic() - started) * 1000, 1),
              "outcome": outcome(invocation), "request_id": invocation.request_id}  # fmt: skip
    if invocation.error is not None:
        fields["error"] = str(invocation.error)[:300]
    log.info("invoke", extra=fields, exc_info=invocation.error if log.isEnabledFor(logging.DEBUG) else None)


@contextmanager
def _environment(values: Mapping[str, str]) -> Iterator[None]:
    saved = {key: os.environ.get(key) for key in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


class FunctionHost:
    """One function's "container": its handler module loaded once, under a name of its own."""

    def __init__(self, spec: FunctionSpec, overrides: Mapping[str, str], pseudo: Pseudo) -> None:
        self.spec = spec
        self.arn = spec.arn(pseudo.region, pseudo.account_id)
        self.environment = {
            **spec.environment,
            "AWS_REGION": pseudo.region,
            "AWS_DEFAULT_REGION": pseudo.region,
            "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            **overrides,
        }
        self._handler: Callable[[Any, LambdaContext], Any] | None = None

    def invoke(self, event: Any, *, records: int = 0) -> Invocation:
        """Invoke the handler with a fresh context; never raises what the handler raises."""
        started = time.monotonic()
        invocation = self.call(event)
        log_invocation(self.spec, records, started, invocation)
        return invocation

    def call(self, event: Any) -> Invocation:
        """The invocation itself, without its log line (a worker process calls this; its runner logs)."""
        with _INVOKE_LOCK, _environment(self.environment):
            context = LambdaContext(self.spec, self.arn, time.monotonic() + self.spec.timeout_seconds)
            try:
                return Invocation(self._load()(event, context), None, context.aws_request_id)
            except Exception as error:  # a handler's failure is data for the caller (retry, 502)
                return Invocation(None, error, context.aws_request_id)

    def close(self) -> None:
        """Nothing to release: the handler's connections belong to this process."""

    def load(self) -> None:
        """Import the handler now (cold start) so a broken function fails the runner at start-up."""
        with _INVOKE_LOCK, _environment(self.environment):
            self._load()

    def _load(self) -> Callable[[Any, LambdaContext], Any]:
        if self._handler is None:
            module_path, _, attribute = self.spec.handler.rpartition(".")
            module = self._import(module_path)
            self._handler = getattr(module, attribute)
        return self._handler

    def _import(self, module_path: str) -> ModuleType:
        relative = module_path.replace(".", "/")
        candidates = [self.spec.code_dir / f"{relative}.py", self.spec.code_dir / relative / "__init__.py"]
        file = next((path for path in candidates if path.is_file()), None)
        if file is None:
            raise ImportError(f"{self.spec.logical_id}: no {relative}.py in {self.spec.code_dir}")
        for layer in self.spec.layer_dirs:
            if str(layer) not in sys.path:
                sys.path.append(str(layer))
        # Each function's `app` gets a unique module name, so eight `app.py` files do not collide.
        name = f"localrun_fn_{self.spec.logical_id}_{module_path.replace('.', '_')}"
        spec = importlib.util.spec_from_file_location(name, file)
        if spec is None or spec.loader is None:
            raise ImportError(f"cannot load {file}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        sys.path.insert(0, str(self.spec.code_dir))  # sibling modules of the handler, as in Lambda's /var/task
        try:
            spec.loader.exec_module(module)
        finally:
            sys.path.remove(str(self.spec.code_dir))
        return module
