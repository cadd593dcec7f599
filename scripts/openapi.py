"""Write docs/openapi.json, the OpenAPI document of the orders API, from the routes of the API functions.

`make openapi` after changing a route; tests/sam/test_openapi.py fails while the committed file differs.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.json"
API_FUNCTIONS = ("functions.ship_order.app", "functions.orders_api.app")


def render() -> str:
    """The OpenAPI document of every route of the API functions, as committed (sorted keys, newline)."""
    from order_core.entrypoints.http import make_resolver  # noqa: PLC0415 - importable once main() set the path

    routers = [importlib.import_module(name).router for name in API_FUNCTIONS]
    schema = make_resolver(*routers).get_openapi_json_schema(
        title="Order service API",
        version="1.0.0",
        description="Ship, cancel and read orders. Every request is signed with AWS SigV4 (API Gateway AWS_IAM).",
    )
    return json.dumps(json.loads(schema), indent=2, sort_keys=True) + "\n"


def main() -> None:
    # Run as a script, the layer and the repository root are not on the path the way pytest puts them.
    sys.path[:0] = [str(ROOT / "layers" / "order_core"), str(ROOT)]
    DOCUMENT.write_text(render(), encoding="utf-8")
    print(f"wrote {DOCUMENT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
