"""Records every invocation; reports a record whose value is b"fail-once" as failed the first time it sees it."""

from __future__ import annotations

import base64
import json
from typing import Any

from e2e_recording import record

_failed_once: set[tuple[str, int]] = set()


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    if "records" in event:
        record("kafka", event, context)
        return {"batchItemFailures": _first_failures(event)}
    if "httpMethod" in event:
        record("api", event, context)
        body = {"name": event["pathParameters"]["name"], "query": event["queryStringParameters"]}
        return {"statusCode": 201, "headers": {"X-Echo": "yes"}, "body": json.dumps(body)}
    record("schedule", event, context)
    return {}


def _first_failures(event: dict[str, Any]) -> list[dict[str, Any]]:
    for partition, records in event["records"].items():
        for item in records:
            identity = (partition, item["offset"])
            if base64.b64decode(item.get("value", "")) == b"fail-once" and identity not in _failed_once:
                _failed_once.add(identity)
                return [{"itemIdentifier": {"partition": partition, "offset": item["offset"]}}]
    return []
