"""The Python half of scripts/aws.sh: what it asks of the emulator's AWS APIs.

    emulator.py wait URL [--pid PID] [--timeout S]   until the emulator answers its health check
    emulator.py deploy-parameters                    put the database secret; print sam deploy's parameter overrides
    emulator.py env                                  print AWS_ENDPOINT_URL=, STACK_NAME=, API_URL=, credentials, region

Reads AWS_ENDPOINT_URL, AWS_DEFAULT_REGION, EMULATOR and the local stack's DB_DSN / KAFKA_BROKERS from the
environment (scripts/aws.sh exports them), and the [emulator] section of samconfig.toml.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
import time
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import ClientError
from psycopg.conninfo import conninfo_to_dict

from localrun.aws_stack import DeployedStack, Endpoint, StackError

ROOT = Path(__file__).resolve().parent.parent
SECRET_NAME = "order-service/db"  # noqa: S105 - the secret's name; its value comes from the local stack


@dataclass(frozen=True)
class Reach:
    """Postgres and Kafka as the deployed functions see them (None: as this machine does)."""

    db_host: str
    db_port: int | None = None
    brokers: str | None = None


# MiniStack runs the functions on this machine; LocalStack in containers on the docker-compose network
# (docker-compose.yml's service names and internal ports).
REACH = {"ministack": Reach("127.0.0.1"), "localstack": Reach("postgres", 5432, "kafka:19092")}


def samconfig() -> dict[str, Any]:
    with (ROOT / "samconfig.toml").open("rb") as file:
        return dict(tomllib.load(file)["emulator"])


def endpoint() -> Endpoint:
    return Endpoint(os.environ["AWS_ENDPOINT_URL"], os.environ["AWS_DEFAULT_REGION"])


def wait(url: str, pid: int | None, timeout: float) -> None:
    """Until GET <url>/_localstack/health answers 200 (MiniStack serves LocalStack's health path too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pid is not None and not Path(f"/proc/{pid}").exists():
            raise StackError(f"the emulator exited while starting (pid {pid})")
        try:
            with urllib.request.urlopen(f"{url}/_localstack/health", timeout=2) as reply:  # noqa: S310
                if reply.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise StackError(f"the emulator does not answer at {url} after {timeout:.0f}s")


def put_secret(values: dict[str, Any]) -> str:
    """Create the database secret, or give the existing one these values; returns its ARN."""
    client = endpoint().client("secretsmanager")
    secret = json.dumps(values)
    try:
        return str(client.put_secret_value(SecretId=SECRET_NAME, SecretString=secret)["ARN"])
    except ClientError as error:
        if error.response["Error"]["Code"] != "ResourceNotFoundException":
            raise
    return str(client.create_secret(Name=SECRET_NAME, SecretString=secret)["ARN"])


def deploy_parameters() -> str:
    """samconfig's static overrides plus what depends on the running stack (ports, the secret's ARN)."""
    reach = REACH[os.environ.get("EMULATOR", "ministack")]
    dsn = conninfo_to_dict(os.environ["DB_DSN"])
    secret = {"username": dsn["user"], "password": dsn["password"], "dbname": dsn["dbname"],
              "host": reach.db_host, "port": reach.db_port or int(str(dsn["port"]))}  # fmt: skip
    arn = endpoint().call(lambda: put_secret(secret), "putting the database secret")
    dynamic = {"DbSecretArn": arn, "DbHost": reach.db_host,
               "KafkaBootstrapBrokers": reach.brokers or os.environ["KAFKA_BROKERS"]}  # fmt: skip
    static = samconfig()["deploy"]["parameters"]["parameter_overrides"]
    return " ".join([static, *(f'{key}="{value}"' for key, value in dynamic.items())])


def env() -> str:
    """Sourceable lines: the endpoint, the stack, its API's base URL, and what the emulator accepts as identity."""
    name = samconfig()["global"]["parameters"]["stack_name"]
    api_url = DeployedStack(endpoint(), name).api_url()
    values = {"AWS_ENDPOINT_URL": endpoint().url, "STACK_NAME": name, "API_URL": api_url,
              "AWS_DEFAULT_REGION": endpoint().region, "AWS_REGION": endpoint().region,
              "AWS_ACCESS_KEY_ID": os.environ["AWS_ACCESS_KEY_ID"],
              "AWS_SECRET_ACCESS_KEY": os.environ["AWS_SECRET_ACCESS_KEY"]}  # fmt: skip
    return "\n".join(f"{key}={shlex.quote(str(value))}" for key, value in values.items())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/emulator.py", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    waiting = commands.add_parser("wait")
    waiting.add_argument("url")
    waiting.add_argument("--pid", type=int)
    waiting.add_argument("--timeout", type=float, default=60)
    commands.add_parser("deploy-parameters")
    commands.add_parser("env")
    args = parser.parse_args(argv)
    try:
        if args.command == "wait":
            wait(args.url, args.pid, args.timeout)
        else:
            print(deploy_parameters() if args.command == "deploy-parameters" else env())
    except StackError as error:
        print(f"emulator: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
