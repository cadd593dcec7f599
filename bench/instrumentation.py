"""Instrumentation the benchmark (and the round-trip test) plug into the composition root."""

from __future__ import annotations

from typing import Any, ClassVar

import psycopg


class CountingConnection(psycopg.Connection[Any]):
    """A psycopg connection that counts client-server round trips (each `wait` is one exchange), for all instances."""

    round_trips: ClassVar[int] = 0

    def wait(self, gen: Any, interval: float = 0.1, timeout: float | None = None) -> Any:
        type(self).round_trips += 1
        return super().wait(gen, interval, timeout)
