"""Re-publish parked records to the topic they came from, once their cause is fixed.

A dead letter keeps the raw key, value and headers of the record. Replaying sends them back to the
same topic (a new offset), adds a `replayed_from` header naming the original topic-partition-offset,
and stamps `replayed_at` on each letter Kafka acknowledged, so a letter is never replayed twice and
never marked replayed when its send failed (it stays for the next run). If the record fails again it
is parked again under its new offset.

    make replay-dead-letters ARGS="--reason order_not_found --dry-run"
    make replay-dead-letters ARGS="--id 42 --id 43"
"""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

import psycopg
from kafka import KafkaProducer
from kafka.errors import KafkaError
from kafka.producer.future import FutureRecordMetadata
from ops_cli import Parser, environment, run

from order_core.adapters.kafka import close_producer, delivery_outcome

SELECT = """
    SELECT id, topic, partition, "offset", key, value, headers, reason FROM dead_letters
    WHERE replayed_at IS NULL
      AND (%(ids)s::bigint[] IS NULL OR id = ANY(%(ids)s))
      AND (%(reason)s::text IS NULL OR reason = %(reason)s)
    ORDER BY id
    LIMIT %(limit)s
    FOR UPDATE SKIP LOCKED"""


def headers_of(stored: list[dict[str, list[int]]], origin: str) -> list[tuple[str, bytes]]:
    pairs = [(name, bytes(value)) for header in stored for name, value in header.items()]
    return [*pairs, ("replayed_from", origin.encode())]


def replay(dsn: str, brokers: list[str], args: argparse.Namespace) -> tuple[int, int]:
    """Replay the selected letters; returns (replayed, failed). Only acknowledged letters are stamped."""
    params = {"ids": args.id or None, "reason": args.reason, "limit": args.limit}
    with psycopg.connect(dsn, connect_timeout=10) as conn:
        letters = conn.execute(SELECT, params).fetchall()
        for letter in letters:
            print(f"{'would replay' if args.dry_run else 'replaying'} {describe(letter)}")
        if args.dry_run or not letters:
            return len(letters), 0
        failures = send_all(brokers, letters, args.timeout)
        acknowledged = [letter[0] for letter in letters if letter[0] not in failures]
        conn.execute("UPDATE dead_letters SET replayed_at = now() WHERE id = ANY(%s)", [acknowledged])
    for letter in letters:
        if letter[0] in failures:
            print(f"not replayed {describe(letter)}: {failures[letter[0]]} (left for the next run)")
    return len(acknowledged), len(failures)


def describe(letter: tuple[Any, ...]) -> str:
    return f"#{letter[0]} {letter[1]}-{letter[2]}@{letter[3]} ({letter[7]})"


def send_all(brokers: list[str], letters: list[tuple[Any, ...]], timeout_s: float) -> dict[int, str]:
    """Send every letter; the ids of those Kafka did not acknowledge, with the reason."""
    producer = KafkaProducer(
        bootstrap_servers=brokers, acks="all", enable_idempotence=True, max_block_ms=int(timeout_s * 1000)
    )
    sent: dict[int, FutureRecordMetadata] = {}
    failures: dict[int, str] = {}
    try:
        for letter_id, topic, partition, offset, key, value, headers, _reason in letters:
            try:
                origin = f"{topic}-{partition}@{offset}"
                sent[letter_id] = producer.send(topic, key=key, value=value, headers=headers_of(headers, origin))
            except KafkaError as error:  # e.g. a topic that no longer exists: this letter only
                failures[letter_id] = repr(error)
        with contextlib.suppress(KafkaError):  # a broker gone mid-send: what it did not acknowledge fails below
            producer.flush(timeout=timeout_s)
    finally:
        close_producer(producer)  # never raises: the letters Kafka acknowledged are stamped
    for letter_id, future in sent.items():
        if (outcome := delivery_outcome(future)) is not None:
            failures[letter_id] = outcome
    return failures


def main() -> int:
    parser = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--id", type=int, action="append", help="replay this dead letter (repeatable)")
    parser.add_argument("--reason", help="replay the letters parked for this reason, e.g. order_not_found")
    parser.add_argument("--limit", type=int, default=1000, help="at most this many (default 1000)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for Kafka (default 30)")
    parser.add_argument("--dry-run", action="store_true", help="list what would be replayed")
    args = parser.parse_args()
    if not args.id and not args.reason:
        parser.error("name the letters to replay: --id N or --reason CODE")
    dsn, brokers = environment("DB_DSN", "KAFKA_BROKERS")
    replayed, failed = replay(dsn, brokers.split(","), args)
    print(f"{replayed} dead letter(s) {'selected' if args.dry_run else 'replayed'}", end="")
    print(f", {failed} not acknowledged by Kafka (left unstamped)" if failed else "")
    return 1 if failed else 0


if __name__ == "__main__":
    run(main)
