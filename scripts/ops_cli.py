"""What the operator scripts (replay-dead-letters, redrive-dlq) share: one-line errors and their settings.

An operator who mistypes a flag, forgets `DB_DSN` or points at a database that is down gets one line
naming the problem and the fix, and a non-zero exit; never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from typing import NoReturn

import psycopg
from kafka.errors import KafkaError

from order_core.exceptions import ConfigurationError, TransientError


class OperatorError(Exception):
    """A problem the operator can fix, reported as one line."""


class Parser(argparse.ArgumentParser):
    """argparse, with a bad flag reported on one line instead of a usage block."""

    def error(self, message: str) -> NoReturn:
        raise OperatorError(f"{message} (see --help)")


def environment(*names: str) -> list[str]:
    """The values of these variables; a missing one is an OperatorError that says how to set it."""
    missing = [name for name in names if not os.environ.get(name, "").strip()]
    if missing:
        raise OperatorError(
            f'{", ".join(missing)} not set: export it (`eval "$(make -s env)"` for the local stack; in AWS, '
            "the values of a tunnel to the database and the brokers)"
        )
    return [os.environ[name].strip() for name in names]


def run(main: Callable[[], int]) -> NoReturn:
    """Run `main` and exit with its status; every error an operator can meet becomes one line on stderr."""
    prog = os.path.basename(sys.argv[0])
    try:
        status = main()
    except (OperatorError, ConfigurationError) as error:
        status = _fail(prog, str(error), 2)
    except psycopg.OperationalError as error:
        status = _fail(prog, f"cannot reach the database (DB_DSN): {_first_line(error)}", 3)
    except TransientError as error:
        status = _fail(prog, f"{error}; nothing after the last line above was applied, run again", 3)
    except KafkaError as error:
        status = _fail(prog, f"cannot reach Kafka (KAFKA_BROKERS): {error!r}", 3)
    sys.exit(status)


def _fail(prog: str, message: str, status: int) -> int:
    print(f"{prog}: {message}", file=sys.stderr)
    return status


def _first_line(error: Exception) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
