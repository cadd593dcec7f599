"""The REST resolver of the API functions: validation on, order_core errors mapped to HTTP in one place.

Bad input never reaches order_core: Powertools validates path, query and body against the route's
annotations and answers 422 with the location of each offending field (`["path", "order_id"]`).
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.types import OpenAPIResponse
from aws_lambda_powertools.event_handler.router import APIGatewayRouter
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel

from order_core.entrypoints.telemetry import LambdaHandler, instrumented, logger, metrics
from order_core.exceptions import InvalidCursor, OrderNotFound, TransientError, TransitionRejected

ErrorResponse = Response[dict[str, Any]]


class ErrorBody(BaseModel):
    """The JSON body of every 4xx/5xx answer the API gives on purpose."""

    message: str
    current_status: str | None = None


def _described(description: str) -> OpenAPIResponse:
    return {"description": description, "content": {"application/json": {"model": ErrorBody}}}


# OpenAPI `responses` of the routes, so the generated document lists the errors each route can answer.
NOT_FOUND: dict[int, OpenAPIResponse] = {404: _described("No order has this id")}
CONFLICT: dict[int, OpenAPIResponse] = {409: _described("The order's current status does not allow this")}
UNAVAILABLE: dict[int, OpenAPIResponse] = {503: _described("The database is unreachable; retry later")}


def answers(model: type[BaseModel], *errors: dict[int, OpenAPIResponse]) -> dict[int, OpenAPIResponse]:
    """A route's OpenAPI `responses`: its 200 body (Powertools omits it once `responses` is given) and errors."""
    documented: dict[int, OpenAPIResponse] = {
        200: {"description": "OK", "content": {"application/json": {"model": model}}}
    }
    for error in errors:
        documented |= error
    return documented


def _error(status: HTTPStatus, message: str, current_status: str | None = None) -> ErrorResponse:
    body = ErrorBody(message=message, current_status=current_status).model_dump(exclude_none=True)
    return Response(status_code=status, content_type=content_types.APPLICATION_JSON, body=body)


def _not_found(error: OrderNotFound) -> ErrorResponse:
    return _error(HTTPStatus.NOT_FOUND, str(error))


def _conflict(error: TransitionRejected) -> ErrorResponse:
    logger.info("transition refused", order_id=str(error.order_id), current_status=error.current_status)
    return _error(HTTPStatus.CONFLICT, str(error), current_status=error.current_status)


def _bad_cursor(_: InvalidCursor) -> ErrorResponse:
    return _error(HTTPStatus.BAD_REQUEST, "cursor: not a cursor this API issued")


def _unavailable(error: TransientError) -> ErrorResponse:
    logger.warning("database unavailable", error=str(error))
    return _error(HTTPStatus.SERVICE_UNAVAILABLE, "temporarily unavailable, retry later")


_ERROR_HANDLERS: dict[type[Exception], Callable[[Any], ErrorResponse]] = {
    OrderNotFound: _not_found,
    TransitionRejected: _conflict,
    InvalidCursor: _bad_cursor,
    TransientError: _unavailable,
}


def make_router() -> APIGatewayRouter:
    """A router for an API function's routes (its `current_event` is typed as a REST proxy event)."""
    return APIGatewayRouter()  # type: ignore[no-untyped-call]


def make_resolver(*routers: APIGatewayRouter) -> APIGatewayRestResolver:
    """A REST resolver serving `routers`, validating requests, mapping order_core errors to HTTP."""
    app = APIGatewayRestResolver(enable_validation=True)
    for router in routers:
        app.include_router(router)
    for error, handler in _ERROR_HANDLERS.items():
        app.exception_handler(error)(handler)
    return app


def http_handler(app: APIGatewayRestResolver) -> LambdaHandler:
    """The `lambda_handler` of an API function; the API Gateway request id is the correlation id."""

    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        response = app.resolve(event, context)
        # Api2xx / Api4xx / Api5xx: what callers get, and a 5xx alarm that needs no log query.
        metrics.add_metric(name=f"Api{response['statusCode'] // 100}xx", unit=MetricUnit.Count, value=1)
        return response

    return instrumented(lambda_handler, correlation_id_path=correlation_paths.API_GATEWAY_REST)
