"""The orders API as API Gateway hands it to the functions, in-process, and its contract (docs/openapi.json).

`InProcessApi` routes an HTTP request by the `Api` events of template.yaml and turns it into the REST
proxy event the local runner would send (localrun.api_events), then calls the function's handler.
`Contract` checks a response against the committed OpenAPI document: its status is listed for the route, its
Content-Type is the documented one, its body is valid against the documented schema (jsonschema-rs, formats
such as uuid and date-time included).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jsonschema_rs

from localrun.api_events import HttpRequest, HttpResponse, Route, http_response, match, rest_proxy_event
from localrun.template import load_template
from scripts.openapi import DOCUMENT
from tests.sam.conftest import ROOT, FakeLambdaContext

Handler = Callable[[dict[str, Any], Any], dict[str, Any]]


@dataclass(frozen=True)
class Exchange:
    """One request through API Gateway and what came back, with the route it took."""

    request: HttpRequest
    route: str  # the resource, e.g. /orders/{order_id}/ship
    response: HttpResponse
    error: Exception | None = None  # what the handler raised, when API Gateway had to answer 502

    @property
    def status(self) -> int:
        return int(self.response.status)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.response.headers if k.lower() == name.lower()), None)

    def json(self) -> Any:
        """The body as strict JSON: NaN/Infinity, which json.loads would accept, are not JSON."""
        return json.loads(self.response.body, parse_constant=_not_json)


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _handler(code_dir: Path, handler: str) -> Handler:
    module, _, name = handler.rpartition(".")
    loaded: Handler = getattr(importlib.import_module(f"functions.{code_dir.name}.{module}"), name)
    return loaded


class InProcessApi:
    """Every `Api` route of template.yaml, bound to its function's handler imported from functions/."""

    def __init__(self, template: Path = ROOT / "template.yaml") -> None:
        functions = load_template(template, {}).functions
        self.routes = [Route.compile(api, _handler(f.code_dir, f.handler)) for f in functions for api in f.apis]

    def send(self, request: HttpRequest) -> Exchange | None:
        """The function's answer; None when API Gateway itself would answer (no such resource or method)."""
        found = match(self.routes, request.method, urlsplit(request.target).path)
        if found is None:
            return None
        route, parameters = found
        try:
            result = route.target(rest_proxy_event(request, route, parameters), FakeLambdaContext())
        except Exception as error:
            return Exchange(request, route.trigger.path, http_response(None), error)
        return Exchange(request, route.trigger.path, http_response(result))


def request(method: str, target: str, body: bytes = b"", **headers: str) -> HttpRequest:
    """An HTTP request as a client sends it (header names with `_` for `-`: content_type=...)."""
    pairs = [(name.replace("_", "-").title(), value) for name, value in headers.items()]
    return HttpRequest(method, target, pairs, body, "10.0.0.1")


class Contract:
    """The committed OpenAPI document, as a validator of responses."""

    def __init__(self, document: Path = DOCUMENT) -> None:
        self.document = json.loads(document.read_text(encoding="utf-8"))
        self._validators: dict[str, Any] = {}

    def check(self, exchange: Exchange) -> None:
        """Raise AssertionError (or jsonschema_rs.ValidationError) unless the document describes this answer."""
        method = exchange.request.method
        responses = self.document["paths"][exchange.route][method.lower()]["responses"]
        documented = responses.get(str(exchange.status))
        assert documented, f"{exchange.status} is not documented for {method} {exchange.route}"
        media_type = (exchange.header("Content-Type") or "").split(";")[0].strip()
        assert media_type in documented["content"], f"{media_type!r} is not documented for {exchange.status}"
        self._validator(documented["content"][media_type]["schema"]).validate(exchange.json())

    def statuses(self, method: str, route: str) -> set[int]:
        """The status codes the document lists for a route."""
        return {int(code) for code in self.document["paths"][route][method.lower()]["responses"]}

    def _validator(self, schema: dict[str, Any]) -> Any:
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            # The document's components ride along, so its "#/components/schemas/…" references resolve.
            rooted = {"$schema": DRAFT_2020_12, "components": self.document["components"], **schema}
            self._validators[key] = jsonschema_rs.validator_for(rooted, validate_formats=True)
        return self._validators[key]


DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"  # the dialect of OpenAPI 3.1 schemas
