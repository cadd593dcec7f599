"""Shared by the test handlers (as a layer): append what a function saw to RECORD_FILE, one JSON per line."""

from __future__ import annotations

import json
import os
from typing import Any


def record(kind: str, event: Any, context: Any) -> None:
    entry = {
        "kind": kind,
        "role": os.environ["ROLE"],
        "pid": os.getpid(),
        "stack_label": os.environ["STACK_LABEL"],
        "function_name": context.function_name,
        "request_id": context.aws_request_id,
        "remaining_ms": context.get_remaining_time_in_millis(),
        "memory_mb": context.memory_limit_in_mb,
        "event": event,
    }
    with open(os.environ["RECORD_FILE"], "a", encoding="utf-8") as stream:
        stream.write(json.dumps(entry) + "\n")
