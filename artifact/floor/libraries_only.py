"""`make coldstart`'s second floor: the libraries every function imports at INIT, and nothing of this project.

psycopg (the database), pydantic with one model built (the contracts), and Powertools' logger, metrics and tracer
made as every function makes them (order_core/entrypoints/telemetry.py; the template's `Tracing: Active` needs the
tracer): what the brief chose and no handler can do without. A function cannot start faster than this.
"""

import psycopg  # noqa: F401 - imported for its import time
import pydantic
from aws_lambda_powertools import Logger, Metrics, Tracer

logger, metrics, tracer = Logger(), Metrics(), Tracer(auto_patch=False)


class Model(pydantic.BaseModel):
    """A model is built at import, as the contracts' models are."""

    value: int


def lambda_handler(event: object, context: object) -> None:
    """Never invoked: only INIT is measured."""
