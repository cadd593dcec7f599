"""Write docs/openapi.json, the OpenAPI document of the orders API, from the routes of the API functions.

`make openapi` after changing a route; tests/sam/test_openapi.py fails while the committed file differs, and
tests/sam/test_api_contract.py checks real responses against it.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.json"
API_FUNCTIONS = ("functions.ship_order.app", "functions.orders_api.app")
_REFERENCE = re.compile(r'"#/components/schemas/([^"]+)"')


def render() -> str:
    """The OpenAPI document of every route of the API functions, as committed (sorted keys, newline)."""
    # Imported here: importable once main() has set the path.
    from order_core.entrypoints.http import make_resolver  # noqa: PLC0415
    from order_core.entrypoints.http_body import MAX_BODY_BYTES, MAX_NESTING  # noqa: PLC0415

    routers = [importlib.import_module(name).router for name in API_FUNCTIONS]
    schema = make_resolver(*routers).get_openapi_json_schema(
        title="Order service API",
        version="1.0.0",
        description="Ship, cancel and read orders. Every request is signed with AWS SigV4 (API Gateway AWS_IAM). "
        f"Request bodies are application/json, at most {MAX_BODY_BYTES // 1024} KiB, nested at most {MAX_NESTING} "
        "levels. Every error body is an ErrorBody.",
    )
    return json.dumps(without_unused_schemas(json.loads(schema)), indent=2, sort_keys=True) + "\n"


def without_unused_schemas(document: dict[str, Any]) -> dict[str, Any]:
    """Drop the schemas no path refers to, even indirectly.

    Powertools always adds HTTPValidationError, ValidationError and ResponseValidationError; here every 422
    and 500 is an ErrorBody, and those would describe bodies the API never sends (HTTPValidationError even
    requires a `msg` that Powertools leaves out of its answers).
    """
    schemas = document["components"]["schemas"]
    used: set[str] = set()
    found = set(_REFERENCE.findall(json.dumps(document["paths"])))
    while found:
        used |= found
        found = set(_REFERENCE.findall(json.dumps([schemas[name] for name in found]))) - used
    document["components"]["schemas"] = {name: schemas[name] for name in sorted(used)}
    return document


def main() -> None:
    # Run as a script, the layer and the repository root are not on the path the way pytest puts them.
    sys.path[:0] = [str(ROOT / "layers" / "order_core"), str(ROOT)]
    DOCUMENT.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
