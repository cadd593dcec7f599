"""`python -m demo` (make demo): its lifecycle through a runner it starts, and how it fails when that runner dies."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time

import pytest

from tests.e2e.service_runner import free_port
from tests.frontdoor.tools import ROOT, children, run_tool, taken_port, tool_environment

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("stack_env")]


def test_the_demo_ends_every_order_where_the_state_machine_says() -> None:
    result = run_tool("demo", "--port", str(free_port()))

    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("DEMO OK")
    assert result.stdout.count(" (ok)") == 4
    assert "invalid_payload" in result.stdout  # the poison message, parked


def test_a_runner_that_cannot_start_ends_the_demo_at_once_with_its_last_lines() -> None:
    # Given a port the runner cannot bind (bound here, so nothing answers on it either)
    with taken_port(listening=False) as port:
        # When the demo starts its runner there
        result = run_tool("demo", "--port", str(port))

    # Then it stops with the runner's own one-line error quoted, and its own, without a traceback
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    *quoted, last = result.stderr.strip().splitlines()
    assert last == "python -m demo: error: the runner it started exited with status 2"
    assert any(line.startswith(f"   | python -m localrun: error: --port {port} is in use") for line in quoted)


def test_a_runner_that_dies_mid_run_ends_the_demo_at_once() -> None:
    # Given the demo, with the runner it started serving
    port = free_port()
    demo = subprocess.Popen([sys.executable, "-m", "demo", "--port", str(port)], cwd=ROOT, env=tool_environment(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        runner = serving_child(demo, port)

        # When the runner dies
        os.kill(runner, signal.SIGKILL)
        stdout, stderr = demo.communicate(timeout=120)
    finally:
        demo.kill()

    # Then the demo ends there, non-zero, saying so in its last line, with no traceback of its own
    assert demo.returncode == 1
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == "python -m demo: error: the runner it started was killed by SIGKILL"
    assert "DEMO" not in stdout


def serving_child(parent: subprocess.Popen[str], port: int, timeout: float = 90.0) -> int:
    """The pid of the child process of `parent` once something answers on `port`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and parent.poll() is None:
        with socket.socket() as probe:
            serving = probe.connect_ex(("127.0.0.1", port)) == 0
        if serving and (pids := children(parent.pid)):
            return pids[0]
        time.sleep(0.05)
    raise AssertionError(f"no runner served on port {port} (demo exit status {parent.poll()})")
