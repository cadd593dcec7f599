"""What the API accepts as a request body, checked before Powertools parses it.

Powertools parses the body in its validation middleware, which runs before any middleware of ours, and some
bodies make its parser raise instead of answering 4xx: multipart without a boundary (ValueError), multipart
with characters outside Latin-1 (UnicodeEncodeError), a base64 body that is not UTF-8 (UnicodeDecodeError),
JSON nested ~1,000 deep (RecursionError). So `screen` looks at the raw event first. The POST routes take
JSON only, so nothing else ever reaches the parser.

Limits: 16 KiB, because the largest body any route accepts is a cancel reason of 500 characters (6 KB even
if every one is an escaped surrogate pair), and a bound keeps the parsing and the depth scan cheap; nesting
32, because no route's body nests more than one level and 32 stays far below the ~1,000 frames at which the
JSON parser and pydantic give up.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent

MAX_BODY_BYTES = 16 * 1024
MAX_NESTING = 32
JSON = "application/json"

# A backslash escape, a quote, or a bracket: all the depth scan needs to look at.
_STRUCTURE = re.compile(r'\\.|["\[\]{}]', re.DOTALL)


class BodyRefused(Exception):
    """A request body the API does not accept; `status` is the HTTP answer."""

    def __init__(self, status: HTTPStatus, message: str, error_type: str) -> None:
        super().__init__(message)
        self.status = status
        self.error_type = error_type


def screen(event: dict[str, Any]) -> None:
    """Raise BodyRefused unless a POST's body is JSON within the limits (415, 422, 413, 422)."""
    request = APIGatewayProxyEvent(event)
    if request.http_method != "POST":
        return  # the GET routes declare no body, so Powertools never reads one
    content_type = request.headers.get("content-type") or ""
    if content_type and content_type.split(";", 1)[0].strip() != JSON:
        raise BodyRefused(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, f"Content-Type must be {JSON}", "unsupported_media_type")
    text = _decoded(request.body or "", is_base64=bool(request.is_base64_encoded))
    if len(text.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        raise BodyRefused(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body over {MAX_BODY_BYTES} bytes", "body_too_large")
    if nesting(text) > MAX_NESTING:
        raise BodyRefused(HTTPStatus.UNPROCESSABLE_ENTITY, f"JSON nested over {MAX_NESTING} levels", "json_too_deep")


def _decoded(body: str, *, is_base64: bool) -> str:
    if not is_base64:
        return body
    try:
        return base64.b64decode(body, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError) as error:
        raise BodyRefused(HTTPStatus.UNPROCESSABLE_ENTITY, "body is not UTF-8 JSON", "json_invalid") from error


def nesting(text: str) -> int:
    """How deep arrays and objects nest in a JSON text; brackets inside strings do not count."""
    depth = deepest = 0
    in_string = False
    for token in _STRUCTURE.finditer(text):
        char = token.group()
        if char == '"':
            in_string = not in_string
        elif in_string or char.startswith("\\"):
            continue
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def load_json(text: str) -> Any:
    """Powertools' body parser: json.loads, with every ValueError as the JSONDecodeError Powertools answers 422.

    json.loads raises a plain ValueError for an integer of over 4,300 digits (CPython's limit on int parsing),
    which Powertools does not catch.
    """
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise
    except ValueError as error:
        raise json.JSONDecodeError(str(error), text, 0) from error
