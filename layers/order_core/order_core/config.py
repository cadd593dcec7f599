"""Settings, declared once and read once from the environment. The only module of order_core that reads os.environ.

Each field names its environment variable (its alias) and says what to set it to, so a bad setting is
reported by the variable a user sets: `DB_PORT='x': Input should be a valid integer (the port of ...)`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator

from order_core.exceptions import ConfigurationError


def _comma_separated(value: Any) -> Any:
    return [item.strip() for item in value.split(",") if item.strip()] if isinstance(value, str) else value


SslMode = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]


class Settings(BaseModel):
    """Locally `DB_DSN` and `KAFKA_BROKERS` (the seed's names); in AWS a Secrets Manager secret for the database."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    db_dsn: str | None = Field(None, alias="DB_DSN", description="a libpq DSN (local runs)")
    db_secret_arn: str | None = Field(None, alias="DB_SECRET_ARN", description="the database secret's ARN (AWS)")
    db_host: str | None = Field(None, alias="DB_HOST", description="the RDS Proxy endpoint; wins over the secret's")
    db_name: str = Field("orders", alias="DB_NAME", description="the database name")
    db_port: int = Field(5432, alias="DB_PORT", ge=1, le=65535, description="the database port (1-65535)")
    db_sslmode: SslMode = Field("require", alias="DB_SSLMODE", description="a libpq sslmode (verify-full for RDS)")
    db_sslrootcert: str | None = Field(None, alias="DB_SSLROOTCERT", description="the CA bundle file for verify-*")
    db_lock_timeout_ms: int = Field(5000, alias="DB_LOCK_TIMEOUT_MS", ge=1, description="milliseconds, at least 1")
    kafka_brokers: Annotated[list[str], BeforeValidator(_comma_separated)] = Field(
        alias="KAFKA_BROKERS", min_length=1, description="comma-separated host:port of the Kafka brokers"
    )
    kafka_auth: Literal["none", "iam"] = Field("none", alias="KAFKA_AUTH", description="none or iam")
    kafka_publish_timeout_s: float = Field(
        5.0, alias="KAFKA_PUBLISH_TIMEOUT_S", gt=0, description="seconds a publish may wait for Kafka"
    )
    outbox_retention_days: int = Field(
        7, alias="OUTBOX_RETENTION_DAYS", ge=1, description="days published outbox rows are kept"
    )
    aws_region: str | None = Field(None, validation_alias=AliasChoices("AWS_REGION", "AWS_DEFAULT_REGION"))

    @model_validator(mode="after")
    def _one_database_source(self) -> Settings:
        if not self.db_dsn and not self.db_secret_arn:
            raise ValueError("set DB_DSN (local) or DB_SECRET_ARN (AWS)")
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build from environment variables (empty ones count as unset); fails naming the variable and the fix."""
        env = os.environ if environ is None else environ
        raw = {name: env[name].strip() for name in _VARIABLES if env.get(name, "").strip()}
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            raise ConfigurationError(_describe(error, raw)) from error


_VARIABLES = ("AWS_REGION", "AWS_DEFAULT_REGION", *(str(f.alias) for f in Settings.model_fields.values() if f.alias))


def _describe(error: ValidationError, raw: Mapping[str, str]) -> str:
    problems = []
    for item in error.errors():
        name = str(item["loc"][0]) if item["loc"] else ""
        field = next((f for f in Settings.model_fields.values() if f.alias == name), None)
        hint = f" ({field.description})" if field and field.description else ""
        if item["type"] == "missing":
            problems.append(f"{name} is not set: set it to {field.description if field else 'a value'}")
        elif name:
            problems.append(f"{name}={raw.get(name, '')!r}: {item['msg']}{hint}")
        else:
            problems.append(item["msg"].removeprefix("Value error, "))
    return "invalid settings: " + "; ".join(problems)
