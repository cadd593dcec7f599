"""`python -m bench.producer`: the outbox publisher's producer settings, measured the way the service sends.

Rounds of 500 orders.paid-shaped events (on a topic of its own), one per order as a batch of payments publishes
them, each round queued and flushed once through the service's own KafkaEventBus. For each variant of linger
and compression: events/s, milliseconds per round (median, p99), producer and broker CPU per 1,000 events.
Compression codecs need their package (lz4, zstandard, python-snappy); a variant whose codec is missing is skipped.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.codec import has_gzip, has_lz4, has_snappy, has_zstd

from bench.env import ports, stack_settings
from bench.kafka_io import end_offsets
from bench.procstat import listening_pid, own_cpu_seconds, tree_cpu_seconds
from bench.report import percentile
from order_core.adapters.kafka import KafkaEventBus
from order_core.config import Settings
from order_core.service.ports import OutboxMessage

CODECS = {"none": lambda: True, "gzip": has_gzip, "snappy": has_snappy, "lz4": has_lz4, "zstd": has_zstd}
VARIANTS = [(linger, codec) for linger in (0, 5, 100) for codec in CODECS]


def messages(count: int, topic: str) -> list[OutboxMessage]:
    now = datetime.now(UTC)
    result = []
    for _ in range(count):
        order_id = uuid4()
        payload = {"order_id": str(order_id), "user_id": str(uuid4()), "amount": "29.99", "currency": "USD",
                   "payment_id": str(uuid4()), "payment_date": now.strftime("%Y-%m-%dT%H:%M:%SZ")}  # fmt: skip
        result.append(OutboxMessage(uuid4(), order_id, topic, "OrderPaidEvent", json.dumps(payload), now))
    return result


def measure(
    settings: Settings, overrides: dict[str, Any], args: argparse.Namespace, topic: str, kafka_pid: int
) -> dict[str, float]:
    rounds, size = args.rounds, args.size

    def factory(**config: Any) -> KafkaProducer:
        # The broker must be given as long as before: the delivery timeout covers the linger on top.
        delivery_ms = config["request_timeout_ms"] + overrides["linger_ms"] + 2
        return KafkaProducer(**{**config, **overrides, "delivery_timeout_ms": delivery_ms})

    bus = KafkaEventBus(settings, producer_factory=factory)
    bus.send(messages(size, topic))  # connect, fetch metadata, get a producer id
    batches = [messages(size, topic) for _ in range(rounds)]
    before = sum(end_offsets(settings.kafka_brokers, [topic]).values())
    own, kafka, times = own_cpu_seconds(), tree_cpu_seconds(kafka_pid), []  # own: the sender thread's included
    for batch in batches:
        started = time.perf_counter()
        failed = [error for error in bus.send(batch).values() if error]
        times.append(time.perf_counter() - started)
        if failed:
            raise RuntimeError(f"{len(failed)} events not acknowledged: {failed[0]}")
    events = rounds * size
    result = {"p50_ms": statistics.median(times) * 1000, "p99_ms": percentile(times, 0.99) * 1000,
              "events_s": events / sum(times), "producer_cpu": (own_cpu_seconds() - own) * 1000 / events,
              "kafka_cpu": (tree_cpu_seconds(kafka_pid) - kafka) * 1000 / events}  # fmt: skip
    assert sum(end_offsets(settings.kafka_brokers, [topic]).values()) - before == events
    bus.close()
    return result


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.producer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--rounds", type=int, default=40, help="rounds per variant (default %(default)s)")
    parser.add_argument("--size", type=int, default=500, help="events per round: the template's BatchSize")
    args = parser.parse_args()
    env = stack_settings()
    settings = Settings.from_env({**env, "KAFKA_AUTH": "none"})
    kafka_pid = listening_pid(ports(env)[1])
    # A topic of its own, shaped like orders.paid: tests read the outbound topics from their start.
    topic = f"bench.producer.{uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=settings.kafka_brokers)
    admin.create_topics([NewTopic(topic, 3, 1)])
    try:
        run(settings, args, topic, kafka_pid)
    finally:
        admin.delete_topics([topic])
        admin.close()
    return 0


def run(settings: Settings, args: argparse.Namespace, topic: str, kafka_pid: int) -> None:
    print(f"{'linger_ms':>9} {'codec':>7} {'events/s':>9} {'p50 ms':>7} {'p99 ms':>7}  CPU s/1k: producer  kafka")
    for linger, codec in VARIANTS:
        if not CODECS[codec]():
            continue
        overrides = {"linger_ms": linger, "compression_type": None if codec == "none" else codec}
        r = measure(settings, overrides, args, topic, kafka_pid)
        print(f"{linger:>9} {codec:>7} {r['events_s']:>9.0f} {r['p50_ms']:>7.1f} {r['p99_ms']:>7.1f}"
              f"            {r['producer_cpu']:>6.3f} {r['kafka_cpu']:>6.3f}", flush=True)  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
