"""The demo's orders and what happens to each: the seed's events on the real topics, and API calls."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from kafka import KafkaProducer

from demo import report
from demo.targets import DemoError, Target, progress
from order_core.topics import Topic
from samples.orders import insert_order
from samples.payloads import created, out_of_stock, paid, payment_failed, reserved


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Demo:
    """The scenarios, each a list of steps against the real topics and API."""

    def __init__(self, conn: psycopg.Connection[Any], producer: KafkaProducer, target: Target) -> None:
        self.conn, self.producer, self.target = conn, producer, target
        self.expected: dict[UUID, tuple[str, str]] = {}
        self.started = datetime.now(UTC)

    def new_order(self, label: str, expected: str) -> UUID:
        """Insert an order the way the order-creation service does."""
        order_id = insert_order(self.conn, customer_notes="demo", metadata='{"source": "demo"}')
        self.expected[order_id] = (label, expected)
        return order_id

    def publish(self, topic: Topic, value: dict[str, Any] | bytes, key: str | None = None) -> None:
        """Like the seed's script: key "order-1" (parse.key=true, key.separator=:) or no key."""
        raw = value if isinstance(value, bytes) else json.dumps(value).encode()
        self.producer.send(topic, value=raw, key=key.encode() if key else None).get(timeout=10)

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> None:
        """An API call; an answer other than 200 is said, and the order's timeline shows what it did not do."""
        status = self.target.http(method, path, body)
        if status != 200:
            progress(f"{method} {path} answered {status}")

    def wait_for(self, order_id: UUID, status: str, timeout: float = 60.0) -> None:
        """Until the order is in `status`; DemoError at once when the runner stops, or after `timeout` seconds."""
        if not self._until(lambda: report.statuses(self.conn, [order_id]).get(order_id) == status, timeout):
            raise DemoError(f"order {order_id} did not reach {status} within {timeout:.0f} s; see the runner's log")

    def settle(self, timeout: float = 60.0) -> bool:
        """Until every order ended where expected, with its events published, and the poison message is parked;
        False if that has not happened after `timeout` seconds (the report then shows what did not)."""
        return self._until(self._settled, timeout)

    def _until(self, done: Callable[[], bool], timeout: float) -> bool:
        """Poll `done` until it holds (True) or `timeout` seconds passed (False); DemoError when the runner stops."""
        deadline = time.monotonic() + timeout
        while not done():
            self.target.check()
            if time.monotonic() > deadline:
                return False
            time.sleep(0.25)
        return True

    def _settled(self) -> bool:
        orders = list(self.expected)
        return (
            report.ended_as_expected(report.statuses(self.conn, orders), self.expected)
            and not report.unpublished(self.conn, orders)
            and report.poison_parked(report.dead_letters(self.conn, self.started))
        )

    def run(self) -> None:
        shipped = self.new_order("created -> paid -> processing -> shipped", "shipped")
        retried = self.new_order("payment failed, then retried", "paid")
        no_stock = self.new_order("out of stock", "cancelled")
        cancelled = self.new_order("cancelled over the API", "cancelled")
        self.publish(Topic.ORDERS_CREATED, created(shipped), key="order-1")
        self.publish(Topic.PAYMENTS_SUCCEEDED, paid(shipped, at=_now()))
        self.publish(Topic.PAYMENTS_FAILED, payment_failed(retried), key="order-1")
        self.publish(Topic.INVENTORY_OUT_OF_STOCK, out_of_stock(no_stock, at=_now()))
        self.publish(Topic.PAYMENTS_SUCCEEDED, b"{this is not json", key="order-1")  # the poison message
        self.call("POST", f"/orders/{cancelled}/cancel", {"reason": "Customer changed their mind"})
        self.wait_for(shipped, "paid")
        self.publish(Topic.INVENTORY_RESERVED, reserved(shipped, at=_now()), key="order-1")
        self.wait_for(retried, "payment_failed")
        self.publish(Topic.PAYMENTS_SUCCEEDED, paid(retried, at=_now()))
        self.wait_for(shipped, "processing")
        self.call("POST", f"/orders/{shipped}/ship")
