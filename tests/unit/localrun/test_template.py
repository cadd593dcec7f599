"""The template loader: short tags, intrinsics, parameters, Globals, triggers."""

from __future__ import annotations

from pathlib import Path

import pytest

from localrun.intrinsics import Pseudo, Resolver
from localrun.template import load_template, merge_globals, parse_overrides
from localrun.usage import TemplateError

ROOT = Path(__file__).resolve().parents[3]
TEST_TEMPLATE = ROOT / "tests" / "e2e" / "templates" / "runner-test.yaml"
OVERRIDES = {"RecordTopic": "rec", "FailTopic": "fail", "DlqTopic": "dlq", "RecordFile": "/tmp/x"}


def resolver(**parameters: object) -> Resolver:
    return Resolver(
        parameters=parameters,
        resources={"Fn": {"Type": "AWS::Lambda::Function"}},
        conditions={"Prod": {"Fn::Equals": [{"Ref": "Env"}, "prod"]}},
        pseudo=Pseudo(region="eu-west-1"),
    )


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ({"Fn::Sub": "${AWS::Region}-${Env}-${!Literal}"}, "eu-west-1-dev-${Literal}"),
        ({"Fn::Sub": ["${A}/${Env}", {"A": {"Ref": "AWS::AccountId"}}]}, "123456789012/dev"),
        ({"Fn::Select": [1, {"Fn::Split": [":cluster/", "arn:x:cluster/a/b"]}]}, "a/b"),
        ({"Fn::Join": ["-", ["a", {"Ref": "Env"}]]}, "a-dev"),
        ({"Fn::If": ["Prod", "big", "small"]}, "small"),
        ({"Fn::GetAtt": ["Fn", "Arn"]}, "arn:aws:function:eu-west-1:123456789012:Fn"),
        ({"Ref": "Fn"}, "Fn"),
        ({"k": {"Ref": "AWS::NoValue"}, "j": 1}, {"j": 1}),
    ],
)
def test_intrinsics(expression: object, expected: object) -> None:
    assert resolver(Env="dev").resolve(expression) == expected


def test_unknown_ref_fails_loudly() -> None:
    with pytest.raises(TemplateError, match="Nope"):
        resolver().resolve({"Ref": "Nope"})


def test_parameter_overrides_accept_both_forms() -> None:
    assert parse_overrides(["A=1 B=x=y", "ParameterKey=C,ParameterValue=3"]) == {"A": "1", "B": "x=y", "C": "3"}


def test_globals_merge_like_sam() -> None:
    merged = merge_globals(
        {"Timeout": 3, "Layers": ["L1"], "Environment": {"Variables": {"A": "g", "B": "g"}}},
        {"Timeout": 9, "Layers": ["L2"], "Environment": {"Variables": {"B": "f"}}},
    )

    assert merged == {"Timeout": 9, "Layers": ["L1", "L2"], "Environment": {"Variables": {"A": "g", "B": "f"}}}


def test_test_template_is_loaded_with_short_tags_globals_and_triggers() -> None:
    template = load_template(TEST_TEMPLATE, OVERRIDES)

    recorder, failing = template.functions
    assert recorder.logical_id == "RecorderFunction"
    assert (recorder.timeout_seconds, recorder.memory_mb, recorder.handler) == (7, 256, "app.lambda_handler")
    assert recorder.environment == {"RECORD_FILE": "/tmp/x", "STACK_LABEL": "local-test-us-east-1", "ROLE": "recorder"}
    assert recorder.layer_dirs == (ROOT / "tests" / "e2e" / "handlers" / "shared",)
    assert recorder.code_dir == ROOT / "tests" / "e2e" / "handlers" / "recorder"
    [kafka] = recorder.kafka
    assert (kafka.topics, kafka.group_id, kafka.batch_size, kafka.window_seconds) == (("rec",), "rec.recorder", 50, 1.0)
    assert kafka.max_retries is None
    assert kafka.report_item_failures
    [api] = recorder.apis
    assert (api.path, api.method, api.stage, api.iam_auth) == ("/echo/{name}", "POST", "test", True)
    [schedule] = recorder.schedules
    assert (schedule.expression, schedule.input) == ("rate(5 minutes)", {"tick": True})
    [fail] = failing.kafka
    assert (fail.max_retries, fail.on_failure, fail.starting_position) == (2, "kafka://dlq", "TRIM_HORIZON")


def test_conditions_and_overrides_change_the_environment() -> None:
    template = load_template(TEST_TEMPLATE, {**OVERRIDES, "Tracing": "on", "Stage": "qa"})

    assert template.functions[0].environment["TRACING"] == "enabled"
    assert template.functions[0].apis[0].stage == "qa"


def test_real_template_describes_every_function() -> None:
    template = load_template(ROOT / "template.yaml", {})

    kafka_topics = sorted(t for f in template.functions for k in f.kafka for t in k.topics)
    assert kafka_topics == sorted(
        ["orders.created", "payments.succeeded", "payments.failed", "inventory.reserved", "inventory.out_of_stock"]
    )
    routes = sorted((a.method, a.path) for f in template.functions for a in f.apis)
    assert ("POST", "/orders/{order_id}/ship") in routes
    assert ("POST", "/orders/{order_id}/cancel") in routes
    assert all(f.layer_dirs == (ROOT / "layers" / "order_core",) for f in template.functions)
    assert any(f.schedules for f in template.functions)
