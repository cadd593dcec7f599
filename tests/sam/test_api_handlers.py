"""The API functions, invoked in-process with their events/ files (and variants) against the local stack."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest

from tests.sam.api_samples import CANCEL_ID, GET_ID, SHIP_ID, Handler, call, with_body, with_order, with_query
from tests.sam.conftest import load_event


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
    [({"status": "lost"}, "status"), ({"status": "paid", "limit": "0"}, "limit"),
     ({"status": "paid", "limit": "101"}, "limit"), ({"limit": "ten"}, "limit")],
)  # fmt: skip
def test_bad_list_filters_are_422_naming_the_field(orders_api: Handler, query: dict[str, str], field: str) -> None:
    status, body = call(orders_api, with_query(load_event("orders_api_list"), **query))

    assert status == 422
    assert [e["loc"] for e in body["detail"]] == [["query", field]]


def test_a_path_no_route_serves_is_a_json_404(orders_api: Handler) -> None:
    # API Gateway answers unknown paths itself; the function still never answers them with a 500
    event = {**load_event("orders_api_list"), "path": "/orders/x/refund", "httpMethod": "POST"}

    status, body = call(orders_api, event)

    assert (status, body["message"]) == (404, "no such route")


@pytest.mark.parametrize(
    "cursor",
    ["forged", base64.urlsafe_b64encode(b'{"at": "2020-01-01T00:00:00", "id": 1}').decode()],
    ids=["not-base64-json", "id-not-a-string"],
)
def test_a_forged_cursor_is_400(orders_api: Handler, cursor: str) -> None:
    status, body = call(orders_api, with_query(load_event("orders_api_list"), status="paid", cursor=cursor))

    assert status == 400
    assert "cursor" in body["message"]


@pytest.fixture
def oldest(
    make_order: Callable[..., UUID], forget_orders: Callable[..., None], conn: psycopg.Connection[Any]
) -> Iterator[list[UUID]]:
    """Three orders of three statuses, created in 2001 so they come before anything else the database holds."""
    ids = [make_order(status=status) for status in ("shipped", "payment_required", "paid")]
    for second, order_id in enumerate(ids):
        conn.execute(
            "UPDATE orders SET created_at = %s::timestamptz WHERE id = %s", [f"2001-01-01T00:00:0{second}Z", order_id]
        )
    yield ids
    forget_orders(ids)


def test_list_without_status_pages_every_order_oldest_first(orders_api: Handler, oldest: list[UUID]) -> None:
    # Given three orders of different statuses older than any other
    seen: list[dict[str, Any]] = []
    event = with_query(load_event("orders_api_list"), limit="2")
    # When every page is read from the first, without a status
    while not {str(i) for i in oldest} <= {o["id"] for o in seen}:
        status, page = call(orders_api, event)
        assert status == 200
        seen += page["items"]
        assert page["next_cursor"], "the listing ended before the oldest orders appeared"
        event = with_query(event, limit="2", cursor=page["next_cursor"])
    # Then they came in creation order, whatever their status, and the whole listing is oldest first
    assert [o["id"] for o in seen if UUID(o["id"]) in oldest] == [str(i) for i in oldest]
    keys = [(o["created_at"], o["id"]) for o in seen]
    assert keys == sorted(keys)


@pytest.mark.parametrize("metadata", [[1, 2], "gift", 42, 1.5, True, None, {"a": [{"b": None}]}, []])
def test_metadata_of_any_json_shape_reads_back_as_stored(
    orders_api: Handler, fresh: Callable[[UUID, str], UUID], conn: psycopg.Connection[Any], metadata: Any
) -> None:
    fresh(GET_ID, "paid")
    conn.execute("UPDATE orders SET metadata = %s::jsonb WHERE id = %s", [json.dumps(metadata), GET_ID])

    status, body = call(orders_api, load_event("orders_api_get"))

    assert (status, body["order"]["metadata"]) == (200, metadata)


@pytest.fixture
def unrepresentable(
    fresh: Callable[[UUID, str], UUID], forget_orders: Callable[..., None], conn: psycopg.Connection[Any]
) -> Iterator[UUID]:
    """The get sample's order with metadata nested deeper than pydantic represents (255): a read that fails.

    Removed afterwards: while it exists, every listing that reaches it is a 500.
    """
    fresh(GET_ID, "paid")
    conn.execute("UPDATE orders SET metadata = %s::jsonb WHERE id = %s", ["[" * 300 + "]" * 300, GET_ID])
    yield GET_ID
    forget_orders([GET_ID])


@pytest.mark.usefixtures("unrepresentable")
def test_an_unexpected_error_is_a_json_500_with_the_request_id_and_counts_api5xx(
    orders_api: Handler, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    event = load_event("orders_api_get")

    status, body = call(orders_api, event)

    assert status == 500
    assert body["request_id"] == event["requestContext"]["requestId"]
    assert body["statusCode"] == 500
    assert "request_id" in body["message"]
    emf = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    assert any(line.get("Api5xx") == [1.0] for line in emf)
    assert any(r.getMessage() == "unexpected error" and r.exc_info for r in caplog.records)


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
