"""Re-publish parked records to the topic they came from, once their cause is fixed.

A dead letter keeps the raw key, value and headers of the record. Replaying sends them back to the
same topic (a new offset), adds a `replayed_from` header naming the original topic-partition-offset,
and stamps `replayed_at`, so a letter is never replayed twice. If the record fails again it is parked
again under its new offset.

    make replay-dead-letters ARGS="--reason order_not_found --dry-run"
    make replay-dead-letters ARGS="--id 42 --id 43"
"""

from __future__ import annotations

import argparse
import os
from typing import Any

import psycopg
from kafka import KafkaProducer

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


def replay(dsn: str, brokers: list[str], args: argparse.Namespace) -> int:
    params = {"ids": args.id or None, "reason": args.reason, "limit": args.limit}
    with psycopg.connect(dsn) as conn:
        letters = conn.execute(SELECT, params).fetchall()
        for letter in letters:
            print(
                f"{'would replay' if args.dry_run else 'replaying'} #{letter[0]} {letter[1]}-{letter[2]}@{letter[3]}"
                f" ({letter[7]})"
            )
        if args.dry_run or not letters:
            return len(letters)
        send_all(brokers, letters)
        conn.execute("UPDATE dead_letters SET replayed_at = now() WHERE id = ANY(%s)", [[row[0] for row in letters]])
    return len(letters)


def send_all(brokers: list[str], letters: list[tuple[Any, ...]]) -> None:
    producer = KafkaProducer(bootstrap_servers=brokers, acks="all", enable_idempotence=True)
    try:
        for _id, topic, partition, offset, key, value, headers, _reason in letters:
            origin = f"{topic}-{partition}@{offset}"
            producer.send(topic, key=key, value=value, headers=headers_of(headers, origin))
        producer.flush(timeout=30)
    finally:
        producer.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--id", type=int, action="append", help="replay this dead letter (repeatable)")
    parser.add_argument("--reason", help="replay the letters parked for this reason, e.g. order_not_found")
    parser.add_argument("--limit", type=int, default=1000, help="at most this many (default 1000)")
    parser.add_argument("--dry-run", action="store_true", help="list what would be replayed")
    args = parser.parse_args()
    if not args.id and not args.reason:
        parser.error("name the letters to replay: --id N or --reason CODE")
    count = replay(os.environ["DB_DSN"], os.environ["KAFKA_BROKERS"].split(","), args)
    print(f"{count} dead letter(s) {'selected' if args.dry_run else 'replayed'}")


if __name__ == "__main__":
    main()
