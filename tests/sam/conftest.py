"""Fixtures of the SAM suite: the sample events of events/, a Lambda context, and cleanup of fixed ids."""

from __future__ import annotations

import base64
import importlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "events"


def load_event(name: str) -> dict[str, Any]:
    """The sample event `events/<name>.json`, the same file `sam local invoke -e` reads."""
    event: dict[str, Any] = json.loads((EVENTS / f"{name}.json").read_text())
    return event


def kafka_records(event: dict[str, Any]) -> list[dict[str, Any]]:
    """Every record of an MSK event, with its value decoded when it is JSON (None when it is not)."""
    records = []
    for batch in event["records"].values():
        for record in batch:
            try:
                value = json.loads(base64.b64decode(record["value"]))
            except ValueError:
                value = None
            records.append({**record, "json": value})
    return records


@dataclass
class FakeLambdaContext:
    function_name: str = "order-service-test"
    function_version: str = "$LATEST"
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:order-service-test"
    memory_limit_in_mb: int = 512
    aws_request_id: str = "4b5f0c4e-0000-4000-8000-000000000001"
    log_group_name: str = "/aws/lambda/order-service-test"
    log_stream_name: str = "2026/01/01/[$LATEST]test"
    remaining_ms: int = 30_000

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_ms


@pytest.fixture
def lambda_context() -> FakeLambdaContext:
    return FakeLambdaContext()


@pytest.fixture
def forget_orders(conn: psycopg.Connection[Any]) -> Callable[..., None]:
    """Delete what earlier runs left for the fixed order ids and record positions of the sample events."""

    def forget(order_ids: Iterable[UUID], records: Iterable[dict[str, Any]] = ()) -> None:
        ids = [str(i) for i in order_ids]
        conn.execute("DELETE FROM order_status_history WHERE order_id = ANY(%s::uuid[])", [ids])
        conn.execute("DELETE FROM outbox WHERE order_id = ANY(%s::uuid[])", [ids])
        conn.execute("DELETE FROM dead_letters WHERE order_id = ANY(%s::uuid[])", [ids])
        for r in records:
            conn.execute(
                'DELETE FROM dead_letters WHERE topic = %s AND partition = %s AND "offset" = %s',
                [r["topic"], r["partition"], r["offset"]],
            )
        conn.execute("DELETE FROM orders WHERE id = ANY(%s::uuid[])", [ids])

    return forget


# The API functions' handlers, imported once the stack's settings are in the environment.
@pytest.fixture
def ship_order(stack_env: dict[str, str]) -> Callable[..., dict[str, Any]]:
    return importlib.import_module("functions.ship_order.app").lambda_handler  # type: ignore[no-any-return]


@pytest.fixture
def orders_api(stack_env: dict[str, str]) -> Callable[..., dict[str, Any]]:
    return importlib.import_module("functions.orders_api.app").lambda_handler  # type: ignore[no-any-return]


@pytest.fixture
def fresh(forget_orders: Callable[..., None], make_order: Callable[..., UUID]) -> Callable[[UUID, str], UUID]:
    def create(order_id: UUID, status: str) -> UUID:
        forget_orders([order_id])
        return make_order(order_id, status=status)

    return create


@pytest.fixture(scope="module")
def api() -> Any:
    """The API functions behind API Gateway's routing and proxy events, in-process (tests/sam/api_gateway.py)."""
    from tests.sam.api_gateway import InProcessApi  # noqa: PLC0415 - api_gateway imports this module

    return InProcessApi()


@pytest.fixture(scope="module")
def contract() -> Any:
    """docs/openapi.json as a validator of answers."""
    from tests.sam.api_gateway import Contract  # noqa: PLC0415 - api_gateway imports this module

    return Contract()
