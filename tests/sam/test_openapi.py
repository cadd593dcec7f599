"""docs/openapi.json is what the API functions' routes generate; `make openapi` refreshes it."""

from __future__ import annotations

import json

from scripts.openapi import DOCUMENT, render


def test_committed_openapi_document_matches_the_code() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(), "docs/openapi.json is stale: run `make openapi`"


def test_document_lists_every_route_with_its_errors() -> None:
    paths = json.loads(render())["paths"]
    assert set(paths) == {"/orders", "/orders/{order_id}", "/orders/{order_id}/ship", "/orders/{order_id}/cancel"}
    assert {"200", "409", "422"} <= set(paths["/orders/{order_id}/ship"]["post"]["responses"])
    assert {"200", "404", "409", "422"} <= set(paths["/orders/{order_id}/cancel"]["post"]["responses"])
