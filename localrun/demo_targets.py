"""Where the demo's API calls go and what feeds its Kafka records to the functions.

LocalTarget: `python -m localrun` on this machine (the API on 127.0.0.1, AWS_IAM skipped). DeployedTarget: a
stack deployed on an AWS endpoint (make aws-demo): its API Gateway with SigV4-signed calls, and a runner in
invoke mode that plays the MSK event source mappings for its functions.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from localrun import logs
from localrun.aws_stack import DeployedStack
from localrun.runner import Runner, RunnerOptions

Stop = Callable[[], None]


class Target(Protocol):
    def http(self, method: str, path: str, body: dict[str, Any] | None = None) -> int: ...

    def start_runner(self, forced: bool) -> Stop | None:
        """Start what feeds the functions unless one already runs (or forced); how to stop it, if started."""
        ...


class LocalTarget:
    def __init__(self, port: int) -> None:
        self.port = port

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

    def start_runner(self, forced: bool) -> Stop | None:
        """`python -m localrun` as a child process, unless one (of `make run`) answers on the port."""
        with socket.socket() as probe:
            if not forced and probe.connect_ex(("127.0.0.1", self.port)) == 0:
                return None
        # The runner's and handlers' logs go to stderr so stdout stays the readable timeline.
        process = subprocess.Popen([sys.executable, "-m", "localrun", "--port", str(self.port)], stdout=sys.stderr)  # noqa: S603
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/orders?status=paid&limit=1", timeout=2)
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.5)

        def stop() -> None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)

        return stop


class DeployedTarget:
    def __init__(self, stack: DeployedStack, brokers: str, template: Path) -> None:
        self.stack, self._brokers, self._template = stack, brokers, template

    def http(self, method: str, path: str, body: dict[str, Any] | None = None) -> int:
        return self.stack.call_api(method, path, body).status

    def start_runner(self, forced: bool) -> Stop | None:  # noqa: ARG002 - a runner of its own, always
        """A runner in invoke mode, in this process: the functions run where they are deployed; here only the
        event source mappings. Always one of its own, so the records go through the deployed functions even when
        no `make aws-run` is going (a `make run` on the same groups would take its share in-process: stop it).
        """
        logs.configure("INFO")  # to stderr: stdout stays the readable timeline
        runner = Runner(RunnerOptions(template=self._template, brokers=self._brokers, invoke=self.stack))
        runner.start()
        return runner.stop
