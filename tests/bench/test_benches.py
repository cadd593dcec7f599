"""`make bench` and `make bench-e2e` on a small workload: they run on their own, check the result, print the ratio."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LAST_LINE = r"{}: \d+ events/s; raw-SQL limit \d+ events/s; ratio \d+%"


def run(module: str) -> subprocess.CompletedProcess[str]:
    """The benchmark on 60 orders, as `make` runs it (the stack_env fixture only makes sure the stack is up)."""
    # Without DB_DSN/KAFKA_BROKERS: the benchmark finds the stack itself, as `make bench` must.
    env = {key: value for key, value in os.environ.items() if key not in {"DB_DSN", "KAFKA_BROKERS"}}
    env["PYTHONPATH"] = f"{ROOT / 'layers' / 'order_core'}:{ROOT}"  # as the Makefile sets it
    return subprocess.run([sys.executable, "-m", module, "--orders", "60"], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=600, check=False)  # fmt: skip


def test_bench_e2e_applies_the_workload_through_the_runner_and_checks_it(
    stack_env: dict[str, str],
) -> None:  # the stack must be up
    result = run("bench.e2e")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "correct: every order in its final status; every outbound event once, in per-order order" in lines
    assert [line.split()[0] for line in lines if line.split()[:1] in (["orders.created"], ["inventory"])] == [
        "orders.created", "inventory", "orders.created", "inventory"]  # fmt: skip
    assert re.fullmatch(LAST_LINE.format("e2e"), lines[-1])


def test_bench_applies_the_workload_in_process_and_checks_it(stack_env: dict[str, str]) -> None:
    result = run("bench")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert "correct: every order in its final status" in lines
    assert re.fullmatch(LAST_LINE.format("bench"), lines[-1])
