"""The REST resolver of the API functions: bodies screened, requests validated, every error one JSON shape.

Bad input never reaches order_core: `http_body.screen` refuses what Powertools' body parser cannot take,
then Powertools validates path, query and body against the route's annotations. Every error, the caller's
(4xx) or ours (5xx), is answered here as an `ErrorBody`; anything unexpected is a 500 with the request id.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import ResponseBuilder
from aws_lambda_powertools.event_handler.exceptions import NotFoundError
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEvent
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, Field

from order_core.domain import OrderStatus
from order_core.entrypoints.http_body import JSON, MAX_BODY_BYTES, MAX_NESTING, BodyRefused, load_json, screen
from order_core.entrypoints.telemetry import LambdaHandler, instrumented, logger, metrics
from order_core.exceptions import InvalidCursor, OrderNotFound, TransientError, TransitionRejected

ErrorResponse = Response[dict[str, Any]]


class FieldError(BaseModel):
    """One invalid part of a request, as Powertools reports it: where, and which check failed (never the value)."""

    loc: list[str | int] = Field(description='e.g. ["path", "order_id"], ["query", "limit"], ["body", "reason"]')
    type: str = Field(description="e.g. uuid_parsing, missing, string_too_long, json_invalid, json_too_deep")


class ErrorBody(BaseModel):
    """The JSON body of every error the API answers, 4xx (the request) or 5xx (the service)."""

    statusCode: int = Field(description="The HTTP status again, as in Powertools' own error bodies")
    message: str
    request_id: str | None = Field(None, description="API Gateway request id; it is in the logs and the history")
    current_status: OrderStatus | None = Field(None, description="409 only: the order's status")
    detail: list[FieldError] | None = Field(None, description="422 only: each invalid part of the request")


def _described(description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": ErrorBody}}}


# OpenAPI `responses`: what each route can answer besides 200. Every route: 422, 500, 503.
Responses = dict[int, OpenAPIResponse]
NOT_FOUND: Responses = {404: _described("No order has this id")}
CONFLICT: Responses = {409: _described("The order's current status does not allow this (current_status says which)")}
BAD_CURSOR: Responses = {400: _described("cursor is not a next_cursor this API issued")}
WITH_BODY: Responses = {
    413: _described(f"Body over {MAX_BODY_BYTES // 1024} KiB"),
    415: _described(f"Content-Type other than {JSON}"),
}
_EVERY_ROUTE: Responses = {
    422: _described(f"Invalid path, query or body (detail lists each), or JSON nested over {MAX_NESTING} levels"),
    500: _described("Unexpected error of the service; quote request_id"),
    503: _described("The database is unreachable; retry later"),
}


def documented(model: type[BaseModel], *errors: Responses) -> dict[str, Any]:
    """Keyword arguments of a route decorator: its OpenAPI responses, and 500 when its answer fails validation.

    Powertools answers 422 by default when a route's own return value is invalid; that is our bug, not the
    caller's. `responses` must list 200 too: Powertools omits it once `responses` is given.
    """
    responses: Responses = {200: {"description": "OK", "content": {"application/json": {"model": model}}}}
    for error in (*errors, _EVERY_ROUTE):
        responses |= error
    return {"responses": responses, "custom_response_validation_http_code": HTTPStatus.INTERNAL_SERVER_ERROR}


def _error(status: HTTPStatus, message: str, **details: Any) -> ErrorResponse:
    body = ErrorBody(statusCode=status, message=message, request_id=logger.get_correlation_id(), **details)
    json_body = body.model_dump(exclude_none=True)
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=json_body)


def _not_found(error: OrderNotFound) -> ErrorResponse:
    return _error(HTTPStatus.NOT_FOUND, str(error))


def _conflict(error: TransitionRejected) -> ErrorResponse:
    logger.info("transition refused", order_id=str(error.order_id), current_status=error.current_status)
    return _error(HTTPStatus.CONFLICT, str(error), current_status=error.current_status)


def _bad_cursor(_: InvalidCursor) -> ErrorResponse:
    return _error(HTTPStatus.BAD_REQUEST, "cursor: not a cursor this API issued")


def _invalid(error: RequestValidationError) -> ErrorResponse:
    # Powertools' own 422 lists loc and type, never msg or the input: they could echo internals or the payload.
    detail = [FieldError(loc=list(e["loc"]), type=e["type"]) for e in error.errors()]
    where = ", ".join(".".join(map(str, e.loc)) for e in detail)
    return _error(HTTPStatus.UNPROCESSABLE_ENTITY, f"invalid request: {where}", detail=detail)


def _refused(refusal: BodyRefused) -> ErrorResponse:
    detail = [FieldError(loc=["body"], type=refusal.error_type)] if refusal.status == 422 else None
    return _error(refusal.status, str(refusal), detail=detail)


def _no_route(_: NotFoundError) -> ErrorResponse:
    return _error(HTTPStatus.NOT_FOUND, "no such route")  # API Gateway answers these itself; kept for completeness


def _unavailable(error: TransientError) -> ErrorResponse:
    logger.warning("database unavailable", error=str(error))
    return _error(HTTPStatus.SERVICE_UNAVAILABLE, "temporarily unavailable, retry later")


def _unexpected(error: Exception) -> ErrorResponse:
    logger.exception("unexpected error", error_type=type(error).__name__)
    return _error(HTTPStatus.INTERNAL_SERVER_ERROR, "internal error; quote request_id when reporting it")


# Powertools looks handlers up along the exception's MRO, so Exception catches only what nothing else does.
_ERROR_HANDLERS: dict[type[Exception], Callable[[Any], ErrorResponse]] = {
    OrderNotFound: _not_found,
    TransitionRejected: _conflict,
    InvalidCursor: _bad_cursor,
    RequestValidationError: _invalid,
    NotFoundError: _no_route,
    TransientError: _unavailable,
    Exception: _unexpected,
}


def make_router() -> APIGatewayRouter:
    """A router for an API function's routes (its `current_event` is typed as a REST proxy event)."""
    return APIGatewayRouter()  # type: ignore[no-untyped-call]


def make_resolver(*routers: APIGatewayRouter) -> APIGatewayRestResolver:
    """A REST resolver serving `routers`: validation on, bodies parsed by `load_json`, errors mapped here."""
    app = APIGatewayRestResolver(enable_validation=True, json_body_deserializer=load_json)
    for router in routers:
        app.include_router(router)
    for error, handler in _ERROR_HANDLERS.items():
        app.exception_handler(error)(handler)
    return app


def http_handler(app: APIGatewayRestResolver) -> LambdaHandler:
    """The `lambda_handler` of an API function; the API Gateway request id is the correlation id."""

    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        try:
            screen(event)
        except BodyRefused as refusal:
            response = ResponseBuilder[APIGatewayProxyEvent](_refused(refusal)).build(APIGatewayProxyEvent(event))
        else:
            response = app.resolve(event, context)
        # Api2xx / Api4xx / Api5xx: what callers get, and a 5xx alarm that needs no log query.
        metrics.add_metric(name=f"Api{response['statusCode'] // 100}xx", unit=MetricUnit.Count, value=1)
        return response

    return instrumented(lambda_handler, correlation_id_path=correlation_paths.API_GATEWAY_REST)
