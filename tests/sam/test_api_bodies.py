"""What the POST routes accept as a body: JSON only (415), 16 KiB (413), 32 levels (422); ship: none or `{}`.

Each case is the events/ sample with another body or Content-Type, through the real handler; a refused body
changes nothing.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

import psycopg
import pytest

from order_core.entrypoints.http_body import MAX_BODY_BYTES, MAX_NESTING
from tests.sam.api_samples import CANCEL_ID, SHIP_ID, Handler, call, sent

MULTIPART = '--b\r\nContent-Disposition: form-data; name="reason"\r\n\r\n{}\r\n--b--\r\n'


@pytest.fixture
def routes(request: pytest.FixtureRequest, fresh: Callable[[UUID, str], UUID]) -> dict[str, tuple[Handler, UUID]]:
    """Both POST routes, each with its sample's order in a status the route would change (paid, processing)."""
    fresh(CANCEL_ID, "paid")
    fresh(SHIP_ID, "processing")
    return {
        "orders_api_cancel": (request.getfixturevalue("orders_api"), CANCEL_ID),
        "ship_order": (request.getfixturevalue("ship_order"), SHIP_ID),
    }


def status_of(conn: psycopg.Connection[Any], order_id: UUID) -> str:
    row = conn.execute("SELECT status FROM orders WHERE id = %s", [order_id]).fetchone()
    assert row is not None
    return str(row[0])


@pytest.mark.parametrize("sample", ["orders_api_cancel", "ship_order"])
@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", "x"),  # no boundary: Powertools' parser raised ValueError
        ("multipart/form-data; boundary=b", MULTIPART.format("€ off")),  # not Latin-1: UnicodeEncodeError
        ("application/x-www-form-urlencoded", "reason=changed+my+mind"),
        ("text/plain", '{"reason": "changed my mind"}'),
        ("Application/JSON", '{"reason": "changed my mind"}'),
        ("multipart/form-data", None),  # the Content-Type alone is refused: Powertools parsed it without a body
    ],
    ids=["multipart-no-boundary", "multipart-not-latin1", "form", "text", "json-in-capitals", "multipart-no-body"],
)
def test_a_body_that_is_not_json_is_415(
    routes: dict[str, tuple[Handler, UUID]], conn: psycopg.Connection[Any], sample: str, content_type: str, body: str
) -> None:
    handler, order_id = routes[sample]
    before = status_of(conn, order_id)
    event = sent(sample, body, content_type)

    status, answer = call(handler, event)

    assert (status, answer["statusCode"]) == (415, 415)
    assert "application/json" in answer["message"]
    assert answer["request_id"] == event["requestContext"]["requestId"]
    assert status_of(conn, order_id) == before


@pytest.mark.parametrize("sample", ["orders_api_cancel", "ship_order"])
def test_a_body_over_16_kib_is_413(routes: dict[str, tuple[Handler, UUID]], sample: str) -> None:
    handler, _ = routes[sample]
    body = json.dumps({"reason": "x" * MAX_BODY_BYTES})

    status, answer = call(handler, sent(sample, body, "application/json"))

    assert status == 413
    assert str(MAX_BODY_BYTES) in answer["message"]


@pytest.mark.parametrize(
    ("body", "error_type"),
    [
        ("[" * 5_000 + "]" * 5_000, "json_too_deep"),  # RecursionError in the parser before
        ("[" * (MAX_NESTING + 1) + "]" * (MAX_NESTING + 1), "json_too_deep"),
        ("1" * 5_000, "json_invalid"),  # ValueError: past CPython's 4,300 digits for an int
        ('{"reason": "' + "[" * 5_000 + '"}', None),  # brackets inside a string do not nest
    ],
    ids=["5000-deep", "33-deep", "5000-digits", "brackets-in-a-string"],
)
def test_json_past_the_parser_limits_is_422(
    routes: dict[str, tuple[Handler, UUID]], conn: psycopg.Connection[Any], body: str, error_type: str | None
) -> None:
    handler, order_id = routes["orders_api_cancel"]

    status, answer = call(handler, sent("orders_api_cancel", body, "application/json"))

    if error_type is None:  # a valid body (its reason is over 500 characters): the field's own 422
        assert [(e["loc"], e["type"]) for e in answer["detail"]] == [(["body", "reason"], "string_too_long")]
    else:
        assert [e["type"] for e in answer["detail"]] == [error_type]
    assert status == 422
    assert status_of(conn, order_id) == "paid"


def test_a_base64_body_that_is_not_utf8_is_422(routes: dict[str, tuple[Handler, UUID]]) -> None:
    handler, _ = routes["orders_api_cancel"]
    body = base64.b64encode(b'{"reason": "\xff"}').decode()

    status, answer = call(handler, sent("orders_api_cancel", body, "application/json", base64_encoded=True))

    assert (status, [e["type"] for e in answer["detail"]]) == (422, ["json_invalid"])


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(None, None), ("", "application/json"), ("{}", "application/json"), ("null", None)],
    ids=["nothing", "empty-json", "empty-object", "null"],
)
def test_ship_takes_no_body_or_an_empty_object(
    routes: dict[str, tuple[Handler, UUID]], body: str | None, content_type: str | None
) -> None:
    handler, _ = routes["ship_order"]

    status, answer = call(handler, sent("ship_order", body, content_type))

    assert (status, answer["status"]) == (200, "shipped")


@pytest.mark.parametrize("body", ['{"carrier": "ups"}', "[]", '"now"'])
def test_ship_refuses_a_body_with_content(
    routes: dict[str, tuple[Handler, UUID]], conn: psycopg.Connection[Any], body: str
) -> None:
    handler, order_id = routes["ship_order"]

    status, answer = call(handler, sent("ship_order", body, "application/json"))

    assert status == 422
    assert all(e["loc"][0] == "body" for e in answer["detail"])
    assert status_of(conn, order_id) == "processing"
