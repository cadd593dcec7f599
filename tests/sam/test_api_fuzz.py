"""Fuzz the API: generated requests through the real handlers (real Postgres and Kafka), never a 5xx.

Two sources of requests, each a Hypothesis strategy:
- schemathesis reads docs/openapi.json and generates valid and invalid path, query and body values;
- `hostile_requests` varies what the document cannot describe: content types (multipart without a boundary,
  forms, text), bodies (nested thousands deep, huge numbers, over the size limit, non-Latin-1, binary), query
  strings and order ids, including orders that exist in every status.
Every request goes through API Gateway's routing and REST proxy event (tests/sam/api_gateway.py). Every answer
must be below 500 and be one the document describes (status listed for the route, body valid). The database
is up, so the documented 503 cannot occur either.
"""

from __future__ import annotations

import base64
import itertools
import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from localrun.api_events import HttpRequest
from order_core.domain import OrderStatus
from tests.sam.api_gateway import Contract, InProcessApi, request

ROUTES = [("POST", "/orders/{id}/cancel"), ("POST", "/orders/{id}/ship"), ("GET", "/orders"), ("GET", "/orders/{id}")]
# Hypothesis favours the first choices of a list (it shrinks towards them): the hostile ones come first.
OTHER_TYPES = [
    "multipart/form-data", "application/x-www-form-urlencoded", "text/plain", "APPLICATION/JSON",
    "application/jsonx", "multipart/form-data; boundary=b", "*/*",
]  # fmt: skip
JSON_TYPES = [None, "application/json", "application/json; charset=utf-8", ""]
FUZZ = settings(
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)


METADATA = ['{"channel": "web"}', "[1, 2]", '"gift"', "42", "null", '{"a": [{"b": [true, null]}]}', "[]"]


@pytest.fixture
def existing(
    make_order: Callable[..., UUID], forget_orders: Callable[..., None], conn: psycopg.Connection[Any]
) -> Iterator[list[UUID]]:
    """Two orders in every status (ship and cancel also reach 200 and 409), metadata of every JSON shape."""
    ids = [make_order(status=status.value) for status in OrderStatus for _ in range(2)]
    for order_id, metadata in zip(ids, itertools.cycle(METADATA), strict=False):
        conn.execute("UPDATE orders SET metadata = %s::jsonb WHERE id = %s", [metadata, order_id])
    yield ids
    forget_orders(ids)


def json_values(max_leaves: int = 20) -> st.SearchStrategy[Any]:
    scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30)
    containers = lambda inner: st.lists(inner) | st.dictionaries(st.text(max_size=10), inner)  # noqa: E731
    return st.recursive(scalars, containers, max_leaves=max_leaves)


def nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


def multipart(text: str) -> bytes:
    return f'--b\r\nContent-Disposition: form-data; name="reason"\r\n\r\n{text}\r\n--b--\r\n'.encode()


BODIES = st.one_of(
    st.integers(min_value=1, max_value=20_000).map(nested),
    st.integers(min_value=4_000, max_value=6_000).map(lambda digits: b"1" * digits),
    st.integers(min_value=1, max_value=40_000).map(lambda size: json.dumps({"reason": "x" * size}).encode()),
    st.binary(max_size=200),
    st.sampled_from([b"", b"{}", b"null", b'{"reason": "changed my mind"}']),
    st.builds(lambda reason: json.dumps({"reason": reason}).encode(), st.text(max_size=600)),
    json_values().map(lambda value: json.dumps(value).encode()),
    st.text(max_size=200).map(str.encode),
)
PAYLOADS = st.one_of(
    st.tuples(st.sampled_from(JSON_TYPES), BODIES),
    st.tuples(st.just("multipart/form-data; boundary=b"), st.text(max_size=50).map(multipart)),
    st.tuples(st.sampled_from(OTHER_TYPES) | st.text("ab/;= ", max_size=20), BODIES),
)


def cursor(value: Any) -> str:
    """A cursor as the API encodes one (URL-safe base64 of JSON), of any content."""
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


ZONES = st.sampled_from([UTC, timezone(timedelta(hours=14)), timezone(timedelta(hours=-14)), None])
FORGED_CURSORS = st.one_of(
    st.fixed_dictionaries(
        {
            "at": st.datetimes(timezones=ZONES).map(datetime.isoformat) | json_values(),
            "id": st.uuids().map(str) | json_values(),
        }
    ),
    json_values(),
).map(cursor)
QUERY = st.dictionaries(
    st.sampled_from(["status", "limit", "cursor", "other"]),
    st.sampled_from([s.value for s in OrderStatus])
    | st.integers(-5, 500).map(str)
    | st.text(max_size=40)
    | FORGED_CURSORS,
    max_size=3,
)


