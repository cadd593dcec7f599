"""Readiness gates for scripts/stack.sh: a service is up only when it really accepts work.

    ready.py postgres DSN [--timeout S]
        waits until a libpq DSN answers `SELECT 1`.
    ready.py kafka BROKERS [--timeout S] [--pid PID]
        waits until the broker serves metadata, creates the service's topics that are missing and
        waits until every partition has a leader. With --pid, gives up at once if that process exits.

Exits 0 when ready, 1 with a one-line reason otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable

import psycopg
from kafka.admin import KafkaAdminClient
from kafka.errors import KafkaError, TopicAlreadyExistsError

from order_core.topics import INBOUND_TOPICS, OUTBOUND_TOPICS, Topic

# topic name -> partition count (replication factor is always 1 on the single local broker)
TOPICS = {**dict.fromkeys(INBOUND_TOPICS + OUTBOUND_TOPICS, 3), Topic.ON_FAILURE: 1}


class NotReadyError(Exception):
    """The service did not become ready before the deadline, or can never become ready."""


def retry_until(deadline: float, attempt: Callable[[], None], transient: tuple[type[Exception], ...]) -> None:
    """Call `attempt` until it returns, retrying `transient` errors every half second until `deadline`."""
    while True:
        try:
            attempt()
        except transient as exc:
            if time.monotonic() >= deadline:
                raise NotReadyError(f"not ready in time, last error: {exc!r}") from exc
            time.sleep(0.5)
        else:
            return


def wait_postgres(dsn: str, deadline: float) -> None:
    def attempt() -> None:
        with psycopg.connect(dsn, connect_timeout=2) as conn:
            conn.execute("SELECT 1").fetchone()

    retry_until(deadline, attempt, (psycopg.OperationalError,))


def ensure_topics(admin: KafkaAdminClient, deadline: float) -> None:
    missing = {
        name: {"num_partitions": partitions, "replication_factor": 1}
        for name, partitions in TOPICS.items()
        if name not in set(admin.list_topics())
    }
    if missing:
        # Another `stack.sh up` may create them concurrently; the checks below apply either way.
        with contextlib.suppress(TopicAlreadyExistsError):
            admin.create_topics(missing, timeout_ms=10_000)
    admin.wait_for_topics(list(TOPICS), timeout_ms=max(1, int((deadline - time.monotonic()) * 1000)))
    for topic in admin.describe_topics(list(TOPICS)):
        want, have = TOPICS[topic["name"]], len(topic["partitions"])
        if have != want:
            raise NotReadyError(
                f"topic {topic['name']} has {have} partitions, expected {want}; "
                "delete it or run `scripts/stack.sh destroy` and `up` again"
            )


def wait_kafka(brokers: str, deadline: float, pid: int | None) -> None:
    def attempt() -> None:
        if pid is not None and not process_alive(pid):
            raise NotReadyError(f"the Kafka process {pid} exited")
        admin = KafkaAdminClient(
            bootstrap_servers=brokers.split(","),
            client_id="stack-ready",
            bootstrap_timeout_ms=3000,
            request_timeout_ms=10_000,
        )
        try:
            ensure_topics(admin, deadline)
        finally:
            admin.close()

    retry_until(deadline, attempt, (KafkaError,))


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("service", choices=("postgres", "kafka"))
    parser.add_argument("address", help="libpq DSN for postgres, host:port[,host:port] for kafka")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--pid", type=int, help="kafka only: fail as soon as this process is gone")
    args = parser.parse_args()
    # kafka-python logs every failed bootstrap attempt; the last error is reported on failure instead.
    logging.getLogger("kafka").setLevel(logging.CRITICAL)
    deadline = time.monotonic() + args.timeout
    try:
        if args.service == "postgres":
            wait_postgres(args.address, deadline)
        else:
            wait_kafka(args.address, deadline, args.pid)
    except NotReadyError as exc:
        print(f"{args.service} at {args.address}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
