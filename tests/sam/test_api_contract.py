"""docs/openapi.json against real answers: one real request per status the document lists for each route.

Each request goes through API Gateway's routing and proxy event into the real handler, on the real Postgres and
Kafka (503: on a database port where nothing listens; 500: on metadata nested deeper than the service can
represent). The answer must have the expected status and be valid against the committed document.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID, uuid4

import jsonschema_rs
import psycopg
import pytest

from localrun.api_events import HttpResponse
from order_core.bootstrap import reset_service
from order_core.entrypoints.http_body import MAX_BODY_BYTES
from tests.sam.api_gateway import Contract, Exchange, InProcessApi, request

GET_ORDER, LIST, SHIP, CANCEL = "/orders/{order_id}", "/orders", "/orders/{order_id}/ship", "/orders/{order_id}/cancel"
REASON = b'{"reason": "customer asked"}'
TOO_BIG = json.dumps({"reason": "x" * MAX_BODY_BYTES}).encode()


@dataclass(frozen=True)
class Case:
    """A request (its target names orders of the `orders` fixture) and the status it must get."""

    method: str
    route: str
    status: int
    target: str
    body: bytes = b""
    content_type: str | None = None

    def __str__(self) -> str:
        return f"{self.method} {self.route} {self.status}"


CASES = [
    Case("GET", GET_ORDER, 200, "/orders/{paid}"),
    Case("GET", GET_ORDER, 404, "/orders/{unknown}"),
    Case("GET", GET_ORDER, 422, "/orders/not-a-uuid"),
    Case("GET", GET_ORDER, 500, "/orders/{unrepresentable}"),
    Case("GET", LIST, 200, "/orders?limit=3"),
    Case("GET", LIST, 400, "/orders?status=paid&cursor=forged"),
    Case("GET", LIST, 422, "/orders?limit=0"),
    Case("GET", LIST, 500, "/orders?limit=1"),  # the unrepresentable order is the oldest of all
    Case("POST", SHIP, 200, "/orders/{processing}/ship"),
    Case("POST", SHIP, 404, "/orders/{unknown}/ship"),
    Case("POST", SHIP, 409, "/orders/{shipped}/ship"),
    Case("POST", SHIP, 413, "/orders/{processing}/ship", TOO_BIG, "application/json"),
    Case("POST", SHIP, 415, "/orders/{processing}/ship", b"{}", "text/plain"),
    Case("POST", SHIP, 422, "/orders/{processing}/ship", b'{"carrier": "ups"}'),
    Case("POST", SHIP, 500, "/orders/{unrepresentable}/ship"),
    Case("POST", CANCEL, 200, "/orders/{paid}/cancel", REASON, "application/json"),
    Case("POST", CANCEL, 404, "/orders/{unknown}/cancel", REASON),
    Case("POST", CANCEL, 409, "/orders/{shipped}/cancel", REASON),
    Case("POST", CANCEL, 413, "/orders/{paid}/cancel", TOO_BIG),
    Case("POST", CANCEL, 415, "/orders/{paid}/cancel", b"x", "multipart/form-data"),
    Case("POST", CANCEL, 422, "/orders/{paid}/cancel", b"{}", "application/json"),
    Case("POST", CANCEL, 500, "/orders/{paid_unrepresentable}/cancel", REASON),
]
ROUTES = [("GET", GET_ORDER, "/orders/{unknown}"), ("GET", LIST, "/orders"), ("POST", SHIP, "/orders/{unknown}/ship"),
          ("POST", CANCEL, "/orders/{unknown}/cancel")]  # fmt: skip


Orders = tuple[dict[str, UUID], Callable[[str], UUID]]


@pytest.fixture
def orders(
    make_order: Callable[..., UUID], forget_orders: Callable[..., None], conn: psycopg.Connection[Any]
) -> Iterator[Orders]:
    """Orders the cases name, by role; `unrepresentable` ones hold metadata nested 300 deep, created in 2000."""
    ids = {status: make_order(status=status) for status in ("paid", "processing", "shipped")}
    created: list[UUID] = list(ids.values())

    def unrepresentable(status: str) -> UUID:
        order_id = make_order(status=status)
        conn.execute(
            "UPDATE orders SET metadata = %s::jsonb, created_at = '2000-01-01T00:00:00Z' WHERE id = %s",
            ["[" * 300 + "]" * 300, order_id],
        )
        created.append(order_id)
        return order_id

    yield ids | {"unknown": uuid4()}, unrepresentable
    forget_orders(created)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_every_documented_answer_is_what_the_api_really_sends(
    api: InProcessApi, contract: Contract, orders: Orders, case: Case
) -> None:
    ids, unrepresentable = orders
    if case.status == 500:  # only now: while it exists, every listing from the oldest order is a 500 too
        ids |= {"unrepresentable": unrepresentable("processing"), "paid_unrepresentable": unrepresentable("paid")}
    headers = {} if case.content_type is None else {"content_type": case.content_type}

    exchange = api.send(request(case.method, case.target.format(**ids), case.body, **headers))

    assert exchange is not None
    assert exchange.status == case.status, exchange.response.body
    contract.check(exchange)


@pytest.fixture
def database_down(monkeypatch: pytest.MonkeyPatch, stack_env: dict[str, str]) -> None:
    """The functions' DB_DSN points at a local port where nothing listens: every connection is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("DB_DSN", f"postgresql://orders:orders@127.0.0.1:{port}/orders?connect_timeout=2")
    reset_service()


@pytest.mark.usefixtures("database_down")
@pytest.mark.parametrize(("method", "route", "target"), ROUTES, ids=[f"{m} {r}" for m, r, _ in ROUTES])
def test_an_unreachable_database_is_the_documented_503(
    api: InProcessApi, contract: Contract, method: str, route: str, target: str
) -> None:
    body = REASON if route == CANCEL else b""

    exchange = api.send(request(method, target.format(unknown=uuid4()), body))

    assert exchange is not None
    assert exchange.status == 503, exchange.response.body
    contract.check(exchange)


def test_the_cases_cover_every_answer_the_document_lists(contract: Contract) -> None:
    tried = {(c.method, c.route, c.status) for c in CASES} | {(m, r, 503) for m, r, _ in ROUTES}
    listed = {(m, r, s) for m, r, _ in ROUTES for s in contract.statuses(m, r)}

    assert tried == listed


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (418, {"statusCode": 418, "message": "teapot"}),  # a status not listed for the route
        (404, {"statusCode": 404}),  # an ErrorBody without its message
        (422, {"statusCode": 422, "message": "bad", "detail": [{"loc": ["path"], "msg": "no type"}]}),
        (200, {"order": {"id": "not-a-uuid"}, "history": []}),
    ],
    ids=["undocumented-status", "no-message", "detail-without-type", "bad-uuid"],
)
def test_the_contract_refuses_an_answer_the_document_does_not_describe(
    contract: Contract, status: int, body: dict[str, Any]
) -> None:
    answer = HttpResponse(status, [("Content-Type", "application/json")], json.dumps(body).encode())
    exchange = Exchange(request("GET", f"/orders/{uuid4()}"), GET_ORDER, answer)

    with pytest.raises((AssertionError, jsonschema_rs.ValidationError)):
        contract.check(exchange)
