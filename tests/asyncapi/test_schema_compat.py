"""The structural subschema check: what it proves, what it reports, and that it refuses what it cannot read."""

from __future__ import annotations

from typing import Any

import pytest

from scripts.schema_compat import Unsupported, not_within

UUID = {"type": "string", "format": "uuid"}
NULLABLE_UUID = {"anyOf": [UUID, {"type": "null"}], "default": None, "title": "Id"}


@pytest.mark.parametrize(
    ("inner", "outer"),
    [
        (UUID, {"type": "string"}),
        (UUID, NULLABLE_UUID),
        ({"type": "integer", "minimum": 1}, {"type": "number", "minimum": 0}),
        ({"const": "a"}, {"type": "string", "enum": ["a", "b"]}),
        ({"enum": ["2026-01-01T00:00:00Z"]}, {"type": "string", "format": "date-time"}),
        ({"type": "string", "minLength": 2, "maxLength": 5}, {"type": "string", "minLength": 1, "maxLength": 8}),
        ({"type": "array", "items": UUID, "maxItems": 3}, {"type": "array", "items": {"type": "string"}}),
        ({"type": "object", "properties": {"a": UUID}, "additionalProperties": False}, {"type": "object"}),
        ({"type": "string", "description": "anything"}, {"title": "no constraint at all"}),
    ],
)
def test_inner_within_outer(inner: dict[str, Any], outer: dict[str, Any]) -> None:
    assert not_within(inner, outer, "f") == []


@pytest.mark.parametrize(
    ("inner", "outer", "reason"),
    [
        ({"type": "string"}, UUID, "f: format 'none', must be 'uuid'"),
        (NULLABLE_UUID, UUID, "f: may be null, must be string"),
        ({}, UUID, "f: may be any value, must be string"),
        ({"type": "number"}, {"type": "integer"}, "f: may be number, must be integer"),
        ({"type": "string"}, {"type": "string", "enum": ["a"]}, "f: may be any string, must be one of ['a']"),
        ({"enum": ["a", "c"]}, {"enum": ["a", "b"]}, "f: 'c' is possible, but 'c' is not one of ['a', 'b']"),
        ({"type": "string", "pattern": "^a$"}, {"type": "string", "pattern": "^a+$"}, "f: pattern '^a$', must be"),
        ({"type": "string"}, {"type": "string", "minLength": 1}, "f: minLength none, must be at least 1"),
        ({"type": "integer", "maximum": 9}, {"type": "integer", "maximum": 5}, "f: maximum 9, must be at most 5"),
        ({"type": "array", "items": {}}, {"type": "array", "items": UUID}, "f[]: may be any value, must be string"),
        (
            {"type": "object", "properties": {"a": UUID}},
            {"type": "object", "properties": {"a": UUID}, "additionalProperties": False},
            "f: may have fields it does not list, none are allowed",
        ),
        (
            {"type": "object", "properties": {"b": UUID}, "additionalProperties": False},
            {"type": "object", "properties": {"a": UUID}, "additionalProperties": False},
            "f.b: not allowed",
        ),
        (
            {"type": "object", "properties": {"a": UUID}},
            {"type": "object", "properties": {"a": UUID}, "required": ["a"]},
            "f.a: may be absent, is required",
        ),
    ],
)
def test_inner_not_within_outer_says_why(inner: dict[str, Any], outer: dict[str, Any], reason: str) -> None:
    problems = not_within(inner, outer, "f")
    assert any(problem.startswith(reason) for problem in problems), problems


@pytest.mark.parametrize(
    "schema",
    [
        {"type": "string", "format": "uuid", "oneOf": [{"type": "string"}]},
        {"allOf": [UUID]},
        {"$ref": "#/components/schemas/Order"},
        {"type": ["string", "null"]},
        {"anyOf": [UUID, {"type": "null"}], "minLength": 1},
    ],
)
def test_schemas_it_cannot_judge_are_refused_not_passed(schema: dict[str, Any]) -> None:
    with pytest.raises(Unsupported):
        not_within(schema, {"type": "string", "minLength": 1})
