"""template.yaml, translated by aws-sam-translator (no AWS calls): triggers, IAM scope, API auth, no secrets."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from samtranslator.translator.transform import transform

from localrun.cfn_yaml import load_yaml
from localrun.intrinsics import Resolver
from order_core.bootstrap import reset_service
from order_core.entrypoints.kafka import RETRY_RESERVE_MS
from samples.msk import Batch
from tests.sam.conftest import FakeLambdaContext, load_event

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
    # layers/order_core/Makefile; what it builds is checked in tests/artifact/test_layer.py
    assert layer["Metadata"]["BuildMethod"] == "makefile"
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


# ---- alarms ---------------------------------------------------------------------------------------------
# AWS's own metrics, as documented: Lambda "Types of metrics" (invocation, performance and event source
# mapping metrics) and API Gateway's REST API metrics.
AWS_METRICS = {
    "AWS/Lambda": {"Errors", "Throttles", "OffsetLag", "OnFailureDestinationDeliveredEventCount"},
    "AWS/ApiGateway": {"5XXError"},
}
NOTIFY = {"Fn::If": ["NotifyAlarms", [{"Ref": "AlarmTopicArn"}], {"Ref": "AWS::NoValue"}]}
QUERY = re.compile(r"SELECT (?:SUM|MAX)\((\w+)\) FROM (?:SCHEMA\((\w+), ([\w, ]+)\)|\"([\w/]+)\")")


def alarms(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {k: r["Properties"] for k, r in template["Resources"].items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def watched(alarm: dict[str, Any]) -> tuple[str, str, frozenset[str], Any]:
    """(namespace, metric, dimension names, the resource it names) of a metric alarm or a Metrics Insights one."""
    if "MetricName" in alarm:
        values = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
        target = values.get("FunctionName", values.get("ApiName"))
        return alarm["Namespace"], alarm["MetricName"], frozenset(values), target
    [query] = alarm["Metrics"]
    expression = query["Expression"]
    text = expression if isinstance(expression, str) else expression["Fn::Sub"]
    match = QUERY.match(text)
    assert match, text
    metric, schema, keys, namespace = match.groups()
    named = re.search(r"\$\{(\w+)\}", text)
    dimensions = frozenset(k.strip() for k in keys.split(",")) if keys else frozenset()
    return schema or namespace, metric, dimensions, named.group(1) if named else None


def test_every_alarm_notifies_the_optional_topic_and_only_it(template: dict[str, Any]) -> None:
    assert template["Conditions"]["NotifyAlarms"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}]}
    assert template["Parameters"]["AlarmTopicArn"]["Default"] == ""
    for name, alarm in alarms(template).items():
        assert alarm["AlarmActions"] == alarm["OKActions"] == NOTIFY, name
        assert alarm["AlarmDescription"], name


def test_only_the_alarms_on_queries_can_be_left_out_where_queries_cannot_be_alarmed(template: dict[str, Any]) -> None:
    assert template["Conditions"]["QueryAlarms"] == {"Fn::Equals": [{"Ref": "QueryAlarms"}, "true"]}
    assert template["Parameters"]["QueryAlarms"]["Default"] == "true"
    for name, resource in template["Resources"].items():
        if resource["Type"] == "AWS::CloudWatch::Alarm":
            on_query = "Metrics" in resource["Properties"]
            assert resource.get("Condition") == ("QueryAlarms" if on_query else None), name


def test_each_function_has_errors_and_throttles_alarms_and_each_kafka_function_lag_and_on_failure_ones(
    template: dict[str, Any], resources: dict[str, Any]
) -> None:
    targets = [watched(alarm) for alarm in alarms(template).values()]
    for function in [*KAFKA_FUNCTIONS, *OTHER_FUNCTIONS]:
        for metric in ("Errors", "Throttles"):
            assert ("AWS/Lambda", metric, frozenset({"FunctionName"}), {"Ref": function}) in targets
    for function in KAFKA_FUNCTIONS:
        assert ("AWS/Lambda", "OffsetLag", frozenset(), function) in targets
        [esm] = [
            t[3] for t in targets if t[1] == "OnFailureDestinationDeliveredEventCount" and t[3].startswith(function)
        ]
        # the query names the mapping SAM generates for the function, which emits its EventCount metrics
        assert resources[esm]["Type"] == "AWS::Lambda::EventSourceMapping"
        assert resources[esm]["Properties"]["FunctionName"] == {"Ref": function}
        assert resources[esm]["Properties"]["MetricsConfig"] == {"Metrics": ["EventCount"]}
    assert ("AWS/ApiGateway", "5XXError", frozenset({"ApiName", "Stage"}), {"Ref": "AWS::StackName"}) in targets
    assert resources["OrdersApi"]["Properties"]["Body"]["info"]["title"] == {"Ref": "AWS::StackName"}  # = ApiName


def test_alarms_on_aws_metrics_use_documented_names(template: dict[str, Any]) -> None:
    for name, alarm in alarms(template).items():
        namespace, metric, _, _ = watched(alarm)
        if namespace.startswith("AWS/"):
            assert metric in AWS_METRICS[namespace], name


def test_alarms_on_the_service_metrics_match_what_the_functions_emit(
    template: dict[str, Any], emitted: set[tuple[str, frozenset[str]]]
) -> None:
    # Given the namespace and service name every function is deployed with
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    service_alarms = {n: a for n, a in alarms(template).items() if not watched(a)[0].startswith("AWS/")}
    # Then each alarm watches a metric, under the exact dimension set, that the handlers really emit
    assert {watched(a)[1] for a in service_alarms.values()} == {
        "DeadLetters", "RetriedPartitions", "OutboxOldestPendingAge", "OutboxMaxAttempts", "Api5xx",
    }  # fmt: skip
    for name, alarm in service_alarms.items():
        namespace, metric, dimensions, _ = watched(alarm)
        assert namespace == env["POWERTOOLS_METRICS_NAMESPACE"], name
        assert (metric, dimensions) in emitted, name
        for dimension in alarm.get("Dimensions", []):
            assert dimension == {"Name": "service", "Value": env["POWERTOOLS_SERVICE_NAME"]}, name


@pytest.fixture
def emitted(stack_env: dict[str, str], capsys: pytest.CaptureFixture[str]) -> set[tuple[str, frozenset[str]]]:
    """(metric, dimension names) of the EMF lines the handlers print: a dead letter, a relay run, and with the
    database unreachable a Kafka batch reported for retry and an API call answered 503."""
    handlers = {name: importlib.import_module(f"functions.{name}.app").lambda_handler
                for name in ("payments_failed", "outbox_relay", "orders_api")}  # fmt: skip
    poison = Batch()
    poison.add("payments.failed", b"\x00 not json")
    handlers["payments_failed"](poison.event(), FakeLambdaContext())
    handlers["outbox_relay"](load_event("outbox_relay"), FakeLambdaContext())
    reset_service()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DB_DSN", "postgresql://nobody@127.0.0.1:1/none")
        handlers["payments_failed"](poison.event(), FakeLambdaContext(remaining_ms=0))
        assert handlers["orders_api"](load_event("orders_api_get"), FakeLambdaContext())["statusCode"] == 503
        reset_service()
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    return {
        (metric["Name"], frozenset(dimensions))
        for line in lines
        for directive in line["_aws"]["CloudWatchMetrics"]
        for dimensions in directive["Dimensions"]
        for metric in directive["Metrics"]
    }
