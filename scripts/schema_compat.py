"""Does every instance of one JSON Schema also satisfy another? A structural check, conservative by design.

`not_within(inner, outer)` lists why a value valid against `inner` may be invalid against `outer`; an empty list
means inner ⊆ outer. It understands the schemas pydantic writes for the contracts: type, anyOf, const and enum,
format, pattern, lengths, bounds, properties, required, additionalProperties, items. Where it cannot decide (two
different regular expressions) it reports a difference rather than guess, and a keyword it does not know raises
`Unsupported`, so a new kind of schema is never waved through as compatible.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft7Validator

Schema = dict[str, Any]
ANNOTATIONS = frozenset({"title", "description", "default", "examples", "deprecated", "$comment"})
_KEYWORDS = ANNOTATIONS | {
    "type", "anyOf", "const", "enum", "format", "pattern", "minLength", "maxLength", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "properties", "required", "additionalProperties", "items",
    "minItems", "maxItems",
}  # fmt: skip
_FLOOR = {"minLength": 0, "minItems": 0}


class Unsupported(ValueError):
    """A schema uses a keyword this check does not understand."""


def not_within(inner: Schema, outer: Schema, path: str = "") -> list[str]:
    """Why a value that `inner` accepts may be rejected by `outer`: one line per reason, naming the field."""
    problems: list[str] = []
    candidates = _alternatives(outer, path)
    for alternative in _alternatives(inner, path):
        attempts = [_single(alternative, candidate, path) for candidate in candidates]
        if all(attempts):
            # Report against the alternative of the same type when there is one: its reasons are the telling ones.
            same = [a for a, c in zip(attempts, candidates, strict=True) if _type(c) == _type(alternative)]
            problems += (same or attempts)[0]
    return problems


def _alternatives(schema: Schema, path: str) -> list[Schema]:
    unknown = set(schema) - _KEYWORDS
    if unknown:
        raise Unsupported(f"{path or '/'}: cannot compare schemas using {sorted(unknown)}")
    if "anyOf" not in schema:
        return [schema]
    if set(schema) - ANNOTATIONS - {"anyOf"}:
        raise Unsupported(f"{path or '/'}: anyOf next to constraints")
    return [branch for option in schema["anyOf"] for branch in _alternatives(option, path)]


def _single(inner: Schema, outer: Schema, path: str) -> list[str]:
    """not_within for two schemas without anyOf."""
    if not set(outer) - ANNOTATIONS:
        return []
    values = _values(inner)
    if values is not None:  # a finite set: check each value itself
        validator = Draft7Validator(outer)
        return [
            f"{path}: {value!r} is possible, but {error.message}"
            for value in values
            for error in validator.iter_errors(value)
        ]
    if _type(inner) != _type(outer) and (_type(inner), _type(outer)) != ("integer", "number"):
        return [f"{path}: may be {_type(inner) or 'any value'}, must be {_type(outer)}"]
    if _values(outer) is not None:
        return [f"{path}: may be any {_type(inner)}, must be one of {_values(outer)}"]
    problems = [f"{path}: {problem}" for problem in _scalar(inner, outer)]
    if _type(outer) == "object":
        problems += _object(inner, outer, path)
    if _type(outer) == "array":
        problems += not_within(inner.get("items", {}), outer.get("items", {}), f"{path}[]")
    return problems


def _scalar(inner: Schema, outer: Schema) -> list[str]:
    problems = [
        f"{word} {inner.get(word, 'none')!r}, must be {outer[word]!r}"
        for word in ("format", "pattern")
        if word in outer and inner.get(word) != outer[word]
    ]
    for word in ("minLength", "minItems", "minimum"):
        if word in outer and inner.get(word, _FLOOR.get(word, float("-inf"))) < outer[word]:
            problems.append(f"{word} {inner.get(word, 'none')}, must be at least {outer[word]}")
    for word in ("maxLength", "maxItems", "maximum"):
        if word in outer and inner.get(word, float("inf")) > outer[word]:
            problems.append(f"{word} {inner.get(word, 'none')}, must be at most {outer[word]}")
    for word in ("exclusiveMinimum", "exclusiveMaximum"):
        if word in outer and inner.get(word) != outer[word]:
            problems.append(f"{word} {inner.get(word, 'none')}, must be {outer[word]}")
    return problems


def _object(inner: Schema, outer: Schema, path: str) -> list[str]:
    prefix = f"{path}." if path else ""
    inner_props, outer_props = inner.get("properties", {}), outer.get("properties", {})
    problems = [
        f"{prefix}{name}: may be absent, is required"
        for name in outer.get("required", [])
        if name not in inner.get("required", [])
    ]
    for name in sorted(inner_props.keys() | outer_props.keys()):
        field = inner_props.get(name, _extra(inner))
        if field is not None:  # None: inner never has it
            target = outer_props.get(name, _extra(outer))
            problems += [f"{prefix}{name}: not allowed"] if target is None else not_within(field, target, prefix + name)
    if _extra(inner) is not None and _extra(outer) is None:
        problems.append(f"{path or 'the object'}: may have fields it does not list, none are allowed")
    return problems


def _extra(schema: Schema) -> Schema | None:
    """The schema of a field the object does not list: None when there can be none."""
    extra = schema.get("additionalProperties", True)
    return None if extra is False else {} if extra is True else extra


def _type(schema: Schema) -> str | None:
    if "type" in schema and not isinstance(schema["type"], str):
        raise Unsupported(f"type {schema['type']!r}: write a list of types as anyOf")
    return schema.get("type")


def _values(schema: Schema) -> list[Any] | None:
    return [schema["const"]] if "const" in schema else schema.get("enum")
