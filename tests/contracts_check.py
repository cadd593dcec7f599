"""Does a Kafka record obey docs/asyncapi.yaml? Its payload, headers and key, formats checked, nothing unknown.

For any suite that reads what the service published (the consume fixture runs it on every record of a published
topic): `assert_obeys_contract(record)` with a kafka-python ConsumerRecord, or `contract_violations(...)` for the
list of what is wrong. The committed document is the reference: it is what the other teams build against, and
tests/asyncapi holds it equal to what the code generates.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT7

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "asyncapi.yaml"
_BASE = "urn:order-service:asyncapi"
FORMATS = FormatChecker()
# Without rfc3339-validator, jsonschema accepts any string as a date-time without a word: refuse to run like that.
if FORMATS.conforms("not a date-time", "date-time") or FORMATS.conforms("not a uuid", "uuid"):
    raise ImportError(
        "jsonschema does not check the date-time and uuid formats here: `make install` (rfc3339-validator)"
    )


class Contract:
    """The messages of an AsyncAPI document, by topic, as JSON Schema validators."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._registry: Registry[Any] = Registry().with_resource(_BASE, DRAFT7.create_resource(document))
        self._messages = {
            channel["address"]: ref["$ref"].removeprefix("#")
            for channel in document["channels"].values()
            for ref in channel["messages"].values()
        }
        self.published = {
            self._address(operation["channel"]["$ref"])
            for operation in document["operations"].values()
            if operation["action"] == "send"
        }

    def violations(
        self, topic: str, key: bytes | None, value: bytes | None, headers: Sequence[tuple[str, bytes]]
    ) -> list[str]:
        """What is wrong with a record of `topic` (empty when it obeys the document)."""
        if topic not in self._messages:
            return [f"topic {topic} is not in the document"]
        message = self._messages[topic]
        problems = self._check(f"{message}/bindings/kafka/key", "key", _text(key))
        problems += _repeated_headers(headers)
        problems += self._check(f"{message}/headers", "headers", {name: _text(raw) for name, raw in headers})
        try:
            payload = json.loads(value) if value is not None else None
        except ValueError as error:
            return [*problems, f"payload: not JSON ({error})"]
        problems += self._check(f"{message}/payload", "payload", payload)
        if topic in self.published and isinstance(payload, dict) and _text(key) != payload.get("order_id"):
            problems.append(f"key: {_text(key)!r} is not the payload's order_id {payload.get('order_id')!r}")
        return problems

    def _check(self, pointer: str, what: str, instance: Any) -> list[str]:
        validator = Draft7Validator({"$ref": f"{_BASE}#{pointer}"}, registry=self._registry, format_checker=FORMATS)
        return [f"{what}{_where(error.absolute_path)}: {error.message}" for error in validator.iter_errors(instance)]

    def _address(self, channel_ref: str) -> str:
        return str(self.document["channels"][channel_ref.removeprefix("#/channels/")]["address"])


@cache
def committed_contract() -> Contract:
    """The committed docs/asyncapi.yaml, loaded once per test session."""
    return Contract(yaml.safe_load(DOCUMENT.read_text(encoding="utf-8")))


def contract_violations(topic: str, key: bytes | None, value: bytes | None, headers: Sequence[Any]) -> list[str]:
    return committed_contract().violations(topic, key, value, headers)


def assert_obeys_contract(record: Any) -> None:
    """Fail with every violation when a ConsumerRecord (topic, key, value, headers) breaks the document."""
    problems = contract_violations(record.topic, record.key, record.value, record.headers)
    where = f"{record.topic}-{record.partition}@{record.offset}"
    assert not problems, f"{where} breaks {DOCUMENT.name}:\n  " + "\n  ".join(problems)


def _text(raw: bytes | None) -> str | None:
    # Not valid UTF-8 cannot be the string any schema here asks for: keep it visible in the message instead.
    return None if raw is None else raw.decode("utf-8", "backslashreplace")


def _repeated_headers(headers: Sequence[tuple[str, bytes]]) -> list[str]:
    names = [name for name, _ in headers]
    return [
        f"headers: {name!r} appears {names.count(name)} times" for name in sorted(set(names)) if names.count(name) > 1
    ]


def _where(path: Sequence[Any]) -> str:
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
