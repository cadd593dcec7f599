"""The API functions' sample events (events/), the variants the tests send, and how a response is read."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any
from uuid import UUID

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


def sent(
    sample: str, body: str | None, content_type: str | None = None, *, base64_encoded: bool = False
) -> dict[str, Any]:
    """The sample event of a POST route with this body and Content-Type (None: no Content-Type header)."""
    event = copy.deepcopy(load_event(sample))
    for headers in (event["headers"], event["multiValueHeaders"]):
        headers.pop("Content-Type", None)
    if content_type is not None:
        event["headers"]["Content-Type"] = content_type
        event["multiValueHeaders"]["Content-Type"] = [content_type]
    return {**event, "body": body, "isBase64Encoded": base64_encoded}
