"""`make coldstart`'s second floor: the libraries every function imports at INIT, and nothing of this project.

psycopg (the database), pydantic with one model built (the contracts) and the Powertools package (logging,
metrics, tracing): what the brief chose and no handler can do without. A function cannot start faster than this.
"""

import aws_lambda_powertools  # noqa: F401 - imported for its import time
import psycopg  # noqa: F401 - imported for its import time
import pydantic


class Model(pydantic.BaseModel):
    """A model is built at import, as the contracts' models are."""

    value: int


def lambda_handler(event: object, context: object) -> None:
    """Never invoked: only INIT is measured."""