@st.composite
def hostile_requests(draw: st.DrawFn, order_ids: list[UUID]) -> HttpRequest:
    method, template = draw(st.sampled_from(ROUTES))
    order_id = draw(st.sampled_from(order_ids) | st.uuids() | st.text(min_size=1, max_size=40).filter(str.isalnum))
    path = template.replace("{id}", str(order_id))
    query = requests.PreparedRequest()
    query.prepare_url(f"http://localhost{path}", draw(QUERY))
    content_type, body = draw(PAYLOADS)
    headers = {} if content_type is None else {"content_type": content_type}
    return request(method, query.path_url, body, **headers)


def from_schemathesis(case: Any) -> HttpRequest:
    """The request schemathesis would send for a case, as it would be on the wire."""
    kwargs = case.as_transport_kwargs(base_url="http://localhost")
    allowed = {"method", "url", "headers", "params", "json", "data", "files"}
    prepared = requests.Request(**{k: v for k, v in kwargs.items() if k in allowed}).prepare()
    body = prepared.body if isinstance(prepared.body, bytes) else str(prepared.body or "").encode()
    headers = [(name, str(value)) for name, value in prepared.headers.items()]
    return HttpRequest(str(prepared.method), str(prepared.path_url), headers, body, "10.0.0.1")


def schema_cases(contract: Contract) -> st.SearchStrategy[HttpRequest]:
    schema = schemathesis.openapi.from_dict(contract.document)
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    return st.one_of(*(schema.as_strategy(generation_mode=mode) for mode in modes)).map(from_schemathesis)


def regressions(order_id: UUID) -> list[HttpRequest]:
    """What made main answer 502 before, always among the requests (Hypothesis's explicit examples)."""
    cancel, ship = f"/orders/{order_id}/cancel", f"/orders/{order_id}/ship"
    return [
        request("POST", cancel, b"x", content_type="multipart/form-data"),
        request("POST", cancel, multipart("\u20ac 5"), content_type="multipart/form-data; boundary=b"),
        request("POST", cancel, nested(5_000), content_type="application/json"),
        request("POST", cancel, b"1" * 5_000),
        request("POST", cancel, b"\xff\xfe{}"),
        request("POST", ship, json.dumps({"reason": "x" * 20_000}).encode()),
        request("POST", ship, b'{"carrier": "ups"}'),
        request("POST", ship, b"{}", content_type="application/json"),  # 200: processing becomes shipped
        request("POST", ship),  # 409: already shipped
        request("GET", f"/orders?cursor={cursor({'at': '2020-01-01T00:00:00', 'id': 1})}"),  # AttributeError
    ]


def answer(api: InProcessApi, contract: Contract, sent: HttpRequest, seen: Counter[tuple[str, int]]) -> None:
    exchange = api.send(sent)
    if exchange is None:  # a path API Gateway answers itself (no such resource); the function never sees it
        return
    seen[(exchange.route, exchange.status)] += 1
    what = exchange.error or exchange.response.body[:300]
    assert exchange.status < 500, f"{sent.method} {sent.target} {sent.headers} -> {exchange.status}: {what!r}"
    contract.check(exchange)


def test_no_generated_request_gets_a_5xx_or_an_undocumented_answer(
    api: InProcessApi, contract: Contract, existing: list[UUID]
) -> None:
    seen: Counter[tuple[str, int]] = Counter()

    @settings(FUZZ, max_examples=650)
    @given(hostile_requests([*existing, uuid4()]))
    def hostile(sent: HttpRequest) -> None:
        answer(api, contract, sent, seen)

    @settings(FUZZ, max_examples=150)
    @given(schema_cases(contract))
    def from_the_document(sent: HttpRequest) -> None:
        answer(api, contract, sent, seen)

    processing = existing[2 * list(OrderStatus).index(OrderStatus.PROCESSING)]
    for known in regressions(processing):
        hostile = example(known)(hostile)
    hostile()
    from_the_document()

    statuses = {status for _, status in seen}
    print(f"\napi fuzz: {sum(seen.values())} requests answered by the functions: {dict(sorted(seen.items()))}")
    assert sum(seen.values()) >= 750
    assert {200, 400, 404, 409, 413, 415, 422} <= statuses, "the generators stopped reaching every kind of answer"
