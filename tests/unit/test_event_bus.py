"""The Kafka event bus when the broker goes away after the producer connected (found by the chaos test)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from kafka.errors import KafkaTimeoutError

from order_core.adapters.kafka import KafkaEventBus
from order_core.config import Settings
from order_core.service.ports import OutboxMessage


class Unacknowledged:
    """A send the broker never answered."""

    def succeeded(self) -> bool:
        return False

    def failed(self) -> bool:
        return False


class Sender:
    """kafka-python's sender thread, as far as shutting it down goes."""

    def __init__(self) -> None:
        self.stopped = False

    def force_close(self) -> None:
        self.stopped = True


class ConnectedThenBrokerGone:
    """A producer whose broker stopped answering after it connected: sends queue, flush times out."""

    def __init__(self) -> None:
        self._sender = Sender()

    def send(self, topic: str, **_: Any) -> Unacknowledged:
        return Unacknowledged()

    def flush(self, timeout: float) -> None:
        raise KafkaTimeoutError("Timeout waiting for future")

    def close(self, timeout: float) -> None:
        self.flush(timeout)  # as kafka-python's close() does


def test_a_flush_that_times_out_fails_the_events_not_the_caller() -> None:
    # Given a producer that connected, and a broker that then went away
    settings = Settings.from_env({"DB_DSN": "postgresql://unused", "KAFKA_BROKERS": "127.0.0.1:1"})
    bus = KafkaEventBus(settings, producer_factory=lambda **_: ConnectedThenBrokerGone())
    messages = [OutboxMessage(uuid4(), uuid4(), "orders.paid", "OrderPaid", "{}", datetime.now(UTC)) for _ in range(2)]

    # When events are sent
    results = bus.send(messages)

    # Then each is reported unacknowledged (they stay in the outbox for the relay) and nothing is raised
    assert results == {m.event_id: "not acknowledged in time" for m in messages}


def test_a_producer_whose_close_cannot_flush_still_stops_its_sender_thread() -> None:
    # Given a producer whose close() raises while sends are unacknowledged, as kafka-python's does
    producer = ConnectedThenBrokerGone()
    settings = Settings.from_env({"DB_DSN": "postgresql://unused", "KAFKA_BROKERS": "127.0.0.1:1"})
    bus = KafkaEventBus(settings, producer_factory=lambda **_: producer)
    message = OutboxMessage(uuid4(), uuid4(), "orders.paid", "OrderPaid", "{}", datetime.now(UTC))

    # When a send fails and the bus drops that producer
    bus.send([message])

    # Then its sender thread was stopped, not left running for the life of the container
    assert producer._sender.stopped
