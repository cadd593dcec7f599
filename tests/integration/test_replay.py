"""Operating dead letters: a record parked for an unknown order is replayed once the order exists."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

import pytest

from localrun.events import msk_event
from order_core.bootstrap import Container
from order_core.entrypoints.msk import read_records
from samples.msk import Batch
from samples.payloads import payment_failed
from tests.conftest import ROOT
from tests.integration.conftest import Db

# The scripts import order_core and localrun as `make` runs them, with the layer and the repo on the path.
SCRIPT_ENV = {"PYTHONPATH": f"{ROOT / 'layers/order_core'}:{ROOT}"}


def run_replay(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(ROOT / "scripts/replay_dead_letters.py"), *args]
    environ = {**(os.environ if env is None else env), **SCRIPT_ENV}
    return subprocess.run(command, capture_output=True, text=True, check=False, env=environ, timeout=120)


def replay(*args: str) -> str:
    done = run_replay(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def park_unknown_order_payments(app: Container, db: Db, count: int) -> list[int]:
    """`count` payment failures parked as order_not_found; their dead-letter ids."""
    batch = Batch()
    offsets = [batch.add("payments.failed", payment_failed(uuid4())) for _ in range(count)]
    app.service.process_records(batch.records())
    rows = db.conn.execute(
        'SELECT id FROM dead_letters WHERE topic = %s AND "offset" = ANY(%s) ORDER BY "offset"',
        ["payments.failed", offsets],
    ).fetchall()
    return [row[0] for row in rows]


def stamped(db: Db, ids: list[int]) -> dict[int, bool]:
    rows = db.conn.execute("SELECT id, replayed_at IS NOT NULL FROM dead_letters WHERE id = ANY(%s)", [ids])
    return dict(rows.fetchall())


def test_a_dead_letter_is_replayed_to_its_topic_once_and_then_applies(
    app: Container, make_order: Callable[..., UUID], db: Db, consume: Callable[..., Any]
) -> None:
    # Given a payment failure parked because its order did not exist yet
    order_id = uuid4()
    batch = Batch()
    offset = batch.add("payments.failed", payment_failed(order_id), key=str(order_id))
    app.service.process_records(batch.records())
    [letter] = db.dead_letters(offsets=[offset])
    row = db.conn.execute('SELECT id FROM dead_letters WHERE "offset" = %s', [offset]).fetchone()
    assert row is not None
    letter_id = row[0]
    assert letter["reason"] == "order_not_found"

    # When the order arrives and the operator replays the letter (twice, by mistake)
    make_order(order_id)
    first = replay("--id", str(letter_id))
    second = replay("--id", str(letter_id))

    # Then the raw record went back to its topic once, saying where it came from
    assert "1 dead letter(s) replayed" in first
    assert "0 dead letter(s) replayed" in second
    [record] = consume("payments.failed", key=str(order_id))
    assert record.value == bytes(letter["value"])
    assert dict(record.headers)["replayed_from"] == f"payments.failed-0@{offset}".encode()

    # And delivered to the function again, it applies
    event = msk_event(
        {(record.topic, record.partition): [record]},
        source="MSK",
        bootstrap_servers="",
        event_source_arn="arn:aws:kafka:eu-west-1:123456789012:cluster/orders/abc-1",
    )
    app.service.process_records(read_records(event))
    assert db.status(order_id) == "payment_failed"


def test_only_letters_kafka_acknowledged_are_stamped(app: Container, db: Db) -> None:
    # Given three parked letters, one of them for a topic that no longer exists
    good, lost, other = park_unknown_order_payments(app, db, 3)
    db.conn.execute("UPDATE dead_letters SET topic = %s WHERE id = %s", [f"gone.{uuid4().hex}", lost])

    # When they are replayed
    done = run_replay("--id", str(good), "--id", str(lost), "--id", str(other), "--timeout", "3")

    # Then the two that Kafka took are stamped; the lost one is named, left for the next run, and the exit says so
    assert done.returncode == 1
    assert f"not replayed #{lost} gone." in done.stdout
    assert "2 dead letter(s) replayed, 1 not acknowledged by Kafka (left unstamped)" in done.stdout
    assert stamped(db, [good, lost, other]) == {good: True, lost: False, other: True}


@pytest.mark.parametrize(
    ("args", "env_change", "expected"),
    [
        (["--id", "x"], {}, "argument --id: invalid int value: 'x' (see --help)"),
        (["--id", "1"], {"DB_DSN": ""}, "DB_DSN not set: export it"),
        (["--id", "1"], {"DB_DSN": "postgresql://nobody@127.0.0.1:1/none"}, "cannot reach the database (DB_DSN): "),
    ],
)
def test_a_bad_flag_or_setting_is_one_line_naming_it(
    stack_env: dict[str, str], args: list[str], env_change: dict[str, str], expected: str
) -> None:
    done = run_replay(*args, env={**os.environ, **env_change})

    assert done.returncode == (3 if "cannot reach" in expected else 2)
    [line] = done.stderr.splitlines()
    assert line.startswith("replay_dead_letters.py: ")
    assert expected in line
