"""Always fails, so the runner's retries and on-failure destination can be observed."""

from __future__ import annotations

from typing import Any

from e2e_recording import record


class DownstreamUnavailableError(RuntimeError):
    """Stands in for a dependency that never comes back."""


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    record("kafka", event, context)
    raise DownstreamUnavailableError("downstream unavailable")
