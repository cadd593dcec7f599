"""`make invoke`: every sample event of events/ through its BUILT function, against the local Postgres and Kafka."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
import pytest

from localrun.cfn_yaml import load_yaml
from tests.artifact.conftest import ROOT
from tests.sam.conftest import kafka_records
from tests.sam.test_kafka_handlers import CASES, dead_letters, record_order_ids, statuses

EVENTS = sorted(p.stem for p in (ROOT / "events").glob("*.json") if p.name != "local-env.json")
KAFKA_CASES = {case.function: case for case in CASES}
# The API samples act on one fixed order each; the status it must have for the call to succeed, and after it.
API_ORDERS = {"ship_order": ("processing", "shipped"), "orders_api_cancel": ("paid", "cancelled"),
              "orders_api_get": ("paid", "paid")}  # fmt: skip


def function_for(event: str) -> str:
    """The function whose folder names the event: events/orders_api_get.json is for functions/orders_api/."""
    folders: dict[str, str] = {
        Path(resource["Properties"]["CodeUri"]).name: name
        for name, resource in load_yaml(ROOT / "template.yaml")["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    }
    return folders[max((folder for folder in folders if event.startswith(folder)), key=len)]


def make_invoke(*args: str) -> subprocess.CompletedProcess[str]:
    command = ["make", "--no-print-directory", "invoke", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def load(name: str) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((ROOT / "events" / f"{name}.json").read_text())
    return event


@pytest.fixture
def prepare(forget_orders: Callable[..., None], make_order: Callable[..., UUID]) -> Callable[[str], dict[str, str]]:
    """Put the orders a sample event acts on into the statuses it expects; return the statuses it must leave."""

    def orders_for(name: str) -> dict[str, str]:
        event = load(name)
        if name in KAFKA_CASES:
            forget_orders(record_order_ids(event), kafka_records(event))
            for order_id, status in KAFKA_CASES[name].before.items():
                make_order(UUID(order_id), status=status)
            return KAFKA_CASES[name].after
        if name in API_ORDERS:
            order_id = event["pathParameters"]["order_id"]
            forget_orders([UUID(order_id)])
            make_order(UUID(order_id), status=API_ORDERS[name][0])
            return {order_id: API_ORDERS[name][1]}
        return {}

    return orders_for


@pytest.mark.slow
@pytest.mark.parametrize("event", EVENTS)
def test_every_sample_event_runs_through_its_built_function(
    built: Path, stack_env: dict[str, str], conn: psycopg.Connection[Any], prepare: Callable[[str], dict[str, str]],
    event: str,
) -> None:  # fmt: skip
    # Given the orders the sample event acts on
    expected = prepare(event)

    # When the built function gets it, once, in a fresh process
    result = make_invoke(f"FUNCTION={function_for(event)}", f"EVENT=events/{event}.json")

    # Then it answered (stdout is the response alone, as JSON) and did what the event asks
    logs = result.stderr[-3000:]
    assert result.returncode == 0, logs
    response = json.loads(result.stdout)
    if event in KAFKA_CASES:
        assert response == {"batchItemFailures": []}, logs
        topic = kafka_records(load(event))[0]["topic"]
        assert dead_letters(conn, topic) == KAFKA_CASES[event].dead_letters, logs
    elif event.startswith(("ship_order", "orders_api")):
        assert response["statusCode"] == 200, logs
    else:
        assert response.keys() >= {"published", "pending"}, logs
    assert statuses(conn, expected) == expected, logs


@pytest.mark.slow
def test_an_exception_is_the_response_on_stdout_and_exit_status_1(built: Path, stack_env: dict[str, str]) -> None:
    result = make_invoke("FUNCTION=PaymentsSucceededFunction", "EVENT=events/ship_order.json")

    assert result.returncode != 0
    assert json.loads(result.stdout)["errorType"] == "KeyError"
    assert "make invoke: PaymentsSucceededFunction raised KeyError" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["FUNCTION=Nope", "EVENT=events/ship_order.json"], "FUNCTION='Nope' is not a function of template.yaml"),
        (["FUNCTION=ShipOrderFunction"], "EVENT='' is not a file; one of: events/inventory_out_of_stock.json"),
        (["FUNCTION=ShipOrderFunction", "EVENT=pyproject.toml"], "EVENT=pyproject.toml is not JSON"),
    ],
)
def test_a_bad_argument_is_one_line_and_exit_status_2(built: Path, args: list[str], message: str) -> None:
    result = make_invoke(*args)

    ours = [line for line in result.stderr.splitlines() if line.startswith("make invoke:")]
    assert result.returncode != 0
    assert result.stdout == ""
    assert len(ours) == 1
    assert message in ours[0]
