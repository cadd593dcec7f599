"""Write docs/asyncapi.yaml, the AsyncAPI 3.0 document of the service's Kafka topics, from the code.

Topics and event types come from order_core (topics.py, contracts/); payload schemas from the pydantic
contracts, inbound as they are validated and outbound as they are serialized; consumer groups and the
on-failure topic from template.yaml's MSK events. `make asyncapi` after changing any of them: tests/asyncapi
fails while the committed file differs, and checks it against the AsyncAPI schema and the baseline.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path
from typing import Any, NamedTuple, cast

import yaml
from pydantic import BaseModel
from pydantic.json_schema import JsonSchemaMode, models_json_schema

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "asyncapi.yaml"
TEMPLATE = ROOT / "template.yaml"
# The contract's version: minor for a compatible change, major for a breaking one (see `make asyncapi-baseline`).
VERSION = "1.0.0"
BINDING = "0.5.0"
SCHEMAS = "#/components/schemas/"

DESCRIPTION = """\
The Kafka topics of the order service: what it consumes from payments and inventory, and what it tells the
rest of the shop.

Consumed topics: the service reads only the payload (JSON), ignores fields it does not know, and parks a
record it cannot apply in its dead_letters table, so the partition goes on. Keying a record by its order id
keeps one order's events in order on one partition; the service itself does not read the key.

