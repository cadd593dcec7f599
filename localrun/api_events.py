"""API Gateway REST API (v1 proxy integration) events and responses, and route matching."""

from __future__ import annotations

import base64
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from localrun.model import ApiTrigger

_PARAMETER = re.compile(r"\{([^}/]+?)(\+?)\}")


@dataclass(frozen=True)
class Route:
    """A resource path such as /orders/{order_id}/ship compiled to a regex, bound to a target."""

    trigger: ApiTrigger
    pattern: re.Pattern[str]
    target: Any

    @classmethod
    def compile(cls, trigger: ApiTrigger, target: Any) -> Route:
        def group(match: re.Match[str]) -> str:
            return f"(?P<{match.group(1)}>{'.+' if match.group(2) else '[^/]+'})"

        return cls(trigger, re.compile("^" + _PARAMETER.sub(group, trigger.path) + "$"), target)

    def specificity(self) -> tuple[int, int]:
        """Literal segments beat parameters and greedy {proxy+} comes last, as in API Gateway."""
        return (self.trigger.path.count("+}"), self.trigger.path.count("{"))


def match(routes: Sequence[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The most specific route for method and path, with its path parameters."""
    for route in sorted(routes, key=Route.specificity):
        found = route.pattern.match(path)
        if found and route.trigger.method in (method, "ANY"):
            return route, found.groupdict()
    return None


@dataclass(frozen=True)
class HttpRequest:
    """The parts of an HTTP request a proxy event carries."""

    method: str
    target: str  # path and query string, as on the request line
    headers: Sequence[tuple[str, str]]
    body: bytes
    source_ip: str


def _single_and_multi(pairs: Sequence[tuple[str, str]]) -> tuple[dict[str, str], dict[str, list[str]]]:
    multi: dict[str, list[str]] = {}
    for name, value in pairs:
        multi.setdefault(name, []).append(value)
    return {name: values[-1] for name, values in multi.items()}, multi


def _body(raw: bytes) -> tuple[str | None, bool]:
    if not raw:
        return None, False
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), True


def rest_proxy_event(request: HttpRequest, route: Route, path_parameters: Mapping[str, str]) -> dict[str, Any]:
    """The event API Gateway's Lambda proxy integration sends for request on route."""
    url = urlsplit(request.target)
    query = [(k, v) for k, values in parse_qs(url.query, keep_blank_values=True).items() for v in values]
    headers, multi_headers = _single_and_multi(request.headers)
    queries, multi_queries = _single_and_multi(query)
    body, is_base64 = _body(request.body)
    now = datetime.now(UTC)
    stage = route.trigger.stage
    return {
        "resource": route.trigger.path,
        "path": url.path,
        "httpMethod": request.method,
        "headers": headers or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": queries or None,
        "multiValueQueryStringParameters": multi_queries or None,
        "pathParameters": dict(path_parameters) or None,
        "stageVariables": None,
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "resourceId": "local",
            "resourcePath": route.trigger.path,
            "httpMethod": request.method,
            "path": f"/{stage}{url.path}",
            "stage": stage,
            "protocol": "HTTP/1.1",
            "requestId": str(uuid.uuid4()),
            "extendedRequestId": str(uuid.uuid4()),
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "domainName": headers.get("Host", "localhost"),
            "identity": {"sourceIp": request.source_ip, "userAgent": headers.get("User-Agent")},
        },
        "body": body,
        "isBase64Encoded": is_base64,
    }


@dataclass(frozen=True)
class HttpResponse:
    """What goes back on the wire."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes


def http_response(result: Any) -> HttpResponse:
    """Map a proxy-integration result to HTTP; anything malformed is API Gateway's 502."""
    if not isinstance(result, Mapping) or not isinstance(result.get("statusCode"), int):
        return HttpResponse(502, [("Content-Type", "application/json")], b'{"message": "Internal server error"}')
    headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
    for name, values in (result.get("multiValueHeaders") or {}).items():
        headers.extend((str(name), str(value)) for value in values)
    raw = result.get("body") or ""
    body = base64.b64decode(raw) if result.get("isBase64Encoded") else str(raw).encode("utf-8")
    return HttpResponse(result["statusCode"], headers, body)
