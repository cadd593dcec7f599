"""One function of .aws-sam/build in a fresh Lambda-like process: the emulator, the runtime, one cold start."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import IO, Any, Self

from artifact.functions import ArtifactError, BuiltFunction
from artifact.runtime import Runtime

INVOKE_PATH = "/2015-03-31/functions/function/invocations"
_INIT_STATUS = re.compile(rb"INIT RTDONE\(status: (\w+)\)")
_INIT_REPORT = re.compile(rb"INIT REPORT\(durationMs: ([0-9.]+)\)")
# awslambdaric's document for an exception in the handler or at import (the emulator answers 200 either way)
ERROR_DOCUMENT = {"errorMessage", "errorType", "requestId", "stackTrace"}
NO_RESPONSE = "NoResponse"


@dataclass
class Outcome:
    """What one invocation returned: the response body, and whether it is the runtime's report of an exception."""

    payload: bytes

    @property
    def error(self) -> dict[str, Any] | None:
        """awslambdaric's error document, when the handler raised (or its module did not import)."""
        try:
            body: Any = json.loads(self.payload)
        except ValueError:  # the emulator's own words, such as "Task timed out after 15.00 seconds"
            return {"errorType": NO_RESPONSE, "errorMessage": self.payload.decode(errors="replace")}
        return body if isinstance(body, dict) and body.keys() == ERROR_DOCUMENT else None


@dataclass
class _Log:
    """The emulator's output, passed on line by line, and what it reports of the INIT phase."""

    sink: IO[bytes] | None
    init_status: str | None = None
    init_ms: float | None = None
    initialised: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)

    def follow(self, stream: IO[bytes]) -> None:
        for line in stream:
            if self.sink is not None:
                self.sink.write(line)
                self.sink.flush()
            if (status := _INIT_STATUS.search(line)) is not None:
                self.init_status = status.group(1).decode()
            if (report := _INIT_REPORT.search(line)) is not None:
                self.init_ms = float(report.group(1))
                self.initialised.set()
        self.done.set()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def lambda_environment(function: BuiltFunction, runtime: Runtime) -> dict[str, str]:
    """What the Lambda service sets besides the function's variables (bytecode writing off: /var/task is read-only)."""
    return {
        "LAMBDA_TASK_ROOT": str(function.code_dir),
        "LAMBDA_RUNTIME_DIR": str(runtime.site),
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "_HANDLER": function.handler,
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "PYTHONDONTWRITEBYTECODE": "1",
    }


class Sandbox:
    """The Runtime Interface Emulator on 127.0.0.1 running one function; the first invocation is its cold start."""

    def __init__(self, runtime: Runtime, function: BuiltFunction, environment: Mapping[str, str],
                 log: IO[bytes] | None = None) -> None:  # fmt: skip
        self.function = function
        self.port = _free_port()
        opt_python = os.pathsep.join(str(layer / "python") for layer in function.layer_dirs)
        bootstrap = [str(runtime.python), "-S", str(runtime.bootstrap), str(runtime.site), opt_python, function.handler]
        addresses = ["--runtime-interface-emulator-address", f"127.0.0.1:{self.port}",
                     "--runtime-api-address", f"127.0.0.1:{_free_port()}"]  # fmt: skip
        command = [str(runtime.rie), *addresses, *bootstrap]
        self._log = _Log(log)
        self._process = subprocess.Popen(  # noqa: S603 - the emulator, with our own arguments
            command, cwd=function.code_dir, env={**environment, **lambda_environment(function, runtime)},
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        assert self._process.stdout is not None
        threading.Thread(target=self._log.follow, args=(self._process.stdout,), daemon=True).start()

    def __enter__(self) -> Self:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self._process.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                time.sleep(0.02)
        self.close()
        raise ArtifactError(f"the Lambda Runtime Interface Emulator did not start for {self.function.logical_id}")

    def __exit__(self, *_: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def invoke(self, event: bytes) -> Outcome:
        try:
            return Outcome(self._send(event))
        except OSError as error:
            raise ArtifactError(f"the emulator gave no answer for {self.function.logical_id}: {error}") from error

    def _send(self, event: bytes) -> bytes:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{INVOKE_PATH}", data=event, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.function.timeout + 30) as response:  # noqa: S310
                payload: bytes = response.read()
        except urllib.error.HTTPError as error:  # 502 when the init failed: the body is the error document
            payload = error.read()
        return payload

    def _trigger_init(self) -> None:
        with contextlib.suppress(OSError):  # the sandbox is closed under it
            self._send(b"{}")

    def cold_start(self) -> float:
        """The INIT duration of this sandbox (interpreter and runtime start, handler import), as the emulator reports
        it. The invocation that triggers it is abandoned: whatever the handler would do with it is not measured."""
        threading.Thread(target=self._trigger_init, daemon=True).start()
        if not self._log.initialised.wait(timeout=60) or self._log.init_ms is None:
            raise ArtifactError(f"{self.function.logical_id}: the emulator reported no INIT within 60 s")
        if self._log.init_status != "success":
            raise ArtifactError(
                f"{self.function.logical_id} failed its INIT ({self._log.init_status}); try make invoke"
            )
        return self._log.init_ms

    def close(self) -> None:
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
        self._log.done.wait(timeout=5)
        if self._process.stdout is not None:
            self._process.stdout.close()
