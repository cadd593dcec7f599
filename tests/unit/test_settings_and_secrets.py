"""Settings from the environment, database credentials from Secrets Manager (moto), the MSK IAM producer path."""

from __future__ import annotations

import json
from collections.abc import Iterator

import boto3
import pytest
from kafka.net.sasl.msk import SaslMechanismAwsMskIam
from moto import mock_aws

from order_core.adapters.kafka import producer_config
from order_core.adapters.secrets import database_conninfo
from order_core.config import Settings
from order_core.exceptions import ConfigurationError, TransientError

LOCAL = {"DB_DSN": "postgresql://orders:orders@127.0.0.1:55432/orders", "KAFKA_BROKERS": "127.0.0.1:59092"}


@pytest.fixture
def lambda_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """What the Lambda runtime puts in the environment of a function."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIDTEST",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_SESSION_TOKEN": "token",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def aws(lambda_credentials: None) -> Iterator[None]:
    with mock_aws():
        yield


def test_local_settings_use_the_seed_variable_names() -> None:
    settings = Settings.from_env(LOCAL | {"KAFKA_BROKERS": "a:9092, b:9092"})
    assert settings.kafka_brokers == ["a:9092", "b:9092"]
    assert database_conninfo(settings) == LOCAL["DB_DSN"]


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DB_DSN": "postgresql://x"}, "KAFKA_BROKERS"),
        ({"KAFKA_BROKERS": "a:9092"}, "DB_SECRET_ARN"),
        (LOCAL | {"KAFKA_AUTH": "scram"}, "KAFKA_AUTH='scram': Input should be 'none' or 'iam'"),
        (LOCAL | {"DB_PORT": "x"}, "DB_PORT='x': Input should be a valid integer"),
        (LOCAL | {"DB_SSLMODE": "on"}, "DB_SSLMODE='on'"),
        (LOCAL | {"KAFKA_BROKERS": " , "}, "KAFKA_BROKERS=',': List should have at least 1 item"),
    ],
)
def test_missing_or_malformed_settings_fail_loudly(environ: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(environ)


def test_database_credentials_come_from_the_secret_and_the_proxy_host(aws: None) -> None:
    secret = {"username": "svc", "password": "p@ss word", "host": "db.internal", "port": 5432, "dbname": "shop"}
    arn = boto3.client("secretsmanager").create_secret(Name="orders-db", SecretString=json.dumps(secret))["ARN"]
    settings = Settings.from_env(
        {"DB_SECRET_ARN": arn, "DB_HOST": "proxy.example", "DB_NAME": "orders", "KAFKA_BROKERS": "b:9098"}
    )

    conninfo = database_conninfo(settings)

    assert "host=proxy.example" in conninfo
    assert "user=svc" in conninfo
    assert "password='p@ss word'" in conninfo
    assert "dbname=orders" in conninfo
    assert "sslmode=require" in conninfo


def test_a_secret_without_credentials_is_a_configuration_error(aws: None) -> None:
    arn = boto3.client("secretsmanager").create_secret(Name="broken", SecretString='{"host": "x"}')["ARN"]
    settings = Settings.from_env({"DB_SECRET_ARN": arn, "KAFKA_BROKERS": "b:9098"})
    with pytest.raises(ConfigurationError, match="username and password"):
        database_conninfo(settings)


def test_a_secret_that_is_not_json_is_a_configuration_error(aws: None) -> None:
    arn = boto3.client("secretsmanager").create_secret(Name="not-json", SecretString="user:pass")["ARN"]
    settings = Settings.from_env({"DB_SECRET_ARN": arn, "KAFKA_BROKERS": "b:9098"})
    with pytest.raises(ConfigurationError, match="username and password"):
        database_conninfo(settings)


def test_a_secret_that_cannot_be_fetched_is_transient_so_the_batch_is_retried(aws: None) -> None:
    # Given a secret Secrets Manager does not give (gone, refused, throttled, unreachable: all the same here)
    missing = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:orders-db-gone"
    settings = Settings.from_env({"DB_SECRET_ARN": missing, "KAFKA_BROKERS": "b:9098"})

    # Then the connection is unavailable as in a database outage
    with pytest.raises(TransientError, match="database secret"):
        database_conninfo(settings)


def test_local_producer_is_plaintext_idempotent_and_acks_all() -> None:
    config = producer_config(Settings.from_env(LOCAL))
    assert (config["acks"], config["enable_idempotence"]) == ("all", True)
    assert "security_protocol" not in config


def test_iam_producer_signs_an_msk_iam_token_with_the_lambda_credentials(lambda_credentials: None) -> None:
    config = producer_config(Settings.from_env(LOCAL | {"KAFKA_AUTH": "iam"}))
    assert (config["security_protocol"], config["sasl_mechanism"]) == ("SASL_SSL", "AWS_MSK_IAM")

    mechanism = SaslMechanismAwsMskIam(security_protocol=config["security_protocol"], host="b-1.msk.example")
    token = json.loads(mechanism.auth_bytes())

    assert token["action"] == "kafka-cluster:Connect"
    assert token["host"] == "b-1.msk.example"
    assert token["x-amz-credential"].startswith("AKIDTEST/")
    assert "/eu-west-1/kafka-cluster/aws4_request" in token["x-amz-credential"]
    assert len(token["x-amz-signature"]) == 64
