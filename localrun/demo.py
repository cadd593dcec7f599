"""`python -m localrun.demo`: drive a few orders through the running service and print their timelines.

Uses the runner of `make run` in another terminal, or starts one itself when none answers on the
port. With --aws, goes through a deployed stack instead (make aws-demo): its API Gateway, SigV4-signed,
and its functions fed by a runner in invoke mode. Exits 0 only if every order ends where the state
machine says it must.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg
from kafka import KafkaProducer

from localrun import demo_report
from localrun.aws_stack import DeployedStack, Endpoint, StackError
from localrun.cli import local_environment
from localrun.demo_events import created, out_of_stock, payment_failed, payment_succeeded, reserved
from localrun.demo_targets import DeployedTarget, LocalTarget, Target

# An API call: method, path, JSON body -> HTTP status.
HttpCall = Callable[[str, str, dict[str, Any] | None], int]


class Demo:
    """The scenarios, each a list of steps against the real topics and API."""

    def __init__(self, conn: psycopg.Connection[Any], producer: KafkaProducer, http: HttpCall) -> None:
        self.conn, self.producer, self.http = conn, producer, http
        self.expected: dict[UUID, tuple[str, str]] = {}

    def new_order(self, label: str, expected: str) -> UUID:
        """Insert an order the way the order-creation service does."""
        order_id = uuid.uuid4()
        self.conn.execute(
            "INSERT INTO orders (id, user_id, status, subtotal, tax, total, currency, customer_notes, metadata)"
            " VALUES (%s, %s, 'payment_required', 27.50, 2.49, 29.99, 'USD', 'demo', '{\"source\": \"demo\"}')",
            [order_id, uuid.uuid4()],
        )
        self.expected[order_id] = (label, expected)
        return order_id

    def publish(self, topic: str, value: dict[str, Any] | bytes, key: str | None = None) -> None:
        """Like the seed's script: key "order-1" (parse.key=true, key.separator=:) or no key."""
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        self.producer.send(topic, value=raw, key=key.encode() if key else None).get(timeout=10)

    def wait_for(self, order_id: UUID, status: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while demo_report.statuses(self.conn, [order_id]).get(order_id) != status:
            if time.monotonic() > deadline:
                raise TimeoutError(f"order {order_id} did not reach {status} within {timeout}s")
            time.sleep(0.25)

    def run(self) -> None:
        shipped = self.new_order("created -> paid -> processing -> shipped", "shipped")
        retried = self.new_order("payment failed, then retried", "paid")
        no_stock = self.new_order("out of stock", "cancelled")
        cancelled = self.new_order("cancelled over the API", "cancelled")
        self.publish("orders.created", created(shipped), key="order-1")
        self.publish("payments.succeeded", payment_succeeded(shipped))
        self.publish("payments.failed", payment_failed(retried), key="order-1")
        self.publish("inventory.out_of_stock", out_of_stock(no_stock))
        self.publish("payments.succeeded", b"{this is not json", key="order-1")  # the poison message
        self.http("POST", f"/orders/{cancelled}/cancel", {"reason": "Customer changed their mind"})
        self.wait_for(shipped, "paid")
        self.publish("inventory.reserved", reserved(shipped), key="order-1")
        self.wait_for(retried, "payment_failed")
        self.publish("payments.succeeded", payment_succeeded(retried))
        self.wait_for(shipped, "processing")
        self.http("POST", f"/orders/{shipped}/ship", None)


def report(demo: Demo, brokers: str, started: datetime) -> bool:
    """Print one timeline per order and the dead letters; True when every order ended as expected."""
    actual = demo_report.statuses(demo.conn, list(demo.expected))
    events = demo_report.outbound_events(brokers, list(demo.expected))
    for order_id, (label, expected) in demo.expected.items():
        rows = demo_report.history(demo.conn, order_id)
        demo_report.print_timeline(
            label, order_id, expected=expected, actual=actual.get(order_id), rows=rows,
            events=events.get(str(order_id), []),
        )  # fmt: skip
    letters = demo_report.dead_letters(demo.conn, started)
    print("\n== dead letters")
    for topic, partition, offset, reason, detail in letters:
        print(f"   {topic}-{partition}@{offset} {reason}: {detail}")
    poison_parked = any(reason == "invalid_payload" for *_, reason, _detail in letters)
    return poison_parked and all(actual.get(oid) == expected for oid, (_, expected) in demo.expected.items())


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m localrun.demo", description=__doc__)
    add = parser.add_argument
    add("--port", type=int, default=3000, help="the local runner's HTTP port (default: %(default)s)")
    add("--start-runner", action="store_true",
        help="start `python -m localrun` itself (default: only if none answers)")  # fmt: skip
    add("--aws", action="store_true", help="through the stack deployed on --endpoint-url (make aws-demo)")
    add("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"),
        help="with --aws: the AWS API endpoint (default: AWS_ENDPOINT_URL, else AWS itself)")  # fmt: skip
    add("--stack-name", default=os.environ.get("STACK_NAME"), help="with --aws: the stack (default: STACK_NAME)")
    return parser


def target_of(args: argparse.Namespace, brokers: str) -> Target:
    if not args.aws:
        return LocalTarget(args.port)
    if not args.stack_name:
        raise StackError("--aws needs --stack-name or STACK_NAME (of `make -s aws-env`)")
    return DeployedTarget(DeployedStack(Endpoint(args.endpoint_url), args.stack_name), brokers, Path("template.yaml"))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    env = local_environment(os.environ, Path("template.yaml"), None)
    try:
        target = target_of(args, env["KAFKA_BROKERS"])
        stop_runner = target.start_runner(forced=args.start_runner)
    except StackError as error:
        print(f"demo: error: {error}", file=sys.stderr)
        return 2
    started = datetime.now(UTC)
    producer = KafkaProducer(bootstrap_servers=env["KAFKA_BROKERS"].split(","), acks="all")
    try:
        with psycopg.connect(env["DB_DSN"], autocommit=True) as conn:
            demo = Demo(conn, producer, target.http)
            demo.run()
            time.sleep(2)  # the relay and after-commit publisher settle the last events
            ok = report(demo, env["KAFKA_BROKERS"], started)
    finally:
        producer.close()
        if stop_runner is not None:
            stop_runner()
    print("\nDEMO OK" if ok else "\nDEMO FAILED: some order did not end where the state machine says")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
