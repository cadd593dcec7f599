"""Every mistake a newcomer can make with the local tools is one line that names the flag or variable and the fix,
with exit status 2 and no traceback, said before anything starts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.service_runner import free_port
from tests.frontdoor.tools import one_line_error, run_tool, taken_port

pytestmark = pytest.mark.usefixtures("stack_env")

NO_HANDLER = "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: fn}\n"


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (["--only", "Bogus"], "--only Bogus: no such function in template.yaml; one of: OrdersCreatedFunction"),
        (["--parameter-overrides", "Foo"], "--parameter-overrides 'Foo': write Key=Value"),
        (["--template", "nope.yaml"], "--template nope.yaml: No such file or directory"),
        (["--port", "x"], "argument --port: invalid int value: 'x'"),
        (["--invoke", "lambda"], "--invoke lambda needs --stack-name"),
        (["--env-file", "nope.env"], "--env-file nope.env: No such file or directory"),
    ],
)
def test_a_bad_flag_of_the_runner(args: list[str], named: str) -> None:
    line = one_line_error(run_tool("localrun", *args))

    assert line.startswith("python -m localrun: error: ")
    assert named in line


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("Resources:\n  A: [unclosed\n", "not YAML at line 3, column 1: expected ',' or ']'"),
        (NO_HANDLER, ": Fn: no Handler"),
        (NO_HANDLER.replace("{CodeUri: fn}", "{CodeUri: fn, Handler: !Ref Nope}"), "Fn: !Ref Nope: no such parameter"),
    ],
)
def test_a_malformed_template(tmp_path: Path, text: str, named: str) -> None:
    template = tmp_path / "template.yaml"
    template.write_text(text)

    line = one_line_error(run_tool("localrun", "--template", str(template)))

    assert f"--template {template}" in line
    assert named in line


@pytest.mark.parametrize(
    ("setting", "named"),
    [
        ("KAFKA_PUBLISH_TIMEOUT_S=soon", "KAFKA_PUBLISH_TIMEOUT_S='soon': Input should be a valid number"),
        ("DB_DSN=", "set DB_DSN (local) or DB_SECRET_ARN (AWS)"),
    ],
)
def test_a_malformed_or_missing_setting_of_the_functions(tmp_path: Path, setting: str, named: str) -> None:
    env_file = tmp_path / "functions.env"
    env_file.write_text(setting + "\n")

    line = one_line_error(run_tool("localrun", "--env-file", str(env_file)))

    assert "Function: invalid settings: " in line
    assert named in line


def test_postgres_not_answering() -> None:
    dsn = f"postgresql://orders:orders@127.0.0.1:{free_port()}/orders"

    line = one_line_error(run_tool("localrun", env={"DB_DSN": dsn}))

    assert "DB_DSN: connection to server at" in line
    assert "start the local stack (`make up`) or point DB_DSN at a running Postgres" in line


def test_kafka_not_answering() -> None:
    brokers = f"127.0.0.1:{free_port()}"

    line = one_line_error(run_tool("localrun", env={"KAFKA_BROKERS": brokers}))

    assert f"KAFKA_BROKERS={brokers}: no broker answers; start the local stack (`make up`)" in line


def test_the_api_port_in_use() -> None:
    with taken_port(listening=False) as port:
        line = one_line_error(run_tool("localrun", "--port", str(port)))

    assert f"--port {port} is in use" in line


def test_ports_other_than_the_stacks() -> None:
    line = one_line_error(run_tool("localrun", env={"DB_DSN": None, "KAFKA_BROKERS": None, "PG_PORT": "1"}))

    assert "PG_PORT=1 but this stack was created with PG_PORT=" in line


@pytest.mark.parametrize(
    ("args", "env", "named"),
    [
        ([], {"DB_DSN": f"postgresql://orders:orders@127.0.0.1:{free_port()}/orders"}, "DB_DSN: connection to"),
        ([], {"KAFKA_BROKERS": f"127.0.0.1:{free_port()}"}, "no broker answers"),
        (["--aws"], {"STACK_NAME": None}, "--aws needs --stack-name or STACK_NAME"),
    ],
)
def test_the_demo_with_its_stack_down_or_a_bad_flag(args: list[str], env: dict[str, str | None], named: str) -> None:
    line = one_line_error(run_tool("demo", *args, env=env))

    assert line.startswith("python -m demo: error: ")
    assert named in line


def test_the_demo_asked_to_start_a_runner_where_one_answers() -> None:
    with taken_port() as port:
        line = one_line_error(run_tool("demo", "--port", str(port), "--start-runner"))

    assert f"--start-runner: port {port} is taken" in line
