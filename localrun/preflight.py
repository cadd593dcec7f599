"""Checks made before anything starts, so that a missing setting or a dead dependency is one line naming the
variable and the fix (localrun.usage), not a traceback half a minute later.

Kafka is the runner's own dependency. Postgres and the settings are those of functions built on this
project's order_core layer: checked only when the functions have it on their layers' path.
"""

from __future__ import annotations

import importlib.util
import socket
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import psycopg

from localrun import logs
from localrun.aws_stack import DeployedStack
from localrun.model import FunctionSpec
from localrun.template import load_template
from localrun.usage import TemplateError, UsageError

_TIMEOUT_S = 3
_START_STACK = "start the local stack (`make up`)"


def check_run(
    environment: Mapping[str, str], *, template: Path, overrides: Mapping[str, str], only: Sequence[str], port: int,
    stack: DeployedStack | None,
) -> None:  # fmt: skip
    """Everything `python -m localrun` needs, before it starts: UsageError (or StackError) names what is wrong."""
    deployed = stack.parameters() if stack is not None else {}  # read once and kept by the stack
    try:
        # The runner loads the template again as it starts, and logs the placeholders it fills in then.
        with logs.silenced("localrun.template"):
            functions = load_template(template, {**deployed, **overrides}).select(only)
    except TemplateError as error:
        raise UsageError(f"--template {error}") from error
    brokers = require(environment, "KAFKA_BROKERS")
    if stack is None:  # in-process: the functions run here, on this API port and this database
        if any(spec.apis for spec in functions):
            require_free_port(port)
        if uses_order_core(functions):
            require_settings(functions, environment)
            require_postgres(require(environment, "DB_DSN"))
    require_kafka(brokers)


def require(environment: Mapping[str, str], name: str) -> str:
    """The value of a variable the tool cannot run without."""
    if not environment.get(name):
        raise UsageError(f"{name} is not set and `scripts/stack.sh env` gave none: {_START_STACK} or set {name}")
    return environment[name]


def require_kafka(brokers: str) -> None:
    """At least one broker of KAFKA_BROKERS accepts a connection."""
    for address in brokers.split(","):
        host, _, port = address.strip().rpartition(":")
        if not host or not port.isdigit():
            raise UsageError(f"KAFKA_BROKERS={brokers}: {address.strip()!r} is not host:port")
        try:
            socket.create_connection((host, int(port)), timeout=_TIMEOUT_S).close()
        except OSError:
            continue
        return
    raise UsageError(f"KAFKA_BROKERS={brokers}: no broker answers; {_START_STACK} or point KAFKA_BROKERS at one")


def require_free_port(port: int) -> None:
    """The runner's HTTP server can bind 127.0.0.1:port (probed the way it binds, SO_REUSEADDR included)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            message = f"--port {port} is in use (another runner, `make run`?): stop it or pass another --port"
            raise UsageError(message) from error


def require_postgres(dsn: str) -> None:
    """DB_DSN reaches a Postgres whose migrations are applied."""
    try:
        with psycopg.connect(dsn, connect_timeout=_TIMEOUT_S) as conn:
            conn.execute("SELECT FROM orders LIMIT 0")
    except psycopg.errors.UndefinedTable as error:
        raise UsageError("DB_DSN: the database has no orders table: apply the migrations (`make migrate`)") from error
    except psycopg.Error as error:
        reason = str(error).splitlines()[0].removeprefix("connection failed: ") if str(error) else type(error).__name__
        raise UsageError(f"DB_DSN: {reason}; {_START_STACK} or point DB_DSN at a running Postgres") from error


def uses_order_core(functions: Sequence[FunctionSpec]) -> bool:
    """Whether the functions' layers provide order_core (put on the path as the runner does when it loads them)."""
    for layer in dict.fromkeys(str(path) for spec in functions for path in spec.layer_dirs):
        if layer not in sys.path:
            sys.path.append(layer)
    return importlib.util.find_spec("order_core") is not None


def require_settings(functions: Sequence[FunctionSpec], environment: Mapping[str, str]) -> None:
    """Each function's settings read now, as order_core reads them at its first invocation."""
    from order_core.config import Settings  # noqa: PLC0415 - importable once uses_order_core() said so
    from order_core.exceptions import ConfigurationError  # noqa: PLC0415

    for spec in functions:
        try:
            Settings.from_env({**spec.environment, **environment})
        except ConfigurationError as error:
            raise UsageError(f"{spec.logical_id}: {error}") from error
