"""docs/asyncapi.yaml is what the code generates (`make asyncapi`), valid AsyncAPI 3.0.0, true to the code."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator

from order_core.contracts.inbound import INBOUND
from order_core.contracts.outbound import OUTBOUND
from order_core.topics import INBOUND_TOPICS, OUTBOUND_TOPICS, Topic, consumer_group
from scripts.asyncapi import DOCUMENT, ROOT, render

SPEC = ROOT / "docs" / "vendor" / "asyncapi-specs" / "3.0.0-without-$id.json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return dict(yaml.safe_load(DOCUMENT.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def spec() -> Draft7Validator:
    return Draft7Validator(json.loads(SPEC.read_text(encoding="utf-8")))


def spec_errors(spec: Draft7Validator, document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in spec.iter_errors(document)]


def references(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from references(value)
    elif isinstance(node, list):
        for item in node:
            yield from references(item)


def dangling(document: dict[str, Any]) -> list[str]:
    """Every $ref that points at nothing in the document (the spec's JSON Schema does not check this)."""
    missing = []
    for ref in references(document):
        node: Any = document
        for token in ref.removeprefix("#/").split("/"):
            node = node.get(token) if isinstance(node, dict) and ref.startswith("#/") else None
        if node is None:
            missing.append(ref)
    return missing


def test_committed_document_matches_the_code() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(), "docs/asyncapi.yaml is stale: run `make asyncapi`"


def test_document_is_valid_asyncapi_3(document: dict[str, Any], spec: Draft7Validator) -> None:
    assert document["asyncapi"] == "3.0.0"
    assert spec_errors(spec, document) == []


def test_the_spec_check_catches_an_invalid_document(document: dict[str, Any], spec: Draft7Validator) -> None:
    broken = copy.deepcopy(document)
    broken["operations"]["sendOrdersPaid"]["action"] = "publish"  # AsyncAPI 2's word
    broken["components"]["messages"]["OrderPaidEvent"]["bindings"]["kafka"]["key"] = {"$ref": "#/components/x"}
    assert len(spec_errors(spec, broken)) >= 2


def test_every_reference_resolves(document: dict[str, Any]) -> None:
    assert len(list(references(document))) > 20
    assert dangling(document) == []


def test_a_dangling_reference_is_found(document: dict[str, Any]) -> None:
    broken = copy.deepcopy(document)
    broken["components"]["messages"]["OrderPaidEvent"]["payload"] = {"$ref": "#/components/schemas/OrderPaid"}
    assert dangling(broken) == ["#/components/schemas/OrderPaid"]


def test_every_topic_is_a_channel_with_its_direction_and_group(document: dict[str, Any]) -> None:
    operations = {op["channel"]["$ref"].removeprefix("#/channels/"): op for op in document["operations"].values()}
    assert [channel["address"] for channel in document["channels"].values()] == [
        *INBOUND_TOPICS,
        *OUTBOUND_TOPICS,
        Topic.ON_FAILURE,
    ]
    for topic in INBOUND_TOPICS:
        assert operations[topic]["action"] == "receive"
        assert operations[topic]["bindings"]["kafka"]["groupId"]["enum"] == [consumer_group(topic)]
    for topic in (*OUTBOUND_TOPICS, Topic.ON_FAILURE):
        assert operations[topic]["action"] == "send"
        assert "bindings" not in operations[topic]


def test_messages_name_the_contract_models_and_event_types(document: dict[str, Any]) -> None:
    messages = document["components"]["messages"]
    for topic, consumed in INBOUND.items():
        [ref] = document["channels"][topic]["messages"].values()
        assert ref == {"$ref": f"#/components/messages/{consumed.__name__}"}
        assert messages[consumed.__name__]["payload"] == {"$ref": f"#/components/schemas/{consumed.__name__}"}
    for published, route in OUTBOUND.items():
        message = messages[route.event_type]
        assert document["channels"][route.topic]["messages"] == {
            route.event_type: {"$ref": f"#/components/messages/{route.event_type}"}
        }
        assert message["payload"] == {"$ref": f"#/components/schemas/{published.__name__}"}
        assert message["headers"]["properties"]["event_type"]["const"] == route.event_type
        assert message["headers"]["required"] == ["event_id", "event_type", "content-type"]
        assert message["bindings"]["kafka"]["key"]["format"] == "uuid"


def test_payloads_are_outbound_as_serialized_and_inbound_as_validated(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    for published in OUTBOUND:
        assert schemas[published.__name__]["additionalProperties"] is False
    assert schemas["OrderCancelledEvent"]["properties"]["reason"] == {
        "minLength": 1,
        "title": "Reason",
        "type": "string",
    }
    assert "reason" not in schemas["OrderCancelledEvent"]["required"]
    # As validated: the service also takes a JSON number for an amount, and ignores unknown fields.
    amount = schemas["PaymentSucceededEvent"]["properties"]["amount"]["anyOf"]
    assert {"minimum": 0.0, "type": "number"} in amount
    assert all("additionalProperties" not in schemas[model.__name__] for model in INBOUND.values())


def test_the_vendored_spec_is_the_official_one_with_its_licence() -> None:
    vendor = SPEC.parent
    readme = (vendor / "README.md").read_text(encoding="utf-8")
    assert hashlib.sha256(SPEC.read_bytes()).hexdigest() in readme
    assert "Apache License" in (vendor / "LICENSE").read_text(encoding="utf-8")
    assert "AsyncAPI Initiative" in (vendor / "NOTICE").read_text(encoding="utf-8")
