"""Compact structured log lines (logfmt): `time level logger message key=value ...`."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

# Attributes every LogRecord has; anything else on a record came from `extra=` and is printed as a field.
_STANDARD = set(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "taskName"}


def _quote(value: object) -> str:
    text = str(value)
    return f'"{text}"' if not text or any(c in text for c in ' ="') else text


class LogfmtFormatter(logging.Formatter):
    """Renders `extra=` fields as key=value pairs after the message."""

    def format(self, record: logging.LogRecord) -> str:
        fields = " ".join(f"{key}={_quote(value)}" for key, value in record.__dict__.items() if key not in _STANDARD)
        line = f"{self.formatTime(record, '%H:%M:%S')} {record.levelname:<5} {record.name} {record.getMessage()}"
        line = f"{line} {fields}" if fields else line
        return f"{line}\n{self.formatException(record.exc_info)}" if record.exc_info else line


def configure(level: str = "INFO") -> None:
    """Send the runner's logs to stderr, one line each; handlers keep logging to stdout as in Lambda."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(LogfmtFormatter())
    root = logging.getLogger("localrun")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False


@contextmanager
def silenced(name: str) -> Iterator[None]:
    """Drop one logger's records for a while: for a check that does what the runner does, and logs, again later."""
    logger = logging.getLogger(name)
    was = logger.disabled
    logger.disabled = True
    try:
        yield
    finally:
        logger.disabled = was
