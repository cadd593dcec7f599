"""Order lifecycles driven the way the rest of the shop would: each next event only once the order has reached
the status that causes it, through Kafka or the HTTP API, whatever is down at the time."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg
from kafka import KafkaProducer
from kafka.errors import KafkaError

from samples.payloads import out_of_stock, paid, payment_failed, reserved


@dataclass(frozen=True)
class Step:
    """When the order is `before`, send `payload` to `topic`, or POST `body` to `path` (an API call)."""

    before: str
    topic: str | None = None
    payload: Callable[[UUID], dict[str, Any]] | None = None
    path: str | None = None
    body: bytes = b"{}"


# Each plan: its steps, the status it ends in and the outbound topics it publishes to, in order.
PLANS: dict[str, tuple[list[Step], str, list[str]]] = {
    "shipped": (
        [Step("payment_required", "payments.succeeded", paid), Step("paid", "inventory.reserved", reserved),
         Step("processing", path="/orders/{id}/ship")],
        "shipped", ["orders.paid", "orders.shipped"],
    ),
    "retried then out of stock": (
        [Step("payment_required", "payments.failed", payment_failed),
         Step("payment_failed", "payments.succeeded", paid), Step("paid", "inventory.out_of_stock", out_of_stock)],
        "cancelled", ["orders.paid", "orders.cancelled"],
    ),
    "cancelled by the API": (
        [Step("payment_required", "payments.succeeded", paid), Step("paid", "inventory.reserved", reserved),
         Step("processing", path="/orders/{id}/cancel", body=b'{"reason": "chaos"}')],
        "cancelled", ["orders.paid", "orders.cancelled"],
    ),
}  # fmt: skip


class Driver(threading.Thread):
    """Starts one lifecycle every `stagger` seconds and moves each on when its order is ready for the next step."""

    def __init__(self, dsn: str, brokers: str, api: str, orders: dict[UUID, str], stagger: float) -> None:
        super().__init__(daemon=True)
        self._dsn, self._api, self._stagger, self._brokers = dsn, api, stagger, brokers
        self._orders = orders  # order -> plan
        self._next = dict.fromkeys(orders, 0)  # order -> index of its next step
        self._producer = self._connect()
        self._halt = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self._drive()
        except BaseException as error:  # the test reads it: a thread's exception would otherwise vanish
            self.error = error
        finally:
            self._producer.close()

    def _drive(self) -> None:
        started = time.monotonic()
        while not self._halt.is_set() and not self.done:
            active = list(self._orders)[: int((time.monotonic() - started) / self._stagger) + 1]
            for order_id, status in self._statuses(active).items():
                steps, final, _ = PLANS[self._orders[order_id]]
                index = self._next[order_id]
                if status == final:
                    # Only the last step leads there. Its call can be applied and still answered 503 (the
                    # database went away after the commit, when the API read the order back): done all the same.
                    self._next[order_id] = len(steps)
                elif index < len(steps) and steps[index].before == status and self._perform(order_id, steps[index]):
                    self._next[order_id] = index + 1
            self._halt.wait(0.25)

    @property
    def done(self) -> bool:
        return all(self._next[o] == len(PLANS[plan][0]) for o, plan in self._orders.items())

    def waiting(self) -> list[str]:
        """The unfinished orders, each with the status its next step waits for and what that step does."""
        found = []
        for order_id, plan in self._orders.items():
            steps, index = PLANS[plan][0], self._next[order_id]
            if index < len(steps):
                found.append(f"{order_id} step {index} waits for {steps[index].before}: "
                             f"{steps[index].topic or steps[index].path}")  # fmt: skip
        return found

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=150)

    def _statuses(self, orders: list[UUID]) -> dict[UUID, str]:
        try:
            with psycopg.connect(self._dsn, connect_timeout=2) as conn:
                rows = conn.execute("SELECT id, status FROM orders WHERE id = ANY(%s)", [orders]).fetchall()
        except psycopg.OperationalError:
            return {}  # Postgres is down: look again later
        return dict(rows)

    def _connect(self) -> KafkaProducer:
        return KafkaProducer(bootstrap_servers=self._brokers, acks="all", max_block_ms=10_000,
                             reconnect_backoff_max_ms=1000)  # fmt: skip

    def _perform(self, order_id: UUID, step: Step) -> bool:
        if step.topic is not None and step.payload is not None:
            value = json.dumps(step.payload(order_id)).encode()
            try:
                self._producer.send(step.topic, value, key=str(order_id).encode()).get(timeout=30)
            except KafkaError:
                # Kafka is down or this producer did not recover from its restart: a new producer sends the step
                # again on the next round (should the first send have landed, the service sees a duplicate).
                self._producer.close(timeout=1)
                self._producer = self._connect()
                return False
            return True
        assert step.path is not None
        url = self._api + step.path.format(id=order_id)
        request = urllib.request.Request(url, data=step.body, method="POST",
                                         headers={"Content-Type": "application/json"})  # fmt: skip
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return bool(response.status == 200)
        except urllib.error.HTTPError as error:
            if error.code != 503:  # only an outage may refuse it
                raise AssertionError(f"{url}: {error.code} {error.read()!r}") from error
            return False
        except (urllib.error.URLError, TimeoutError):
            return False  # the runner is busy riding out an outage: ask again
