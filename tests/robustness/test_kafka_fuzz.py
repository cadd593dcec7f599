"""Property-based fuzz of the Kafka functions: hostile records interleaved with real lifecycles, pushed through
each function's real handler against the real Postgres. Whatever a producer sends, the batch never fails, every
good record applies as the state machine says, and every other record is exactly one dead letter."""

from __future__ import annotations

import base64
import importlib
import itertools
import json
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samples.orders import NewOrder, insert_orders
from samples.payloads import created, out_of_stock, paid, payment_failed, reserved
from tests.robustness.hostile import hostile_record
from tests.sam.conftest import FakeLambdaContext

pytestmark = pytest.mark.fuzz

EXAMPLES = 150  # x ~38 records: over 5,000 records per run
# Stages of a lifecycle: a stage's functions are invoked after the previous stage's.
STAGES = (
    ("orders.created", "payments.failed"),
    ("payments.succeeded",),
    ("inventory.reserved", "inventory.out_of_stock"),
)
Step = tuple[str, Callable[[UUID], dict[str, Any]]]
# Good orders: what arrives for them, stage by stage; where the state machine leaves them, after how many moves.
SCENARIOS: dict[str, tuple[list[Step], str, int]] = {
    "created": ([("orders.created", created)], "payment_required", 0),
    "failed": ([("payments.failed", payment_failed)], "payment_failed", 1),
    "paid": ([("payments.succeeded", paid)], "paid", 1),
    "retried": ([("payments.failed", payment_failed), ("payments.succeeded", paid)], "paid", 2),
    "processing": ([("payments.succeeded", paid), ("inventory.reserved", reserved)], "processing", 2),
    "cancelled": ([("payments.succeeded", paid), ("inventory.out_of_stock", out_of_stock)], "cancelled", 2),
    # a payment id Postgres cannot store: its record is parked, the order stays unpaid
    "unstorable": ([("payments.succeeded", lambda o: paid(o, payment_id="pay\x00ment"))], "payment_required", 0),
}
_offsets = itertools.count(random.randrange(10**9, 10**12))  # positions never reused, so letters never collide


@dataclass
class Example:
    """One generated run: the good orders and every record by topic, in delivery order."""

    orders: dict[UUID, str] = field(default_factory=dict)  # order -> scenario
    records: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # topic -> MSK records, "hostile" flag
    hostile: list[tuple[str, int, int]] = field(default_factory=list)  # filled as offsets are given
    offsets: list[int] = field(default_factory=list)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@st.composite
def examples(draw: st.DrawFn) -> Example:
    example = Example()
    for scenario in draw(st.lists(st.sampled_from(sorted(SCENARIOS)), min_size=1, max_size=8)):
        order_id, (steps, _, _) = uuid4(), SCENARIOS[scenario]  # uuid4: a fresh order even when a run is replayed
        example.orders[order_id] = scenario
        for topic, payload in steps:
            unknown = draw(st.dictionaries(st.text(max_size=8), st.integers(), max_size=2))  # readers ignore them
            example.records.setdefault(topic, []).append({
                "topic": topic, "partition": order_id.int % 3, "key": _b64(str(order_id).encode()),
                "value": _b64(json.dumps(payload(order_id) | unknown).encode()),
                "headers": [{"source": list(b"fuzz")}], "hostile": scenario == "unstorable",
            })  # fmt: skip
        if draw(st.booleans()):  # the last record is delivered again: a duplicate, never a dead letter
            example.records[steps[-1][0]].append(dict(example.records[steps[-1][0]][-1]))
    for topic in itertools.chain.from_iterable(STAGES):
        lane = example.records.setdefault(topic, [])
        for record in draw(st.lists(hostile_record(topic), min_size=3, max_size=12)):
            lane.insert(draw(st.integers(0, len(lane))), record | {"hostile": True})
    return example


def msk_event(topic: str, example: Example) -> dict[str, Any]:
    """The example's records of `topic` as one Lambda MSK event, each at a new offset."""
    partitions: dict[str, list[dict[str, Any]]] = {}
    for record in example.records[topic]:
        offset = next(_offsets)
        example.offsets.append(offset)
        if record["hostile"]:
            example.hostile.append((topic, record["partition"], offset))
        shaped = {k: v for k, v in record.items() if k != "hostile"} | {"offset": offset, "timestamp": 1764000000000}
        partitions.setdefault(f"{topic}-{record['partition']}", []).append(shaped | {"timestampType": "CREATE_TIME"})
    return {"eventSource": "aws:kafka", "eventSourceArn": "arn:aws:kafka:eu-west-1:123456789012:cluster/o/1",
            "bootstrapServers": "127.0.0.1:9092", "records": partitions}  # fmt: skip


def check(conn: psycopg.Connection[Any], example: Example, tally: Counter[str]) -> None:
    """Good orders ended where their scenario says, each move once; each hostile record is one dead letter."""
    ids = list(example.orders)
    statuses = dict(conn.execute("SELECT id, status FROM orders WHERE id = ANY(%s)", [ids]).fetchall())
    moves = dict(conn.execute("SELECT order_id, count(*) FROM order_status_history WHERE order_id = ANY(%s) "
                              "GROUP BY order_id", [ids]).fetchall())  # fmt: skip
    for order_id, scenario in example.orders.items():
        _, status, transitions = SCENARIOS[scenario]
        assert (scenario, statuses[order_id], moves.get(order_id, 0)) == (scenario, status, transitions)
    letters = conn.execute(
        'SELECT topic, partition, "offset", reason FROM dead_letters WHERE "offset" = ANY(%s)', [example.offsets]
    ).fetchall()
    assert Counter((t, p, o) for t, p, o, _ in letters) == Counter(example.hostile)
    tally["records"] += len(example.offsets)
    tally.update(f"dead letter {reason}" for *_, reason in letters)


def test_no_record_fails_its_batch_good_ones_apply_and_every_other_is_one_dead_letter(
    stack_env: dict[str, str], conn: psycopg.Connection[Any], capsys: pytest.CaptureFixture[str]
) -> None:
    handlers = {topic: importlib.import_module(f"functions.{topic.replace('.', '_')}.app").lambda_handler
                for topic in itertools.chain.from_iterable(STAGES)}  # fmt: skip
    tally: Counter[str] = Counter()

    @settings(max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(example=examples())
    def run(example: Example) -> None:
        insert_orders(conn, (NewOrder(order_id) for order_id in example.orders))
        for topic in itertools.chain.from_iterable(STAGES):
            if example.records.get(topic):
                assert handlers[topic](msk_event(topic, example), FakeLambdaContext()) == {"batchItemFailures": []}
        check(conn, example, tally)

    run()
    capsys.readouterr()  # the handlers' log lines
    records = tally.pop("records")
    with capsys.disabled():
        print(f"\nKafka fuzz: {records} records, " + ", ".join(f"{n} {kind}" for kind, n in sorted(tally.items())))
    assert records >= 5000
