"""Where the demo's API calls go and what feeds its Kafka records to the functions.

LocalTarget: `python -m localrun` on this machine (the API on 127.0.0.1, AWS_IAM skipped). DeployedTarget: a
stack deployed on an AWS endpoint (make aws-demo): its API Gateway with SigV4-signed calls, and a runner in
invoke mode that plays the MSK event source mappings for its functions. Both say at once when what feeds the
functions has stopped (check()), so the demo fails then instead of waiting for orders that cannot move.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol

from localrun import logs
from localrun.aws_stack import DeployedStack
from localrun.runner import Runner, RunnerOptions
from localrun.usage import UsageError

ROOT = Path(__file__).resolve().parents[1]
RUNNER_LOG = ROOT / ".local" / "demo-runner.log"
RUNNER_START_S = 60
LAST_LINES = 20

Stop = Callable[[], None]


class DemoError(Exception):
    """The demo cannot go on; the message is one line, `log_lines` what the runner's log said last."""

    def __init__(self, message: str, log_lines: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.log_lines = tuple(log_lines)


def progress(message: str) -> None:
    """A line on stderr for a step that takes seconds; stdout is the timeline."""
    print(f"demo: {message}", file=sys.stderr, flush=True)


class Target(Protocol):
    def http(self, method: str, path: str, body: dict[str, Any] | None = None) -> int: ...

    def start_runner(self, forced: bool) -> Stop | None:
        """Start what feeds the functions unless one already runs (or forced); how to stop it, if started."""
        ...

    def check(self) -> None:
        """DemoError when what feeds the functions has stopped."""
        ...


class LocalTarget:
    def __init__(self, port: int) -> None:
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None

    def http(self, method: str, path: str, body: dict[str, Any] | None = None) -> int:
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"}
        url = f"http://127.0.0.1:{self.port}{path}"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=15) as response:  # noqa: S310 - the local runner's URL
                return int(response.status)
        except urllib.error.HTTPError as error:
            return error.code
        except OSError as error:
            self.check()
            raise DemoError(f"the API on 127.0.0.1:{self.port} does not answer ({error})") from error

    def start_runner(self, forced: bool) -> Stop | None:
        """`python -m localrun` as a child process, unless one (of `make run`) answers on the port."""
        if self._answers():
            if forced:
                raise UsageError(f"--start-runner: port {self.port} is taken (a `make run`?): stop it or pass --port")
            return None
        progress(f"starting `python -m localrun --port {self.port}` (its log: {RUNNER_LOG.relative_to(ROOT)})")
        started = time.monotonic()
        RUNNER_LOG.parent.mkdir(exist_ok=True)
        with RUNNER_LOG.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 - this interpreter, our own runner
                [sys.executable, "-m", "localrun", "--port", str(self.port)], stdout=log, stderr=subprocess.STDOUT
            )
        while not self._answers():
            self.check()
            if time.monotonic() - started > RUNNER_START_S:
                self.stop()
                raise DemoError(f"the runner did not serve on port {self.port} within {RUNNER_START_S} s", _tail())
            time.sleep(0.5)
        progress(f"the runner serves on port {self.port} after {time.monotonic() - started:.0f} s")
        return self.stop

    def check(self) -> None:
        if self._process is None:
            if not self._answers():
                raise DemoError(f"the runner on port {self.port} stopped answering")
            return
        status = self._process.poll()
        if status is not None:
            how = f"was killed by {signal.Signals(-status).name}" if status < 0 else f"exited with status {status}"
            raise DemoError(f"the runner it started {how}", _tail())

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            self._process.wait(timeout=30)

    def _answers(self) -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", self.port)) == 0


def _tail() -> list[str]:
    """The last lines of the runner's log."""
    return RUNNER_LOG.read_text(errors="replace").splitlines()[-LAST_LINES:]


class DeployedTarget:
    def __init__(self, stack: DeployedStack, brokers: str, template: Path) -> None:
        self.stack, self._brokers, self._template = stack, brokers, template
        self._runner: Runner | None = None

    def http(self, method: str, path: str, body: dict[str, Any] | None = None) -> int:
        try:
            return self.stack.call_api(method, path, body).status
        except OSError as error:
            raise DemoError(f"the deployed API does not answer ({error}): is the emulator up (make aws-up)?") from error

    def start_runner(self, forced: bool) -> Stop | None:  # noqa: ARG002 - a runner of its own, always
        """A runner in invoke mode, in this process: the functions run where they are deployed; here only the
        event source mappings. Always one of its own, so the records go through the deployed functions even when
        no `make aws-run` is going (a `make run` on the same groups would take its share in-process: stop it).
        """
        logs.configure("INFO")  # to stderr: stdout stays the readable timeline
        self._runner = Runner(RunnerOptions(template=self._template, brokers=self._brokers, invoke=self.stack))
        self._runner.start()
        return self._runner.stop

    def check(self) -> None:
        if self._runner is not None and self._runner.wait(0):
            raise DemoError("the runner feeding the deployed functions stopped (its log is above)")
