"""`python -m demo`: drive a few orders through the running service and print their timelines.

Uses the runner of `make run` in another terminal, or starts one itself when none answers on the
port. With --aws, goes through a deployed stack instead (make aws-demo): its API Gateway, SigV4-signed,
and its functions fed by a runner in invoke mode. Exits 0 only if every order ends where the state
machine says it must; 1 when it does not or the runner stops; 2 for a bad flag, setting or dead dependency.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import psycopg
from kafka import KafkaProducer
from kafka.errors import KafkaError

from demo.report import print_report
from demo.scenario import Demo
from demo.targets import DemoError, DeployedTarget, LocalTarget, Target, progress
from localrun.aws_stack import DeployedStack, Endpoint, StackError
from localrun.cli import local_environment
from localrun.preflight import require, require_kafka, require_postgres
from localrun.usage import OneLineParser, UsageError

PROG = "python -m demo"
TEMPLATE = Path("template.yaml")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog=PROG, description=__doc__)
    add = parser.add_argument
    add("--port", type=int, default=3000, help="the local runner's HTTP port (default: %(default)s)")
    add("--start-runner", action="store_true",
        help="start `python -m localrun` itself (default: only if none answers)")  # fmt: skip
    add("--aws", action="store_true", help="through the stack deployed on --endpoint-url (make aws-demo)")
    add("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"),
        help="with --aws: the AWS API endpoint (default: AWS_ENDPOINT_URL, else AWS itself)")  # fmt: skip
    add("--stack-name", default=os.environ.get("STACK_NAME"), help="with --aws: the stack (default: STACK_NAME)")
    return parser


def target_of(args: argparse.Namespace, brokers: str) -> Target:
    if not args.aws:
        return LocalTarget(args.port)
    if not args.stack_name:
        raise UsageError("--aws needs --stack-name or STACK_NAME (of `make -s aws-env`)")
    return DeployedTarget(DeployedStack(Endpoint(args.endpoint_url), args.stack_name), brokers, TEMPLATE)


def run(target: Target, dsn: str, brokers: str, *, start_runner: bool) -> bool:
    """The scenarios through a runner (started here if need be), then the report; True when all ended right."""
    stop_runner = target.start_runner(forced=start_runner)
    producer: KafkaProducer | None = None
    try:
        producer = KafkaProducer(bootstrap_servers=brokers.split(","), acks="all")
        with psycopg.connect(dsn, autocommit=True) as conn:
            demo = Demo(conn, producer, target)
            progress("publishing the orders' events and waiting for the runner to apply them")
            demo.run()
            if not demo.settle():
                progress("not every order ended as expected within 60 s; the report shows where each is")
            progress("reading the outcome back from Postgres and the outbound topics")
            return print_report(conn, brokers, demo.expected, demo.started)
    finally:
        if producer is not None:
            producer.close()
        if stop_runner is not None:
            stop_runner()


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        env = local_environment(os.environ, TEMPLATE, None)
        dsn, brokers = require(env, "DB_DSN"), require(env, "KAFKA_BROKERS")
        require_postgres(dsn)
        require_kafka(brokers)
        target = target_of(args, brokers)
        ok = run(target, dsn, brokers, start_runner=args.start_runner)
    except (UsageError, StackError) as error:
        parser.error(str(error))
    except DemoError as error:
        for line in error.log_lines:
            print(f"   | {line}", file=sys.stderr)
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 1
    except (psycopg.OperationalError, KafkaError) as error:
        print(f"{PROG}: error: {type(error).__name__}: {str(error).splitlines()[0]}", file=sys.stderr)
        return 1
    print("\nDEMO OK" if ok else "\nDEMO FAILED: some order did not end where the state machine says")
    return 0 if ok else 1