Published topics: the key is the order id, so one order's events arrive in the order its transitions
happened. Delivery is at least once: a re-sent record keeps its `event_id` header, drop duplicates by it.
A payload carries exactly the fields listed; a minor version may add optional fields, so ignore fields you
do not know. A breaking change comes with a new major version.
"""
INBOUND_KEY = {
    "description": "Not read: the order comes from the payload. Key by order id to keep an order's events in order."
}
INBOUND_HEADERS = {"type": "object", "description": "Not read; kept with a record parked as a dead letter."}
ORDER_ID_KEY = {"type": "string", "format": "uuid", "description": "The order id (the payload's order_id)."}
ON_FAILURE = {
    "name": "OnFailureRecord",
    "contentType": "application/json",
    "summary": "A batch that exhausted its retries, written by AWS Lambda (the event source mapping).",
    "description": "AWS Lambda, not this service's code, writes here the failed records of a consumed topic, with "
    "failure metadata, once the event source mapping's MaximumRetryAttempts are spent. AWS documents this record "
    "in prose only ('Using a Kafka topic as an on-failure destination', AWS Lambda Developer Guide) and publishes "
    "no schema for it, so this document promises no more than a JSON object.",
    "payload": {"type": "object"},
}


class Route(NamedTuple):
    """One topic of the service: which way it flows, its message, and its consumer group if it is consumed."""

    topic: str
    action: str  # "receive" (consumed) or "send" (published)
    message: dict[str, Any]
    group: str | None = None


class _Dumper(yaml.SafeDumper):
    """Plain YAML for people and generators: no anchors for repeated objects, long text as literal blocks."""

    def ignore_aliases(self, data: Any) -> bool:  # noqa: ARG002 - every object in full, whatever it is
        return True


_Dumper.add_representer(
    str,
    lambda dumper, text: dumper.represent_scalar("tag:yaml.org,2002:str", text, style="|" if "\n" in text else None),
)


def render() -> str:
    """The document as committed: YAML in a stable order (the code's declaration order)."""
    return yaml.dump(document(), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120)


def document() -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document: a channel, an operation and a message per topic."""
    # Imported here: importable once main() has set the path.
    from order_core.contracts import inbound, outbound  # noqa: PLC0415
    from order_core.topics import INBOUND_TOPICS, OUTBOUND_TOPICS  # noqa: PLC0415

    groups, on_failure = msk_wiring(TEMPLATE)
    published = {route.topic: (model, route.event_type) for model, route in outbound.OUTBOUND.items()}
    schemas, refs = payload_schemas(list(inbound.INBOUND.values()), [model for model, _ in published.values()])
    headers = outbound.OutboundHeaders.model_json_schema(mode="serialization", by_alias=True)
    routes = [
        Route(topic.value, "receive", inbound_message(inbound.INBOUND[topic].__name__, refs), groups[topic])
        for topic in INBOUND_TOPICS
    ]
    for topic in OUTBOUND_TOPICS:
        model, event_type = published[topic]
        routes.append(Route(topic.value, "send", outbound_message(event_type, refs[model.__name__], headers)))
    routes.append(Route(on_failure, "send", ON_FAILURE))
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "Order service events", "version": VERSION, "description": DESCRIPTION},
        "defaultContentType": "application/json",
        "channels": {route.topic: channel(route) for route in routes},
        "operations": dict(operation(route) for route in routes),
        "components": {"schemas": schemas, "messages": {route.message["name"]: route.message for route in routes}},
    }


def msk_wiring(template: Path) -> tuple[dict[str, str], str]:
    """Each consumed topic's consumer group, and the one on-failure topic, as template.yaml's MSK events say."""
    from localrun.template import load_template  # noqa: PLC0415

    triggers = [trigger for spec in load_template(template, {}).functions for trigger in spec.kafka]
    groups = {topic: trigger.group_id for trigger in triggers for topic in trigger.topics}
    destinations = {str(trigger.on_failure).removeprefix("kafka://") for trigger in triggers}
    if len(groups) != len(triggers) or len(destinations) != 1:
        raise SystemExit(f"{template}: expected one MSK event per topic and one on-failure topic; found {triggers}")
    return groups, destinations.pop()


def payload_schemas(
    inbound: list[type[BaseModel]], outbound: list[type[BaseModel]]
) -> tuple[dict[str, Any], dict[str, dict[str, str]]]:
    """JSON Schema of every contract under components/schemas, and each model's `$ref` by model name.

    Inbound payloads as the service validates them, outbound ones as it serializes them.
    """
    models: list[tuple[type[BaseModel], JsonSchemaMode]] = [(model, "validation") for model in inbound]
    models += [(model, "serialization") for model in outbound]
    refs, definitions = models_json_schema(models, ref_template=SCHEMAS + "{model}")
    by_name = {model.__name__: cast(dict[str, str], ref) for (model, _), ref in refs.items()}
    return dict(sorted(definitions["$defs"].items())), by_name


def inbound_message(name: str, refs: dict[str, dict[str, str]]) -> dict[str, Any]:
    return _message(name, INBOUND_HEADERS, refs[name], INBOUND_KEY)


def outbound_message(event_type: str, payload: dict[str, str], headers: dict[str, Any]) -> dict[str, Any]:
    """`headers` (contracts.outbound.OutboundHeaders) with this event's `event_type`."""
    properties = headers["properties"] | {"event_type": {"type": "string", "const": event_type}}
    headers = headers | {"title": f"{event_type}Headers", "properties": properties}
    return _message(event_type, headers, payload, ORDER_ID_KEY)


def _message(name: str, headers: dict[str, Any], payload: dict[str, str], key: dict[str, Any]) -> dict[str, Any]:
    # The key inline: a $ref there matches both branches of the Kafka binding's oneOf and fails validation.
    bindings = {"kafka": {"key": key, "bindingVersion": BINDING}}
    return {
        "name": name,
        "contentType": "application/json",
        "headers": headers,
        "payload": payload,
        "bindings": bindings,
    }


def channel(route: Route) -> dict[str, Any]:
    name = route.message["name"]
    return {
        "address": route.topic,
        "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        "bindings": {"kafka": {"bindingVersion": BINDING}},
    }


def operation(route: Route) -> tuple[str, dict[str, Any]]:
    """`receiveOrdersCreated`: the topic's operation, with its consumer group if the service consumes it."""
    spec: dict[str, Any] = {
        "action": route.action,
        "channel": {"$ref": f"#/channels/{route.topic}"},
        "messages": [{"$ref": f"#/channels/{route.topic}/messages/{route.message['name']}"}],
    }
    if route.group is not None:
        group = {"type": "string", "enum": [route.group]}
        spec["bindings"] = {"kafka": {"groupId": group, "bindingVersion": BINDING}}
    return route.action + "".join(part.capitalize() for part in re.split(r"[._-]", route.topic)), spec


def main() -> None:
    # Run as a script, the layer and the repository root are not on the path the way pytest puts them.
    sys.path[:0] = [str(ROOT / "layers" / "order_core"), str(ROOT)]
    # Deploy-time parameters (cluster ARN, subnets) mean nothing to the document: no warnings about them.
    logging.basicConfig(level=logging.ERROR)
    DOCUMENT.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
