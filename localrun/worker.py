"""Each function in a worker process of its own, as Lambda runs each function in a container of its own.

Functions run concurrently, each with its own environment and its own per-container singletons (the
layer's database connection and producer). A worker takes one invocation at a time, like a container. A
worker that dies is started again; the invocation it was running fails (the event source mapping retries
the batch, as in Lambda). One that runs past its function's timeout is killed, as Lambda does.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import signal
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from multiprocessing.connection import Connection
from typing import Any

from localrun import logs
from localrun.intrinsics import Pseudo
from localrun.invoke import FunctionHost, Invocation, log_invocation
from localrun.model import FunctionSpec

log = logging.getLogger(__name__)

# Workers are forked from a fork server (forking the runner, whose threads hold locks, is not safe) that has
# imported the heaviest third-party libraries once: a worker's cold start then imports only the function, the
# layer's own code and what reads the environment at import (Powertools, the X-Ray SDK), so it still starts
# with its own environment and its own singletons. About 1 s of CPU per worker instead of 4 on these machines.
_PRELOAD = ["pydantic", "psycopg", "kafka", "botocore.session", "boto3"]
_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(_PRELOAD)
# Beyond the function's timeout, time for the reply to come back before the worker is declared hung.
_TIMEOUT_MARGIN_S = 5.0
_STOP_TIMEOUT_S = 10.0


class WorkerDiedError(Exception):
    """The worker process ended during an invocation (killed, crashed, out of memory)."""


class TimedOutError(Exception):
    """The invocation ran past the function's timeout; its worker was killed."""


class HandlerError(Exception):
    """What a handler raised in its worker; the subclass is named after the original exception's type."""

    def __init__(self, message: str, remote_traceback: str) -> None:
        super().__init__(message)
        self.__cause__ = _RemoteTraceback(remote_traceback)


class _RemoteTraceback(Exception):
    """Shows the worker's traceback under the error, as concurrent.futures does."""

    def __str__(self) -> str:
        return "\n" + str(self.args[0])


@cache
def _error_class(name: str) -> type[HandlerError]:
    # Named like the handler's exception, so the invoke log line and the on-failure record name it as in-process.
    return type(name, (HandlerError,), {"__module__": __name__})


@dataclass(frozen=True)
class _Reply:
    """An invocation's outcome in a form every handler's result and exception can cross the pipe in."""

    result: Any
    error: tuple[str, str, str] | None  # type name, message, traceback text
    request_id: str

    def invocation(self) -> Invocation:
        if self.error is None:
            return Invocation(self.result, None, self.request_id)
        name, message, text = self.error
        return Invocation(None, _error_class(name)(message, text), self.request_id)


class WorkerHost:
    """A function in its own process; the invoke.Host interface."""

    def __init__(self, spec: FunctionSpec, overrides: Mapping[str, str], pseudo: Pseudo) -> None:
        self.spec = spec
        self.arn = spec.arn(pseudo.region, pseudo.account_id)
        self._args = (spec, dict(overrides), pseudo, logging.getLevelName(logging.getLogger("localrun").level))
        self._lock = threading.Lock()  # one invocation at a time, as a container takes them
        self._process: Any = None
        self._conn: Connection | None = None

    def load(self) -> None:
        """Start the worker and import the handler there (cold start); a broken function fails the runner."""
        with self._lock:
            self._start()

    def invoke(self, event: Any, *, records: int = 0) -> Invocation:
        """Invoke in the worker; never raises: a handler error, a dead or hung worker is a failed invocation."""
        with self._lock:
            started = time.monotonic()
            invocation = self._call(event)
        log_invocation(self.spec, records, started, invocation)
        return invocation

    def close(self) -> None:
        """Let the worker finish and exit (the runner calls this after the batches in flight are done)."""
        with self._lock:
            if self._conn is not None and self._process.is_alive():
                self._conn.send(None)
                self._process.join(_STOP_TIMEOUT_S)
            self._kill()

    def _call(self, event: Any) -> Invocation:
        if self._process is None or not self._process.is_alive():
            try:
                self._restart("not running")
            except Exception as error:  # its INIT failed: this invocation fails, the next one tries again
                return Invocation(None, error, "")
        assert self._conn is not None
        try:
            self._conn.send(event)
            if not self._conn.poll(self.spec.timeout_seconds + _TIMEOUT_MARGIN_S):
                self._kill()
                return Invocation(None, TimedOutError(f"timed out after {self.spec.timeout_seconds} s"), "")
            reply: _Reply = self._conn.recv()
        except (EOFError, OSError) as error:
            self._process.join(_STOP_TIMEOUT_S)
            died = WorkerDiedError(f"worker exited with {self._process.exitcode} during the invocation ({error!r})")
            self._kill()
            return Invocation(None, died, "")
        return reply.invocation()

    def _restart(self, why: str) -> None:
        log.warning("worker restarted", extra={"function": self.spec.logical_id, "why": why})
        self._kill()
        self._start()

    def _start(self) -> None:
        parent, child = _CONTEXT.Pipe()
        self._process = _CONTEXT.Process(
            target=_serve, args=(child, *self._args), name=f"localrun-{self.spec.logical_id}", daemon=True
        )
        self._process.start()
        child.close()
        self._conn = parent
        loaded: _Reply = parent.recv()
        if loaded.error is not None:
            self._kill()
            raise ImportError(f"{self.spec.logical_id}: {loaded.error[0]}: {loaded.error[1]}")

    def _kill(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()
            self._process.join()
        if self._conn is not None:
            self._conn.close()
        self._process, self._conn = None, None


def _serve(conn: Connection, spec: FunctionSpec, overrides: dict[str, str], pseudo: Pseudo, level: str) -> None:
    """The worker: load the handler in the function's environment, then run invocations until told to stop."""
    # Ctrl-C reaches the whole process group, a service manager's SIGTERM may too: the runner decides when its
    # workers stop, after their batch in flight.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    logs.configure(level)
    host = FunctionHost(spec, overrides, pseudo)
    os.environ.update(host.environment)  # the container's environment, for good
    try:
        host.load()
    except Exception as failure:
        conn.send(_Reply(None, _describe(failure), ""))
        return
    conn.send(_Reply(None, None, ""))
    while True:
        try:
            event = conn.recv()
        except EOFError:  # the runner is gone
            return
        if event is None:
            return
        invocation = host.call(event)
        error = None if invocation.error is None else _describe(invocation.error)
        try:
            conn.send(_Reply(invocation.result, error, invocation.request_id))
        except (TypeError, AttributeError, pickle.PicklingError) as unpicklable:  # Lambda answers with JSON
            conn.send(_Reply(None, _describe(unpicklable), invocation.request_id))


def _describe(error: BaseException) -> tuple[str, str, str]:
    return type(error).__name__, str(error), "".join(traceback.format_exception(error))
