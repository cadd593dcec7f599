"""The API functions, invoked in-process with their events/ files (and variants) against the local stack."""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from tests.sam.conftest import FakeLambdaContext, load_event

Handler = Callable[..., dict[str, Any]]

SHIP_ID = UUID("5abe015d-9f5b-4cd3-9e8f-be6b7f4c5b01")
CANCEL_ID = UUID("6bcf126e-af6c-4de4-af90-cf7c805d6c01")
GET_ID = UUID("7cd0237f-b07d-4ef5-b0a1-d08d916e7d01")


def call(handler: Callable[..., dict[str, Any]], event: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    response = handler(event, FakeLambdaContext())
    assert response["multiValueHeaders"]["Content-Type"] == ["application/json"]
    return response["statusCode"], json.loads(response["body"])


def with_order(event: dict[str, Any], order_id: str) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    changed["pathParameters"] = {"order_id": order_id}
    changed["path"] = event["path"].replace(event["pathParameters"]["order_id"], order_id)
    return changed


def with_query(event: dict[str, Any], **query: str) -> dict[str, Any]:
    changed = copy.deepcopy(event)
    changed["queryStringParameters"] = query
    changed["multiValueQueryStringParameters"] = {k: [v] for k, v in query.items()}
    return changed


def with_body(event: dict[str, Any], body: str | None) -> dict[str, Any]:
    return {**copy.deepcopy(event), "body": body}


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


def test_ship_sample_ships_a_processing_order_and_publishes(
    ship_order: Handler,
    fresh: Callable[[UUID, str], UUID],
    conn: psycopg.Connection[Any],
    consume: Callable[..., list[Any]],
) -> None:
    fresh(SHIP_ID, "processing")

    status, body = call(ship_order, load_event("ship_order"))

    assert status == 200
    assert body["id"] == str(SHIP_ID)
    assert body["status"] == "shipped"
    assert body["total"] == "29.99"
    event_id = conn.execute("SELECT event_id::text FROM outbox WHERE order_id = %s", [SHIP_ID]).fetchone()[0]  # type: ignore[index]
    published = [
        r for r in consume("orders.shipped", key=str(SHIP_ID)) if dict(r.headers)["event_id"] == event_id.encode()
    ]
    assert len(published) == 1


def test_shipping_twice_is_a_conflict_with_the_current_status(
    ship_order: Handler, fresh: Callable[[UUID, str], UUID]
) -> None:
    fresh(SHIP_ID, "shipped")

    status, body = call(ship_order, load_event("ship_order"))

    assert status == 409
    assert body["current_status"] == "shipped"
    assert body["message"]


def test_cancel_sample_cancels_with_the_reason(
    orders_api: Handler, fresh: Callable[[UUID, str], UUID], conn: psycopg.Connection[Any]
) -> None:
    fresh(CANCEL_ID, "paid")

    status, body = call(orders_api, load_event("orders_api_cancel"))

    assert (status, body["status"]) == (200, "cancelled")
    payload = conn.execute("SELECT payload FROM outbox WHERE order_id = %s", [CANCEL_ID]).fetchone()[0]  # type: ignore[index]
    assert payload["reason"] == "Customer changed their mind"


def test_get_sample_returns_the_order_with_its_history(
    ship_order: Handler, orders_api: Handler, fresh: Callable[[UUID, str], UUID]
) -> None:
    fresh(GET_ID, "processing")
    call(ship_order, with_order(load_event("ship_order"), str(GET_ID)))

    status, body = call(orders_api, load_event("orders_api_get"))

    assert status == 200
    assert body["order"]["status"] == "shipped"
    assert [(h["from_status"], h["to_status"]) for h in body["history"]] == [("processing", "shipped")]


def test_list_sample_pages_orders_of_one_status(orders_api: Handler, make_order: Callable[..., UUID]) -> None:
    ids = {make_order(status="processing") for _ in range(3)}
    seen: set[str] = set()
    event = load_event("orders_api_list")
    while True:
        status, page = call(orders_api, event)
        assert status == 200
        assert len(page["items"]) <= 2
        assert {o["status"] for o in page["items"]} <= {"processing"}
        seen |= {o["id"] for o in page["items"]}
        if not page["next_cursor"]:
            break
        event = with_query(event, status="processing", limit="2", cursor=page["next_cursor"])
    assert {str(i) for i in ids} <= seen


def test_unknown_order_is_404(orders_api: Handler) -> None:
    status, body = call(orders_api, with_order(load_event("orders_api_get"), str(uuid4())))

    assert status == 404
    assert "not found" in body["message"]


@pytest.mark.parametrize(
    ("handler", "sample"),
    [("ship_order", "ship_order"), ("orders_api", "orders_api_get"), ("orders_api", "orders_api_cancel")],
    ids=["ship", "get", "cancel"],
)
def test_a_bad_uuid_is_422_naming_order_id(request: pytest.FixtureRequest, handler: str, sample: str) -> None:
    status, body = call(request.getfixturevalue(handler), with_order(load_event(sample), "not-a-uuid"))

    assert status == 422
    assert [e["loc"] for e in body["detail"]] == [["path", "order_id"]]


@pytest.mark.parametrize(
    ("query", "field"),
    [({"status": "lost"}, "status"), ({}, "status"), ({"status": "paid", "limit": "0"}, "limit"),
     ({"status": "paid", "limit": "101"}, "limit"), ({"status": "paid", "limit": "ten"}, "limit")],
)  # fmt: skip
def test_bad_list_filters_are_422_naming_the_field(orders_api: Handler, query: dict[str, str], field: str) -> None:
    status, body = call(orders_api, with_query(load_event("orders_api_list"), **query))

    assert status == 422
    assert [e["loc"] for e in body["detail"]] == [["query", field]]


def test_a_forged_cursor_is_400(orders_api: Handler) -> None:
    status, body = call(orders_api, with_query(load_event("orders_api_list"), status="paid", cursor="forged"))

    assert status == 400
    assert "cursor" in body["message"]


@pytest.mark.parametrize(
    "body",
    [json.dumps({"reason": "x" * 501}), json.dumps({"reason": "   "}), json.dumps({}), None, "{not json"],
    ids=["too-long", "blank", "missing-reason", "no-body", "not-json"],
)
def test_bad_cancel_bodies_are_422_and_change_nothing(
    orders_api: Handler, body: str | None, fresh: Callable[[UUID, str], UUID], conn: psycopg.Connection[Any]
) -> None:
    fresh(CANCEL_ID, "paid")

    status, answer = call(orders_api, with_body(load_event("orders_api_cancel"), body))

    assert status == 422
    assert all(e["loc"][0] == "body" for e in answer["detail"])
    assert conn.execute("SELECT status FROM orders WHERE id = %s", [CANCEL_ID]).fetchone() == ("paid",)


def test_cancelling_a_shipped_order_is_a_conflict(orders_api: Handler, fresh: Callable[[UUID, str], UUID]) -> None:
    fresh(CANCEL_ID, "shipped")

    status, body = call(orders_api, load_event("orders_api_cancel"))

    assert (status, body["current_status"]) == (409, "shipped")
