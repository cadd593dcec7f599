"""The built application deployed on the local AWS emulator, fed by the runner in invoke mode.

`make aws-up` (idempotent) builds, starts the emulator and deploys; it runs here so that what is tested is
the current build, and a failure to start or deploy fails the suite rather than skipping it.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from localrun import logs
from localrun.aws_stack import DeployedStack, Endpoint
from localrun.runner import Runner, RunnerOptions
from tests.e2e.conftest import producer, publish

__all__ = ["producer", "publish"]  # the e2e suite's Kafka fixtures, shared

ROOT = Path(__file__).resolve().parents[2]


def aws_sh(*args: str, **env: str) -> str:
    """scripts/aws.sh with this process's environment (ports, EMULATOR_PORT); fails the test with its output."""
    result = subprocess.run([str(ROOT / "scripts/aws.sh"), *args], cwd=ROOT, env={**os.environ, **env},
                            capture_output=True, text=True, timeout=600, check=False)  # fmt: skip
    if result.returncode != 0:
        pytest.fail(f"scripts/aws.sh {' '.join(args)} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    return result.stdout


@pytest.fixture(scope="session")
def aws_env(stack_env: dict[str, str]) -> Iterator[dict[str, str]]:
    """Deploy the current build (make aws-up) and use the emulator's endpoint, region and identity."""
    result = subprocess.run(["make", "-s", "aws-up"], cwd=ROOT, capture_output=True, text=True, timeout=900,
                            check=False)  # fmt: skip
    if result.returncode != 0:
        pytest.fail(f"make aws-up failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}")
    values = dict(line.split("=", 1) for line in aws_sh("env").splitlines())
    with pytest.MonkeyPatch.context() as patch:
        # Signing identity and region only: AWS_ENDPOINT_URL stays out of os.environ, where it would send the
        # moto-backed tests' clients to the emulator.
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_REGION"):
            patch.setenv(name, values[name])
        yield values


@pytest.fixture(scope="session")
def deployed(aws_env: dict[str, str]) -> DeployedStack:
    return DeployedStack(Endpoint(aws_env["AWS_ENDPOINT_URL"], aws_env["AWS_DEFAULT_REGION"]), aws_env["STACK_NAME"])


@pytest.fixture(scope="module")
def invoke_runner(deployed: DeployedStack, stack_env: dict[str, str]) -> Iterator[Runner]:
    """The runner in invoke mode: consumer groups of template.yaml, batches to the deployed functions."""
    logs.configure("INFO")
    options = RunnerOptions(template=ROOT / "template.yaml", brokers=stack_env["KAFKA_BROKERS"], invoke=deployed,
                            backoff_seconds=0.2)  # fmt: skip
    runner = Runner(options)
    runner.start()
    yield runner
    runner.stop()
    assert not runner.failed
