"""Database credentials from Secrets Manager (cached by Powertools), for the AWS deployment."""

from __future__ import annotations

from typing import Any

from psycopg.conninfo import make_conninfo

from order_core.config import Settings
from order_core.exceptions import ConfigurationError, TransientError

SECRET_MAX_AGE_S = 300


def database_conninfo(settings: Settings) -> str:
    """`DB_DSN` when set (local); otherwise the RDS secret, with `DB_HOST` (the RDS Proxy) taking precedence.

    TLS is `DB_SSLMODE` (default `require`); for RDS use `verify-full` with `DB_SSLROOTCERT` pointing at the
    RDS CA bundle shipped with the function.
    """
    if settings.db_dsn:
        return settings.db_dsn
    if not settings.db_secret_arn:
        raise ConfigurationError("set DB_DSN (local) or DB_SECRET_ARN (AWS)")
    # Imported only in AWS, at the first connection: it pulls in boto3, which local runs never need.
    from aws_lambda_powertools.utilities import parameters  # noqa: PLC0415

    try:
        secret: Any = parameters.get_secret(settings.db_secret_arn, transform="json", max_age=SECRET_MAX_AGE_S)
    except parameters.exceptions.TransformParameterError as error:
        raise ConfigurationError("the database secret must be JSON with username and password") from error
    except parameters.exceptions.GetParameterError as error:
        # Secrets Manager unreachable, throttled or refusing: the database cannot be reached, like an outage,
        # so the batch is retried with backoff instead of failing its invocation in a second.
        raise TransientError(f"database secret: {error}") from error
    if not isinstance(secret, dict) or not {"username", "password"} <= secret.keys():
        raise ConfigurationError("the database secret must be JSON with username and password")
    return make_conninfo(
        host=settings.db_host or secret.get("host"),
        port=secret.get("port") or settings.db_port,
        dbname=settings.db_name or secret.get("dbname"),
        user=secret["username"],
        password=secret["password"],
        sslmode=settings.db_sslmode,
        sslrootcert=settings.db_sslrootcert,
    )
