"""Hypothesis strategies for what a hostile producer can put on a Kafka topic, and for the MSK record shapes
around it (bad base64, malformed headers). Every hostile record is about an order that does not exist, so
whatever the service makes of it, the right outcome is exactly one dead letter."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from functools import cache
from typing import Any
from uuid import UUID, uuid4

from hypothesis import strategies as st

from samples.payloads import created, out_of_stock, paid, payment_failed, reserved

SEED_PAYLOADS: dict[str, Callable[[UUID], dict[str, Any]]] = {
    "orders.created": created,
    "payments.succeeded": paid,
    "payments.failed": payment_failed,
    "inventory.reserved": reserved,
    "inventory.out_of_stock": out_of_stock,
}

# Every character, lone surrogates and NUL included, weighted towards the ones that break things.
_nasty_chars = st.one_of(
    st.sampled_from(["\x00", "\ud800", "\udfff", "\x1b", "\u202e", "\ufeff", "\u0085", "\x7f", "'", '"', "\\"]),
    st.characters(exclude_categories=()),
)
nasty_text = st.text(_nasty_chars, max_size=12) | st.builds(lambda c, n: c * n, _nasty_chars, st.integers(1, 5000))

LIMIT_NUMBERS = st.sampled_from(
    [0, -1, 2**31, 2**63, -(2**63) - 1, 2**64, 10**30, 1e308, -1e308, 5e-324, float("inf"), float("nan")]
)
LIMIT_DATES = st.sampled_from(
    ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "2026-02-30T00:00:00Z", "2026-11-24T24:00:00Z",
     "2026-11-24T10:00:00.99999999999Z", "1970-01-01", "20261124T100000Z", "", "now", "\x00"]
)  # fmt: skip
LIMIT_AMOUNTS = st.sampled_from(
    ["29.999", "-0.01", "1e400", "1E-400", "NaN", "-Infinity", "29,99", "٢٩.٩٩", "0x1D", "99999999999.99", " 29.99"]
)
json_values = st.recursive(
    st.none() | st.booleans() | LIMIT_NUMBERS | st.integers() | nasty_text | LIMIT_DATES | LIMIT_AMOUNTS,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(nasty_text, children, max_size=3),
    max_leaves=4,
)


def _encode(payload: Any, ensure_ascii: bool) -> bytes:
    """JSON text; without ensure_ascii a lone surrogate becomes bytes that are not UTF-8 at all."""
    return json.dumps(payload, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")


UNKNOWN_FIELDS = st.dictionaries(nasty_text, json_values, max_size=2)
DEPTHS = st.sampled_from([999, 1000, 5000, 20000])
BRACKETS = st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")])


@st.composite
def mutated_payload(draw: st.DrawFn, topic: str) -> bytes:
    """The seed's payload for an unknown order, some fields replaced by hostile values, unknown ones added."""
    payload: dict[str, Any] = SEED_PAYLOADS[topic](uuid4())
    for name in draw(st.lists(st.sampled_from(sorted(payload)), max_size=3, unique=True)):
        payload[name] = draw(json_values)
    payload |= draw(UNKNOWN_FIELDS)
    return _encode(payload, draw(st.booleans()))


@st.composite
def deep_payload(draw: st.DrawFn, topic: str) -> bytes:
    """A field nested beyond any parser's recursion limit."""
    depth, (opener, closer) = draw(DEPTHS), draw(BRACKETS)
    seed = json.dumps(SEED_PAYLOADS[topic](uuid4())).encode()
    return seed[:-1] + b', "deep": ' + opener * depth + b"1" + closer * depth + b"}"


RAW_NUMBERS = st.sampled_from([b"1e400", b"-1e400", b"1e-400", b"123456789012345678901234567890.99", b"-0", b"29.99e0"])


@st.composite
def raw_number_payload(draw: st.DrawFn, topic: str) -> bytes:
    """Every field replaced, in turn, by a JSON number no float or decimal of the reader was made for."""
    payload = SEED_PAYLOADS[topic](uuid4())
    name = draw(st.sampled_from(sorted(payload)))
    return json.dumps(payload | {name: "@@"}).encode().replace(b'"@@"', draw(RAW_NUMBERS))


@cache  # building strategies is not free; each topic's is built once
def hostile_value(topic: str) -> st.SearchStrategy[bytes | None]:
    return st.one_of(
        mutated_payload(topic),
        raw_number_payload(topic),
        deep_payload(topic),
        st.binary(max_size=300),
        json_values.map(lambda v: _encode(v, ensure_ascii=False)),  # valid JSON, not an object
        st.builds(lambda p: json.dumps(p).encode(), st.builds(SEED_PAYLOADS[topic], st.uuids())),  # unknown order
        st.none(),  # a tombstone
    )


HEADER_SHAPES = st.one_of(
    st.lists(st.dictionaries(nasty_text, st.binary(max_size=16).map(list), max_size=2), max_size=2),
    st.sampled_from(
        [[{"h": "text"}], [{"h": [256, -1]}], [["h", [1]]], {"h": [1]}, [{"h": None}], [{}], "h", [{"h": [1.5]}]]
    ),
)
BAD_BASE64 = st.sampled_from(["!!!", "YWJj\n", "YWJ", "====", "Y W J j", "\x00", "ÿ"]) | st.integers()


BREAKAGES = st.sampled_from(["none", "none", "value", "key", "no value"])
KEYS = st.none() | st.binary(max_size=40)


def msk_shape(draw: st.DrawFn, value: bytes | None) -> dict[str, Any]:
    """The key, value and headers of an MSK record: well formed, or broken the ways the fuzz tries."""
    shaped: dict[str, Any] = {"headers": draw(HEADER_SHAPES)}
    if value is not None:
        shaped["value"] = base64.b64encode(value).decode()
    key = draw(KEYS)
    if key is not None:
        shaped["key"] = base64.b64encode(key).decode()
    breakage = draw(BREAKAGES)
    if breakage in ("value", "key"):
        shaped[breakage] = draw(BAD_BASE64)
    elif breakage == "no value":
        shaped.pop("value", None)
    return shaped


@st.composite
def _hostile_record(draw: st.DrawFn, topic: str) -> dict[str, Any]:
    return {"topic": topic, "partition": draw(st.integers(0, 2)), **msk_shape(draw, draw(hostile_value(topic)))}


@cache
def hostile_record(topic: str) -> st.SearchStrategy[dict[str, Any]]:
    """One hostile record of `topic`, shaped as it would sit in a Lambda MSK event (offsets set later)."""
    return _hostile_record(topic)
