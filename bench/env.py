"""Where the benchmarks find the stack: DB_DSN and KAFKA_BROKERS from the environment, else the local stack's."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from bench.procstat import listening_pid, tree_cpu_seconds
from localrun.cli import stack_environment
from localrun.usage import UsageError

ROOT = Path(__file__).resolve().parents[1]
NAMES = ("DB_DSN", "KAFKA_BROKERS")
CpuReaders = dict[str, Callable[[], float]]


class StackNotFound(UsageError):
    """Neither the environment nor `scripts/stack.sh env` names a database and brokers."""


def stack_settings() -> dict[str, str]:
    """DB_DSN and KAFKA_BROKERS: this shell's values win, as everywhere else in the project."""
    settings = {name: os.environ[name] for name in NAMES if os.environ.get(name)}
    if len(settings) < len(NAMES):
        settings = {**stack_environment(ROOT), **settings}
    missing = [name for name in NAMES if not settings.get(name)]
    if missing:
        raise StackNotFound(f"{' and '.join(missing)} not set and `scripts/stack.sh env` gave none: run `make up`")
    return {name: settings[name] for name in NAMES}


def find_stack(prog: str) -> dict[str, str] | None:
    """The stack's settings, or None once `prog` said on stderr why there are none."""
    try:
        return stack_settings()
    except UsageError as error:  # StackNotFound, or `scripts/stack.sh env` failing
        print(f"{prog}: {error}", file=sys.stderr)
        return None


def stack_cpu(settings: dict[str, str]) -> CpuReaders:
    """Readers of the CPU seconds Postgres and Kafka have used, found by the ports they listen on."""
    pg_port, kafka_port = ports(settings)
    return {"postgres": partial(tree_cpu_seconds, listening_pid(pg_port)),
            "kafka": partial(tree_cpu_seconds, listening_pid(kafka_port))}  # fmt: skip


def ports(settings: dict[str, str]) -> tuple[int, int]:
    """The local ports of Postgres and of the (first) Kafka broker."""
    pg_port = int(conninfo_to_dict(settings["DB_DSN"]).get("port") or 5432)
    kafka_port = int(settings["KAFKA_BROKERS"].split(",")[0].rsplit(":", 1)[1])
    return pg_port, kafka_port
