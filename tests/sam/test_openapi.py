"""docs/openapi.json is what the API functions' routes generate (`make openapi` refreshes it), and valid OpenAPI."""

from __future__ import annotations

import json

from openapi_spec_validator import validate

from scripts.openapi import DOCUMENT, render


def test_committed_openapi_document_matches_the_code() -> None:
    assert DOCUMENT.read_text(encoding="utf-8") == render(), "docs/openapi.json is stale: run `make openapi`"


def test_document_is_valid_openapi() -> None:
    validate(json.loads(DOCUMENT.read_text(encoding="utf-8")))


def test_document_lists_every_route_with_its_errors() -> None:
    paths = json.loads(render())["paths"]
    assert set(paths) == {"/orders", "/orders/{order_id}", "/orders/{order_id}/ship", "/orders/{order_id}/cancel"}
    assert set(paths["/orders"]["get"]["responses"]) == {"200", "400", "422", "500", "503"}
    assert set(paths["/orders/{order_id}"]["get"]["responses"]) == {"200", "404", "422", "500", "503"}
    for command in ("ship", "cancel"):
        responses = paths[f"/orders/{{order_id}}/{command}"]["post"]["responses"]
        assert set(responses) == {"200", "404", "409", "413", "415", "422", "500", "503"}


def test_status_is_optional_on_the_listing() -> None:
    parameters = {p["name"]: p for p in json.loads(render())["paths"]["/orders"]["get"]["parameters"]}
    assert parameters["status"].get("required", False) is False
