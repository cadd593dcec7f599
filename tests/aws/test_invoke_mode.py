"""The runner's invoke mode against the emulator's Lambda API: outcomes as the mapping reads them, and errors."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import pytest
from kafka import TopicPartition

from localrun.aws_stack import DeployedStack
from localrun.batch_result import failed_offsets
from localrun.lambda_invoke import FunctionError, LambdaFunctionHost
from localrun.template import load_template
from tests.support import Batch, Record, paid

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def payments_host(deployed: DeployedStack) -> LambdaFunctionHost:
    specs = {spec.logical_id: spec for spec in load_template(ROOT / "template.yaml", deployed.parameters()).functions}
    host = LambdaFunctionHost(specs["PaymentsSucceededFunction"], deployed)
    host.load()
    return host


def test_a_handled_batch_comes_back_as_the_handlers_result(
    payments_host: LambdaFunctionHost, make_order: Callable[..., UUID]
) -> None:
    batch = Batch()
    batch.add("payments.succeeded", paid(make_order()))
    batch.add("payments.succeeded", b"{poison")

    invocation = payments_host.invoke(batch.event(), records=2)

    assert invocation.error is None
    assert invocation.result == {"batchItemFailures": []}
    assert invocation.request_id
    assert payments_host.arn.startswith("arn:aws:lambda:eu-west-1:")


def test_a_raising_handler_is_a_failed_invocation_that_retries_the_whole_batch(
    payments_host: LambdaFunctionHost,
) -> None:
    # A batch whose records are not a mapping: the handler raises, Invoke answers FunctionError: Unhandled
    event = {"eventSource": "aws:kafka", "records": "not a mapping"}

    invocation = payments_host.invoke(event)

    assert isinstance(invocation.error, FunctionError)
    assert str(invocation.error).startswith("Unhandled ")
    assert invocation.result is None
    tp = TopicPartition("payments.succeeded", 0)
    records = [Record(tp.topic, tp.partition, offset, None, b"{}") for offset in (41, 42)]
    assert failed_offsets({tp: records}, invocation, report_item_failures=True) == {tp: 41}


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "localrun", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, check=False)  # fmt: skip


def test_no_endpoint_is_one_line_and_exit_2() -> None:
    result = run_cli("--invoke", "lambda", "--endpoint-url", "http://127.0.0.1:9", "--stack-name", "order-service",
                     "--region", "eu-west-1")  # fmt: skip

    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "no AWS API answers at http://127.0.0.1:9" in line
    assert "make aws-up" in line


def test_an_unknown_stack_is_one_line_and_exit_2(aws_env: dict[str, str]) -> None:
    result = run_cli("--invoke", "lambda", "--endpoint-url", aws_env["AWS_ENDPOINT_URL"], "--stack-name", "no-such")

    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert "stack no-such not found at" in line
