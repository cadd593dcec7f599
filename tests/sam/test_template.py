"""template.yaml, translated by aws-sam-translator (no AWS calls): triggers, IAM scope, API auth, no secrets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from localrun.cfn_yaml import load_yaml
from localrun.intrinsics import Resolver
from order_core.entrypoints.kafka import RETRY_RESERVE_MS

ROOT = Path(__file__).resolve().parents[2]
CLUSTER = "arn:aws:kafka:eu-west-1:111122223333:cluster/orders-msk/0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7-3"
TOPIC_ARN = "arn:aws:kafka:eu-west-1:111122223333:topic/orders-msk/0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7-3/"
GROUP_ARN = "arn:aws:kafka:eu-west-1:111122223333:group/orders-msk/0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7-3/"
SECRET = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:orders-db-AbCdEf"
PARAMETERS = {"MskClusterArn": CLUSTER, "DbSecretArn": SECRET}

KAFKA_FUNCTIONS = {
    "OrdersCreatedFunction": ("orders.created", "order-service.orders-created", []),
    "PaymentsSucceededFunction": ("payments.succeeded", "order-service.payments-succeeded", ["orders.paid"]),
    "PaymentsFailedFunction": ("payments.failed", "order-service.payments-failed", []),
    "InventoryReservedFunction": ("inventory.reserved", "order-service.inventory-reserved", []),
    "InventoryOutOfStockFunction": (
        "inventory.out_of_stock",
        "order-service.inventory-out-of-stock",
        ["orders.cancelled"],
    ),
}
OTHER_FUNCTIONS = {
    "ShipOrderFunction": ["orders.shipped"],
    "OrdersApiFunction": ["orders.cancelled"],
    "OutboxRelayFunction": ["orders.paid", "orders.cancelled", "orders.shipped"],
}
CONSUMER_CLUSTER_ACTIONS = {"kafka-cluster:Connect", "kafka-cluster:DescribeClusterDynamicConfiguration"}


class NoManagedPolicies:
    """The translator asks IAM for managed policy names only when a template uses them by name."""

    def load(self) -> dict[str, str]:
        return {}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return load_yaml(ROOT / "template.yaml")


@pytest.fixture(scope="module")
def resources(template: dict[str, Any]) -> dict[str, Any]:
    packaged = load_yaml(ROOT / "template.yaml")
    for resource in packaged["Resources"].values():
        # what `sam package` does: local code paths become S3 URIs
        for key in ("CodeUri", "ContentUri"):
            if key in resource.get("Properties", {}):
                resource["Properties"][key] = f"s3://artifacts/{resource['Properties'][key]}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
        translated: dict[str, Any] = transform(packaged, {}, NoManagedPolicies())["Resources"]
    return translated


def permissions(resources: dict[str, Any], function: str) -> dict[str, set[str]]:
    """action -> resolved resource ARNs the function's role allows, inline and managed policies together."""
    role = resources[f"{function}Role"]["Properties"]
    documents = [p["PolicyDocument"] for p in role.get("Policies", [])]
    for arn in role["ManagedPolicyArns"]:
        if isinstance(arn, dict):
            documents.append(resources[arn["Ref"]]["Properties"]["PolicyDocument"])
    resolver = Resolver(parameters=PARAMETERS, resources=resources)
    allowed: dict[str, set[str]] = {}
    for statement in (s for d in documents for s in d["Statement"]):
        assert statement["Effect"] == "Allow"
        targets = resolver.resolve(statement["Resource"])
        for action in [statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"]:
            allowed.setdefault(action, set()).update([targets] if isinstance(targets, str) else targets)
    return allowed


def kafka_permissions(resources: dict[str, Any], function: str) -> dict[str, set[str]]:
    return {a: r for a, r in permissions(resources, function).items() if a.startswith("kafka-cluster:")}


@pytest.mark.parametrize(("function", "expected"), KAFKA_FUNCTIONS.items())
def test_each_kafka_function_has_one_msk_mapping_with_its_topic_and_group(
    resources: dict[str, Any], function: str, expected: tuple[str, str, list[str]]
) -> None:
    topic, group, _ = expected
    mappings = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping" and r["Properties"]["FunctionName"] == {"Ref": function}
    ]
    assert len(mappings) == 1
    esm = mappings[0]
    assert esm["EventSourceArn"] == {"Ref": "MskClusterArn"}
    assert esm["Topics"] == [topic]
    assert esm["AmazonManagedKafkaEventSourceConfig"] == {"ConsumerGroupId": group}
    assert esm["StartingPosition"] == "TRIM_HORIZON"
    assert 1 <= esm["BatchSize"] <= 10_000
    assert 0 <= esm["MaximumBatchingWindowInSeconds"] <= 300
    assert esm["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 0 < esm["MaximumRetryAttempts"] <= 10_000
    assert esm["DestinationConfig"] == {"OnFailure": {"Destination": "kafka://order-service.dlq"}}
    # AWS accepts the three settings above on Kafka mappings only in provisioned mode.
    assert esm["ProvisionedPollerConfig"]["MinimumPollers"] >= 1
    assert esm["ProvisionedPollerConfig"]["MaximumPollers"] >= esm["ProvisionedPollerConfig"]["MinimumPollers"]


@pytest.mark.parametrize("function", KAFKA_FUNCTIONS)
def test_retries_ride_out_an_outage_of_hours_and_end_well_inside_the_topic_retention(
    resources: dict[str, Any], function: str
) -> None:
    [esm] = [
        r["Properties"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping" and r["Properties"]["FunctionName"] == {"Ref": function}
    ]
    # Every invocation that reports a failure has retried in-process for Timeout - RETRY_RESERVE_MS first.
    window_s = resources[function]["Properties"]["Timeout"] - RETRY_RESERVE_MS / 1000
    ridden_out_s = (1 + esm["MaximumRetryAttempts"]) * window_s
    assert window_s >= 60
    assert 4 * 3600 <= ridden_out_s <= 24 * 3600  # far past 15 minutes; redrivable within a 7-day retention
    # A record's age grows during every backlog: an age limit would send a healthy backlog to the DLQ.
    assert esm["MaximumRecordAgeInSeconds"] == -1
    # Records are isolated inside the function; halving a batch cannot help against a database outage.
    assert esm["BisectBatchOnFunctionError"] is False


def test_consumer_groups_are_unique(resources: dict[str, Any]) -> None:
    groups = [
        r["Properties"]["AmazonManagedKafkaEventSourceConfig"]["ConsumerGroupId"]
        for r in resources.values()
        if r["Type"] == "AWS::Lambda::EventSourceMapping"
    ]
    assert sorted(groups) == sorted(g for _, g, _ in KAFKA_FUNCTIONS.values())


@pytest.mark.parametrize(("function", "expected"), KAFKA_FUNCTIONS.items())
def test_kafka_function_may_read_only_its_topic_and_group_and_write_only_its_outputs(
    resources: dict[str, Any], function: str, expected: tuple[str, str, list[str]]
) -> None:
    topic, group, outputs = expected
    allowed = kafka_permissions(resources, function)
    for action in CONSUMER_CLUSTER_ACTIONS:
        assert allowed[action] == {CLUSTER}
    assert allowed["kafka-cluster:ReadData"] == {TOPIC_ARN + topic}
    assert allowed["kafka-cluster:DescribeGroup"] == allowed["kafka-cluster:AlterGroup"] == {GROUP_ARN + group}
    writable = {TOPIC_ARN + t for t in [*outputs, "order-service.dlq"]}
    assert allowed["kafka-cluster:WriteData"] == writable
    assert allowed["kafka-cluster:DescribeTopic"] == writable | {TOPIC_ARN + topic}
    assert allowed.get("kafka-cluster:WriteDataIdempotently", set()) == ({CLUSTER} if outputs else set())


@pytest.mark.parametrize(("function", "outputs"), OTHER_FUNCTIONS.items())
def test_api_and_relay_functions_may_only_publish_their_topics(
    resources: dict[str, Any], function: str, outputs: list[str]
) -> None:
    allowed = kafka_permissions(resources, function)
    assert allowed == {
        "kafka-cluster:Connect": {CLUSTER},
        "kafka-cluster:WriteDataIdempotently": {CLUSTER},
        "kafka-cluster:WriteData": {TOPIC_ARN + t for t in outputs},
        "kafka-cluster:DescribeTopic": {TOPIC_ARN + t for t in outputs},
    }


@pytest.mark.parametrize("function", [*KAFKA_FUNCTIONS, *OTHER_FUNCTIONS])
def test_every_function_reads_the_one_secret_runs_in_the_vpc_and_uses_the_layer(
    resources: dict[str, Any], function: str
) -> None:
    allowed = permissions(resources, function)
    assert allowed["secretsmanager:GetSecretValue"] == {SECRET}
    assert not [a for a in allowed if a.endswith("*")]
    props = resources[function]["Properties"]
    assert props["VpcConfig"] == {"SubnetIds": {"Ref": "SubnetIds"}, "SecurityGroupIds": {"Ref": "SecurityGroupIds"}}
    assert props["Handler"] == "app.lambda_handler"
    assert props["Runtime"] == "python3.12"
    assert props["Architectures"] == ["x86_64"]
    assert props["TracingConfig"] == {"Mode": "Active"}
    assert len(props["Layers"]) == 1
    env = props["Environment"]["Variables"]
    assert {"POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL"} <= env.keys()
    assert env["DB_SECRET_ARN"] == {"Ref": "DbSecretArn"}


def test_api_routes_require_sigv4(resources: dict[str, Any]) -> None:
    paths = resources["OrdersApi"]["Properties"]["Body"]["paths"]
    routes = {(path, method) for path, methods in paths.items() for method in methods}
    assert routes == {
        ("/orders/{order_id}/ship", "post"),
        ("/orders/{order_id}/cancel", "post"),
        ("/orders/{order_id}", "get"),
        ("/orders", "get"),
    }
    for path, method in routes:
        operation = paths[path][method]
        assert operation["security"] == [{"AWS_IAM": []}]
        # no "credentials": API Gateway calls the function through its resource policy
        assert "credentials" not in operation["x-amazon-apigateway-integration"]


def test_relay_runs_every_minute(resources: dict[str, Any]) -> None:
    rule = resources["OutboxRelayFunctionEveryMinute"]["Properties"]
    assert rule["ScheduleExpression"] == "rate(1 minute)"


def test_layer_is_built_for_python312(template: dict[str, Any]) -> None:
    layer = template["Resources"]["OrderCoreLayer"]
    assert layer["Metadata"]["BuildMethod"] == "python3.12"
    assert layer["Properties"]["ContentUri"] == "layers/order_core/"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]


def test_outputs_name_the_api_url_and_every_function(template: dict[str, Any]) -> None:
    outputs = template["Outputs"]
    assert "ApiUrl" in outputs
    assert {f"{f}Name" for f in [*KAFKA_FUNCTIONS, *OTHER_FUNCTIONS]} <= outputs.keys()


def test_nothing_account_specific_is_hard_coded() -> None:
    text = (ROOT / "template.yaml").read_text()
    without_patterns = re.sub(r"AllowedPattern: .*", "", text)
    assert not re.search(r"\b\d{12}\b", without_patterns), "account id"
    assert not re.search(r"arn:aws:(?!iam::aws:policy)[a-z0-9-]+:[a-z0-9-]*:\d", without_patterns), "ARN"
    assert not re.search(r"\b(subnet|sg|vpc)-[0-9a-f]{8,}", text), "network id"
    assert not re.search(r"(?i)password\s*[:=]", text), "password"
