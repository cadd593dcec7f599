"""The runner as API Gateway (REST proxy events over HTTP) and as an EventBridge schedule."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import StartRunner, read_jsonl
from tests.e2e.test_runner_kafka import wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def overrides(new_topics: Callable[..., list[str]], tmp_path: Path) -> dict[str, str]:
    record, fail, dlq = new_topics("record", "fail", "dlq")
    return {"RecordTopic": record, "FailTopic": fail, "DlqTopic": dlq, "RecordFile": str(tmp_path / "seen.jsonl")}


def test_http_request_becomes_a_rest_proxy_event(start_runner: StartRunner, overrides: dict[str, str]) -> None:
    runner = start_runner(parameter_overrides=overrides, only=["RecorderFunction"], schedule_interval=3600)
    request = urllib.request.Request(
        f"http://127.0.0.1:{runner.http_port}/echo/ada?tag=a&tag=b&x=1",
        data=b'{"hello": "world"}', method="POST", headers={"Content-Type": "application/json"},
    )  # fmt: skip

    with urllib.request.urlopen(request, timeout=10) as response:
        status, headers, body = response.status, response.headers, json.loads(response.read())

    assert status == 201
    assert headers["X-Echo"] == "yes"
    assert body == {"name": "ada", "query": {"tag": "b", "x": "1"}}
    [entry] = [e for e in read_jsonl(Path(overrides["RecordFile"])) if e["kind"] == "api"]
    event = entry["event"]
    assert (event["resource"], event["path"], event["httpMethod"]) == ("/echo/{name}", "/echo/ada", "POST")
    assert event["pathParameters"] == {"name": "ada"}
    assert event["multiValueQueryStringParameters"] == {"tag": ["a", "b"], "x": ["1"]}
    assert event["headers"]["Content-Type"] == "application/json"
    assert event["body"] == '{"hello": "world"}'
    assert event["isBase64Encoded"] is False
    context = event["requestContext"]
    assert (context["stage"], context["resourcePath"], context["path"]) == ("test", "/echo/{name}", "/test/echo/ada")
    assert context["requestId"]


def test_unknown_route_is_api_gateways_403(start_runner: StartRunner, overrides: dict[str, str]) -> None:
    runner = start_runner(parameter_overrides=overrides, only=["RecorderFunction"], schedule_interval=3600)
    request = urllib.request.Request(f"http://127.0.0.1:{runner.http_port}/echo/ada", method="GET")

    with pytest.raises(urllib.error.HTTPError) as raised:
        urllib.request.urlopen(request, timeout=10)

    assert raised.value.code == 403


def test_schedule_runs_at_the_interval_with_its_input(start_runner: StartRunner, overrides: dict[str, str]) -> None:
    start_runner(parameter_overrides=overrides, only=["RecorderFunction"], schedule_interval=0.3)

    def ticks() -> list[dict[str, Any]]:
        return [e["event"] for e in read_jsonl(Path(overrides["RecordFile"])) if e["kind"] == "schedule"]

    wait_for(lambda: len(ticks()) >= 2)

    assert ticks()[:2] == [{"tick": True}, {"tick": True}]
