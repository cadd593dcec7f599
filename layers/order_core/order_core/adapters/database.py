"""One psycopg connection per Lambda container, and the one place driver errors are translated."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg.rows import TupleRow

from order_core.exceptions import TransientError

# Class 08 (connection), 40 (serialization failure, deadlock), 55P03 (lock timeout), 57 (shutdown,
# statement timeout) all arrive as OperationalError; a closed connection as InterfaceError.
TRANSIENT_ERRORS = (psycopg.OperationalError, psycopg.InterfaceError)


class CountingConnection(psycopg.Connection[TupleRow]):
    """A psycopg connection that counts its client-server round trips (each `wait` is one exchange)."""

    round_trips = 0

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        self.round_trips += 1
        return super().wait(gen, interval, timeout)


class Database:
    """Opens the connection lazily at first use, reuses it, and reopens it when it is broken."""

    def __init__(self, conninfo: Callable[[], str], *, lock_timeout_ms: int = 5000) -> None:
        self._conninfo = conninfo
        self._lock_timeout_ms = lock_timeout_ms
        self._conn: CountingConnection | None = None

    def connection(self) -> CountingConnection:
        if self._conn is None or self._conn.closed or self._conn.broken:
            with self.translate_errors():
                self._conn = CountingConnection.connect(
                    self._conninfo(),
                    connect_timeout=5,
                    # A stuck lock or query becomes a retryable error instead of a Lambda timeout.
                    options=f"-c lock_timeout={self._lock_timeout_ms} -c statement_timeout=20s"
                    " -c idle_in_transaction_session_timeout=60s",
                )
        return self._conn

    @property
    def round_trips(self) -> int:
        return self._conn.round_trips if self._conn is not None else 0

    def close(self) -> None:
        """Close the connection (after a failure, or at shutdown) so the next use reopens it."""
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @contextmanager
    def translate_errors(self) -> Iterator[None]:
        """Turn transient driver errors into `TransientError`, dropping a connection that can't be used again."""
        try:
            yield
        except TRANSIENT_ERRORS as error:
            conn = self._conn
            if conn is None or conn.closed or conn.broken or isinstance(error, psycopg.InterfaceError):
                self.close()
            raise TransientError(f"database: {type(error).__name__}: {error}".strip()) from error
