"""The real template's runner as a subprocess, and helpers to watch the database and outbound topics."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
LOCAL_CLUSTER_ARN = "arn:aws:kafka:us-east-1:123456789012:cluster/local/local"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServiceRunner:
    """`python -m localrun` on template.yaml, stopped with SIGTERM like Ctrl-C in a terminal."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.port = free_port()
        self._env, self._log_path = env, log_path
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> ServiceRunner:
        args = [sys.executable, "-m", "localrun", "--port", str(self.port), "--schedule-interval", "2",
                "--retry-backoff", "0.2", "--parameter-overrides", f"MskClusterArn={LOCAL_CLUSTER_ARN}"]  # fmt: skip
        with self._log_path.open("ab") as log:
            self.process = subprocess.Popen(args, cwd=ROOT, env={**os.environ, **self._env}, stdout=log, stderr=log)
        self._wait_until_serving()
        return self

    def stop(self) -> int:
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)

    def request(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, dict[str, Any]]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=data, method=method,
                                         headers={"Content-Type": "application/json"})  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=15) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def _wait_until_serving(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"runner exited with {self.process.returncode}: see {self._log_path}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"runner not serving after {timeout}s: see {self._log_path}")
