"""One psycopg connection per Lambda container, its transactions, and the one place driver errors are translated.

Safe behind RDS Proxy: no startup options and no prepared statements (either would pin the proxy
connection); timeouts are set per transaction with `SET LOCAL`, sent in the same round trip as the
transaction's first statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg

from order_core.exceptions import TransientError, WriteRejected

# SQLSTATE classes of errors about the data a statement carries: data exception (22), integrity
# constraint violation (23), program limit exceeded (54, e.g. a value too large for an index). Every
# other database error is about the database itself (connection, locks, serialization, timeouts,
# shutdown, resources) or the deployment (schema, permissions), and is retried as is.
_DATA_ERROR_CLASSES = frozenset({"22", "23", "54"})

STATEMENT_TIMEOUT_MS = 20_000
IDLE_IN_TRANSACTION_TIMEOUT_MS = 60_000

# A stuck lock or query becomes a retryable error instead of a Lambda timeout.
_SET_TIMEOUTS = """SELECT set_config('lock_timeout', %s, true), set_config('statement_timeout', %s, true),
                          set_config('idle_in_transaction_session_timeout', %s, true)"""


def translate(error: psycopg.Error) -> TransientError | WriteRejected:
    """The order_core error for a driver error."""
    sqlstate = error.sqlstate or ""
    message = f"database: {type(error).__name__}: {error}".strip()
    if sqlstate[:2] in _DATA_ERROR_CLASSES:
        return WriteRejected(message)
    return TransientError(message)


class Database:
    """Opens the connection lazily at first use, reuses it, and reopens it when it is broken."""

    def __init__(
        self,
        conninfo: Callable[[], str],
        *,
        lock_timeout_ms: int = 5000,
        connection_class: type[psycopg.Connection[tuple[object, ...]]] = psycopg.Connection,
    ) -> None:
        self._conninfo = conninfo
        self._connection_class = connection_class
        self._timeouts = [str(lock_timeout_ms), str(STATEMENT_TIMEOUT_MS), str(IDLE_IN_TRANSACTION_TIMEOUT_MS)]
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None

    @contextmanager
    def transaction(self) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        """A transaction in pipeline mode: statements go out together, results come back when read.

        Commits when the block ends, rolls back if it raises; every driver error leaves it translated.
        """
        try:
            conn = self._connection()
            with conn.pipeline(), conn.transaction():
                conn.execute(_SET_TIMEOUTS, self._timeouts)
                yield conn
        except psycopg.Error as error:
            if self._conn is not None and (self._conn.broken or self._conn.closed):
                self.close()
            raise translate(error) from error

    @contextmanager
    def savepoint(self, conn: psycopg.Connection[tuple[object, ...]]) -> Iterator[None]:
        """A nested transaction of `conn`; undone if the block raises, driver errors translated."""
        try:
            with conn.transaction():
                yield
        except psycopg.Error as error:
            raise translate(error) from error

    def close(self) -> None:
        """Close the connection (after a failure, or at shutdown) so the next use reopens it."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            conn.close()

    def _connection(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            self._conn = self._connection_class.connect(
                self._conninfo(), connect_timeout=5, autocommit=True, prepare_threshold=None
            )
        return self._conn
