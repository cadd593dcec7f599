"""The contract stays compatible with docs/asyncapi.baseline.yaml, and a breaking change is caught in either direction.

Published topics: the new schema must fit inside the old one (consumers keep working). Consumed topics: the old
inside the new (producers keep working). Each mutation below is applied to the real current contract.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from scripts import asyncapi_compat
from scripts.asyncapi_compat import ADVICE, BASELINE, DOCUMENT, breaking_changes, contract, load, refusal

Mutation = Callable[[dict[str, Any]], object]


@pytest.fixture(scope="module")
def current() -> dict[str, Any]:
    return contract(load(DOCUMENT))


def payload(topic: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    return lambda c: c["topics"][topic]["payload"]


paid, succeeded, cancelled = payload("orders.paid"), payload("payments.succeeded"), payload("orders.cancelled")


def scaled(part: Callable[[dict[str, Any]], dict[str, Any]], field: str, word: str, factor: float) -> Mutation:
    """Multiply a bound of a field of `part`, whatever it is today."""

    def mutate(contract: dict[str, Any]) -> None:
        schema = part(contract)["properties"][field]
        schema[word] = int(schema[word] * factor)

    return mutate


def changed(current: dict[str, Any], mutate: Mutation) -> dict[str, Any]:
    new = copy.deepcopy(current)
    mutate(new)
    return new


def test_the_document_is_compatible_with_the_baseline(current: dict[str, Any]) -> None:
    problems = breaking_changes(load(BASELINE), current)
    assert not problems, "breaking changes since docs/asyncapi.baseline.yaml:\n" + "\n".join(problems) + "\n" + ADVICE


def test_the_baseline_is_the_current_contract(current: dict[str, Any]) -> None:
    reasons = refusal(load(BASELINE), current)
    assert load(BASELINE) == current, "\n".join(
        reasons or ["docs/asyncapi.yaml's contract is not the baseline: `make asyncapi-baseline`"]
    )


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        # published topics: nothing consumers could count on may go
        (lambda c: paid(c)["required"].remove("amount"), "orders.paid (published) payload.amount: may be absent"),
        (lambda c: paid(c)["properties"]["amount"].update(pattern="^[0-9.]+$"), "payload.amount: pattern"),
        (lambda c: paid(c)["properties"]["order_id"].pop("format"), "payload.order_id: format 'none', must be 'uuid'"),
        (scaled(paid, "payment_id", "maxLength", 2), "orders.paid (published) payload.payment_id: maxLength"),
        (lambda c: paid(c)["properties"]["amount"].update(type="number"), "payload.amount: may be number"),
        (
            lambda c: cancelled(c)["properties"].update(reason={"anyOf": [{"type": "string"}, {"type": "null"}]}),
            "orders.cancelled (published) payload.reason: may be null, must be string",
        ),
        (
            lambda c: c["topics"]["orders.paid"]["headers"]["properties"]["event_type"].update(const="OrderPaid"),
            "orders.paid (published) headers.event_type: 'OrderPaid' is possible",
        ),
        (lambda c: c["topics"]["orders.paid"]["key"].pop("format"), "orders.paid (published) key: format"),
        (lambda c: c["topics"].pop("orders.shipped"), "orders.shipped: was send, now gone"),
        # consumed topics: producers' records that passed must still pass
        (lambda c: succeeded(c)["required"].append("user_id"), "payments.succeeded (consumed) payload.user_id: may be"),
        (
            scaled(succeeded, "payment_id", "maxLength", 0.5),
            "payments.succeeded (consumed) payload.payment_id: maxLength",
        ),
        (lambda c: succeeded(c)["properties"]["currency"].update(pattern="^USD$"), "payload.currency: pattern"),
        (lambda c: succeeded(c)["properties"]["payment_method"].update(anyOf=[{"type": "string"}]), "may be null"),
        (lambda c: c["topics"]["payments.failed"].update(action="send"), "payments.failed: was receive, now send"),
    ],
)
def test_a_breaking_change_names_topic_and_field(current: dict[str, Any], mutate: Mutation, expected: str) -> None:
    problems = breaking_changes(current, changed(current, mutate))
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    "mutate",
    [
        # a new optional field: consumers ignore what they do not know
        lambda c: paid(c)["properties"].update(paid_with={"type": "string"}),
        # an optional field no longer sent: consumers never could count on it
        lambda c: cancelled(c)["properties"].pop("reason"),
        scaled(paid, "payment_id", "maxLength", 0.5),
        # a new optional field read, a field no longer read, a rule relaxed: producers' records still pass
        lambda c: succeeded(c)["properties"].update(channel={"type": "string"}),
        lambda c: succeeded(c)["properties"].pop("provider_id"),
        lambda c: succeeded(c)["properties"]["currency"].pop("pattern"),
        lambda c: succeeded(c)["required"].remove("currency"),
    ],
)
def test_compatible_changes_pass(current: dict[str, Any], mutate: Mutation) -> None:
    assert breaking_changes(current, changed(current, mutate)) == []


def test_the_same_change_breaks_one_direction_only(current: dict[str, Any]) -> None:
    # Optional instead of required: consumers of orders.paid may now miss it, producers of payments.succeeded not.
    loosened = changed(
        current, lambda c: (paid(c)["required"].remove("currency"), succeeded(c)["required"].remove("currency"))
    )
    assert breaking_changes(current, loosened) == [
        "orders.paid (published) payload.currency: may be absent, is required"
    ]
    # Required instead of optional: the other way round.
    tightened = changed(current, lambda c: succeeded(c)["required"].append("payment_date"))
    assert breaking_changes(current, tightened) == [
        "payments.succeeded (consumed) payload.payment_date: may be absent, is required"
    ]


def released(version: str, mutate: Mutation = lambda c: None) -> Mutation:
    def release(contract: dict[str, Any]) -> None:
        mutate(contract)
        contract["version"] = version

    return release


@pytest.mark.parametrize(
    ("mutate", "refused"),
    [
        (released("1.0.0", lambda c: paid(c)["properties"].update(note={"type": "string"})), "did not go up"),
        (released("1.1.0", lambda c: paid(c)["required"].remove("amount")), "only a new major version may"),
        (released("1.1.0", lambda c: paid(c)["properties"].update(note={"type": "string"})), None),
        (released("2.0.0", lambda c: paid(c)["required"].remove("amount")), None),
        (released("1.0.0"), None),
    ],
)
def test_the_baseline_moves_only_with_the_version(
    current: dict[str, Any], mutate: Mutation, refused: str | None
) -> None:
    baseline = changed(current, lambda c: c.update(version="1.0.0"))
    reasons = refusal(baseline, changed(baseline, mutate))
    if refused is None:
        assert reasons == []
    else:
        assert any(refused in reason for reason in reasons), reasons


def test_make_asyncapi_baseline_refuses_a_break_without_a_major_version(
    current: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a baseline, and a document whose orders.paid lost `amount` under a minor version
    baseline, document = tmp_path / "baseline.yaml", tmp_path / "asyncapi.yaml"
    baseline.write_text(asyncapi_compat.dump(changed(current, released("1.0.0"))), encoding="utf-8")
    broken = load(DOCUMENT)
    broken["info"]["version"] = "1.1.0"
    broken["components"]["schemas"]["OrderPaidEvent"]["required"].remove("amount")
    document.write_text(asyncapi_compat.dump(broken), encoding="utf-8")
    monkeypatch.setattr(asyncapi_compat, "BASELINE", baseline)
    monkeypatch.setattr(asyncapi_compat, "DOCUMENT", document)
    monkeypatch.setattr("sys.argv", ["asyncapi_compat.py", "baseline"])
    before = baseline.read_text(encoding="utf-8")

    # When / Then: refused, the baseline untouched
    assert asyncapi_compat.main() == 1
    assert "orders.paid (published) payload.amount: may be absent, is required" in capsys.readouterr().err
    assert baseline.read_text(encoding="utf-8") == before

    # And with a major version it goes through
    broken["info"]["version"] = "2.0.0"
    document.write_text(asyncapi_compat.dump(broken), encoding="utf-8")
    assert asyncapi_compat.main() == 0
    assert load(baseline)["version"] == "2.0.0"
