"""Operating dead letters: a record parked for an unknown order is replayed once the order exists."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any
from uuid import UUID, uuid4

from localrun.events import msk_event
from order_core.bootstrap import Container
from order_core.entrypoints.msk import read_records
from samples.msk import Batch
from samples.payloads import payment_failed
from tests.conftest import ROOT
from tests.integration.conftest import Db


def replay(*args: str) -> str:
    command = [sys.executable, str(ROOT / "scripts/replay_dead_letters.py"), *args]
    return subprocess.run(command, capture_output=True, text=True, check=True, env=os.environ).stdout


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
