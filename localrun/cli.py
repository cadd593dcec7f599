"""`python -m localrun`: run template.yaml's functions locally against the local Kafka and Postgres."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import FrameType

from localrun import logs
from localrun.aws_stack import DeployedStack, Endpoint, StackError
from localrun.intrinsics import Pseudo
from localrun.preflight import check_run
from localrun.runner import Runner, RunnerOptions
from localrun.template import parse_overrides
from localrun.usage import OneLineParser, UsageError

log = logging.getLogger("localrun")

# What the template says for AWS that means something else on a laptop.
LOCAL_ENVIRONMENT = {"KAFKA_AUTH": "none", "POWERTOOLS_TRACE_DISABLED": "true", "DB_SECRET_ARN": ""}
PASSED_THROUGH = ("DB_DSN", "KAFKA_BROKERS", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="python -m localrun",
        description="Run every function of a SAM template locally: MSK/SelfManagedKafka events as Kafka "
        "consumer groups (MSK-shaped batches, commit after success, batchItemFailures, retries and the "
        "on-failure topic), Api events over HTTP (API Gateway REST proxy events) and Schedule events. "
        "DB_DSN and KAFKA_BROKERS come from the environment, else from `scripts/stack.sh env`. With --invoke "
        "lambda only the Kafka part runs here, feeding the functions of a deployed stack (make aws-run).",
    )
    add = parser.add_argument
    add("--template", type=Path, default=Path("template.yaml"), help="SAM template (default: %(default)s)")
    add("--only", action="append", default=[], metavar="FUNCTION", help="run only this function (repeatable)")
    add("--env-file", type=Path, help="KEY=VALUE lines added to every function's environment")
    add("--port", type=int, default=3000, help="HTTP port of the API on 127.0.0.1 (default: %(default)s)")
    add("--parameter-overrides", nargs="+", default=[], metavar="KEY=VALUE", help="template parameter values")
    add("--on-failure-topic", default="order-service.dlq",
        help="local topic for on-failure destinations that are not kafka:// (default: %(default)s)")  # fmt: skip
    add("--schedule-interval", type=float, metavar="SECONDS", help="run every Schedule event this often")
    add("--retry-backoff", type=float, default=1.0, metavar="SECONDS",
        help="first retry delay of a failed batch, doubled on each retry (default: %(default)s)")  # fmt: skip
    add("--region", help="AWS::Region of the local stack (default: us-east-1); with --invoke lambda, the stack's "
        "(default: AWS_DEFAULT_REGION)")  # fmt: skip
    add("--invoke", choices=["worker", "in-process", "lambda"], default="worker",
        help="worker (default): each function in a process of its own, concurrently, as Lambda runs each in a "
        "container of its own; in-process: every handler in this process, one invocation at a time; "
        "lambda: play only the MSK event source mappings "
        "and call the functions deployed in --stack-name through the Lambda Invoke API "
        "(their API and schedules run where they are deployed)")  # fmt: skip
    add("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"), metavar="URL",
        help="with --invoke lambda: the AWS API endpoint (default: AWS_ENDPOINT_URL, else AWS itself)")  # fmt: skip
    add("--stack-name", help="with --invoke lambda: the deployed CloudFormation stack")
    add("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    return parser


def read_env_file(path: Path) -> dict[str, str]:
    """dotenv-style KEY=VALUE lines; blank lines, comments and `export ` prefixes are allowed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"--env-file {path}: {error.strerror}") from error
    values = {}
    for raw in text.splitlines():
        line = raw.strip().removeprefix("export ").strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip("'\"")
    return values


def stack_environment(root: Path) -> dict[str, str]:
    """DB_DSN and KAFKA_BROKERS of the local stack, as `scripts/stack.sh env` prints them."""
    script = root / "scripts" / "stack.sh"
    if not script.is_file():
        return {}
    result = subprocess.run([str(script), "env"], capture_output=True, text=True, check=False)  # noqa: S603
    if result.returncode != 0:  # its own one-line error, e.g. a port other than the one the stack was made with
        lines = result.stderr.strip().splitlines() or [f"{script} env failed"]
        raise UsageError(lines[-1].removeprefix("stack: error: "))
    return dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)


def local_environment(environ: Mapping[str, str], template: Path, env_file: Path | None) -> dict[str, str]:
    """The overrides every function gets: local defaults, this shell's values, then the env file."""
    passed = {key: environ[key] for key in PASSED_THROUGH if key in environ}
    if not {"DB_DSN", "KAFKA_BROKERS"} <= passed.keys():
        passed = {**stack_environment(template.resolve().parent), **passed}
    return {**LOCAL_ENVIRONMENT, **passed, **(read_env_file(env_file) if env_file else {})}


def deployed_stack(parser: argparse.ArgumentParser, args: argparse.Namespace) -> DeployedStack | None:
    """The stack whose functions --invoke lambda calls; None in-process."""
    if args.invoke != "lambda":
        if args.stack_name:
            parser.error("--stack-name goes with --invoke lambda")
        return None
    if not args.stack_name:
        parser.error("--invoke lambda needs --stack-name (the deployed stack, e.g. $STACK_NAME of `make -s aws-env`)")
    return DeployedStack(Endpoint(args.endpoint_url, args.region), args.stack_name)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logs.configure(args.log_level)
    stack = deployed_stack(parser, args)
    try:
        environment = local_environment(os.environ, args.template, args.env_file)
        overrides = parse_overrides(args.parameter_overrides)
        check_run(environment, template=args.template, overrides=overrides, only=args.only, port=args.port, stack=stack)
    except (UsageError, StackError) as error:
        parser.error(str(error))
    runner = Runner(
        RunnerOptions(
            template=args.template,
            brokers=environment["KAFKA_BROKERS"],
            environment=environment,
            parameter_overrides=overrides,
            only=args.only,
            port=args.port,
            on_failure_topic=args.on_failure_topic,
            schedule_interval=args.schedule_interval,
            backoff_seconds=args.retry_backoff,
            pseudo=Pseudo(region=args.region or "us-east-1"),
            invoke=stack,
            host=args.invoke,
        )
    )

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        log.info("stopping", extra={"signal": signal.Signals(signum).name})
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, request_stop)
    try:
        runner.start()
        if stack is not None:
            log.info("api and schedules served by the endpoint", extra={"api_url": stack.api_url()})
        runner.wait()
    except KeyboardInterrupt:
        pass
    except StackError as error:  # a function of the template missing from the stack
        log.error(str(error))
        return 2
    finally:
        runner.stop()
    return 1 if runner.failed else 0
