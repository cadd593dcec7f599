"""Settings, read once from the environment. The only module of order_core that reads os.environ."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from order_core.exceptions import ConfigurationError


class Settings(BaseModel):
    """Locally `DB_DSN` and `KAFKA_BROKERS` (the seed's names); in AWS a Secrets Manager secret for the database."""

    model_config = ConfigDict(frozen=True)

    db_dsn: str | None = None
    db_secret_arn: str | None = None
    db_host: str | None = None
    db_name: str = "orders"
    db_port: int = 5432
    db_lock_timeout_ms: int = 5000
    kafka_brokers: list[str]
    kafka_auth: Literal["none", "iam"] = "none"
    kafka_publish_timeout_s: float = 5.0
    outbox_retention_days: int = 7
    aws_region: str | None = None

    @model_validator(mode="after")
    def _one_database_source(self) -> Settings:
        if not self.db_dsn and not self.db_secret_arn:
            raise ValueError("set DB_DSN (local) or DB_SECRET_ARN (AWS)")
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build from environment variables; fails loudly, naming what is missing."""
        env = os.environ if environ is None else environ
        raw = {
            "db_dsn": env.get("DB_DSN") or None,
            "db_secret_arn": env.get("DB_SECRET_ARN") or None,
            "db_host": env.get("DB_HOST") or None,
            "db_name": env.get("DB_NAME") or "orders",
            "db_port": env.get("DB_PORT") or 5432,
            "db_lock_timeout_ms": env.get("DB_LOCK_TIMEOUT_MS") or 5000,
            "kafka_brokers": [b.strip() for b in env.get("KAFKA_BROKERS", "").split(",") if b.strip()],
            "kafka_auth": env.get("KAFKA_AUTH") or "none",
            "kafka_publish_timeout_s": env.get("KAFKA_PUBLISH_TIMEOUT_S") or 5.0,
            "outbox_retention_days": env.get("OUTBOX_RETENTION_DAYS") or 7,
            "aws_region": env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or None,
        }
        if not raw["kafka_brokers"]:
            raise ConfigurationError("KAFKA_BROKERS is not set")
        try:
            return cls.model_validate(raw)
        except ValidationError as error:
            raise ConfigurationError(f"invalid settings: {error}") from error
