"""One Kafka event-source mapping: poll a consumer group, invoke with MSK batches, commit after success."""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from localrun.batch_result import Batch, RetryCounter, failed_offsets
from localrun.events import KafkaRecord, msk_event, on_failure_record
from localrun.invoke import Host, Invocation
from localrun.model import KafkaTrigger

log = logging.getLogger(__name__)

_IDLE_POLL_MS = 500
# While a batch is in flight, how often to look whether it is done, so its offsets are committed promptly.
_IN_FLIGHT_POLL_MS = 10
# A broker that is down must not hold up Ctrl-C for the client's 30 s request timeout.
_CLOSE_TIMEOUT_MS = 5000
_OFFSET_RESET = {"TRIM_HORIZON": "earliest", "LATEST": "latest"}


@dataclass(frozen=True)
class SourceSettings:
    """Runner-wide settings of every Kafka source."""

    brokers: str
    backoff_seconds: float = 1.0
    max_backoff_seconds: float = 30.0


class _DropRevoked(ConsumerRebalanceListener):  # type: ignore[misc]
    """Forget buffered records of partitions this consumer no longer owns; their new owner reads them."""

    def __init__(self, source: KafkaSource, consumer: KafkaConsumer) -> None:
        self._source, self._consumer = source, consumer

    def on_partitions_revoked(self, revoked: Sequence[TopicPartition]) -> None:
        self._source.forget(self._consumer, revoked)

    def on_partitions_assigned(self, assigned: Sequence[TopicPartition]) -> None:
        log.info("partitions assigned", extra={"function": self._source.name, "partitions": len(assigned)})


class KafkaSource:
    """Feeds one function from one MSK/SelfManagedKafka trigger, as Lambda's event-source mapping does."""

    def __init__(
        self,
        host: Host,
        trigger: KafkaTrigger,
        settings: SourceSettings,
        on_failure: tuple[KafkaProducer, str] | None,
    ) -> None:
        self.name = host.spec.logical_id
        self._host, self._trigger, self._settings, self._on_failure = host, trigger, settings, on_failure
        self._pending: dict[TopicPartition, list[KafkaRecord]] = {}
        self._in_flight: tuple[Batch, Future[Invocation]] | None = None
        self._retries = RetryCounter()
        # Offsets whose commit failed (a rebalance was under way); committed again after the next poll.
        self._uncommitted: dict[TopicPartition, int] = {}

    def run(self, stop: threading.Event) -> None:
        """Poll, invoke and commit until stop is set; the batch in flight finishes, then the group is left.

        The next batch is gathered while the current one is being invoked (as the event source mapping's
        poller reads ahead of its invoker), and invoked only once the current one is settled: one invocation
        at a time, in offset order; after a failure, what was read ahead is read again.
        """
        consumer = KafkaConsumer(
            bootstrap_servers=self._settings.brokers.split(","),
            group_id=self._trigger.group_id,
            client_id=f"localrun-{self.name}",
            enable_auto_commit=False,
            auto_offset_reset=_OFFSET_RESET.get(self._trigger.starting_position, "earliest"),
            max_poll_records=self._trigger.batch_size,
            # An invocation may run its whole Timeout (riding out an outage in-process): that must not cost
            # the consumer its group membership, as it does not cost a Lambda poller its partitions.
            max_poll_interval_ms=(self._host.spec.timeout_seconds + 60) * 1000,
            # A broker that comes back is noticed within a second, not after kafka-python's 30 s backoff.
            reconnect_backoff_max_ms=1000,
        )
        consumer.subscribe(list(self._trigger.topics), listener=_DropRevoked(self, consumer))
        invoker = ThreadPoolExecutor(1, thread_name_prefix=f"invoke-{self.name}")
        try:
            while not stop.is_set():
                batch, done = self._collect(consumer, stop), dict[TopicPartition, int]()
                # The event is built while the batch in flight still runs: as the poller prepares the next payload.
                event = self._event(batch) if batch else {}
                if self._in_flight is not None:
                    batch, done = self._settle(consumer, batch, stop)
                if batch:
                    records = sum(map(len, batch.values()))
                    self._in_flight = (batch, invoker.submit(self._host.invoke, event, records=records))
                # Committed while the next batch is invoked: the commit's round trip is not on the batches' path.
                self._commit(consumer, done)
            if self._in_flight is not None:
                self._commit(consumer, self._settle(consumer, {}, stop)[1])
        finally:
            invoker.shutdown()
            consumer.close(autocommit=False, timeout_ms=_CLOSE_TIMEOUT_MS)
            log.info("consumer closed", extra={"function": self.name, "group": self._trigger.group_id})

    def forget(self, consumer: KafkaConsumer, partitions: Sequence[TopicPartition]) -> None:
        for tp in partitions:
            dropped = self._pending.pop(tp, None)
            # An eager rebalance revokes every partition, then gives some back with their positions kept:
            # rewound here, a partition this consumer keeps is read again from its first undelivered record.
            if dropped and tp in consumer.assignment():
                consumer.seek(tp, dropped[0].offset)
        self._retries.clear(*partitions)

    def _collect(self, consumer: KafkaConsumer, stop: threading.Event) -> Batch:
        """Gather up to BatchSize records, waiting at most MaximumBatchingWindowInSeconds after the first.

        With a batch in flight, returns empty-handed as soon as that batch is done and nothing was gathered.
        """
        self._pending = {}
        deadline: float | None = None
        while not stop.is_set():
            count = sum(map(len, self._pending.values()))
            now = time.monotonic()
            if count >= self._trigger.batch_size or (deadline is not None and now >= deadline):
                return self._pending
            if self._in_flight is not None and not count and self._in_flight[1].done():
                return {}
            wait_ms = _IDLE_POLL_MS if deadline is None else int((deadline - now) * 1000)
            if self._in_flight is not None:
                wait_ms = min(wait_ms, _IN_FLIGHT_POLL_MS)
            try:
                polled = consumer.poll(wait_ms, max_records=self._trigger.batch_size - count)
                self._commit_again(consumer)
            except KafkaError as error:
                self._rewind(consumer, error, stop)
                return {}
            for tp, records in polled.items():
                self._pending.setdefault(tp, []).extend(records)
            if deadline is None and self._pending:
                deadline = time.monotonic() + self._trigger.window_seconds
        return {}  # stopping: records gathered but not delivered stay uncommitted and come back next time

    def _rewind(self, consumer: KafkaConsumer, error: KafkaError, stop: threading.Event) -> None:
        """The broker went away mid-batch: read the gathered records again once it is back."""
        log.warning("kafka unavailable; retrying", extra={"function": self.name, "error": repr(error)})
        for tp, records in self._pending.items():
            consumer.seek(tp, records[0].offset)
        stop.wait(self._settings.backoff_seconds)

    def _settle(
        self, consumer: KafkaConsumer, gathered: Batch, stop: threading.Event
    ) -> tuple[Batch, dict[TopicPartition, int]]:
        """Wait for the batch in flight and rewind what failed; returns what was gathered meanwhile (unless the
        batch failed: then that is read again, after the failed records) and the offsets to commit."""
        assert self._in_flight is not None
        batch, future = self._in_flight
        self._in_flight = None
        invocation = future.result()
        # Partitions taken away meanwhile (a rebalance while gathering) are their new owner's to read again.
        assigned = consumer.assignment()
        batch = {tp: records for tp, records in batch.items() if tp in assigned}
        failed = failed_offsets(batch, invocation, self._trigger.report_item_failures)
        if failed and gathered:
            for tp, records in gathered.items():
                consumer.seek(tp, records[0].offset)
            gathered = {}
        return gathered, self._deliver(consumer, batch, failed, stop)

    def _deliver(
        self, consumer: KafkaConsumer, batch: Batch, failed: dict[TopicPartition, int], stop: threading.Event
    ) -> dict[TopicPartition, int]:
        """Seek back to each partition's first failed record (or hand it to the on-failure destination once its
        retries are exhausted), back off after a failure; returns the offsets to commit."""
        commits = {tp: records[-1].offset + 1 for tp, records in batch.items()}
        worst = 0
        for tp, offset in failed.items():
            attempts = self._retries.failed(tp, offset)
            exhausted = self._trigger.max_retries is not None and attempts > self._trigger.max_retries
            if exhausted and self._give_up(batch, tp, offset, attempts):
                continue
            commits[tp] = offset  # what precedes the failed record is done
            consumer.seek(tp, offset)
            worst = max(worst, attempts)
        self._retries.clear(*(tp for tp in batch if commits[tp] == batch[tp][-1].offset + 1))
        if worst:
            self._commit(consumer, commits)  # before the backoff: what succeeded is not read again meanwhile
            stop.wait(min(self._settings.backoff_seconds * 2 ** (worst - 1), self._settings.max_backoff_seconds))
            return {}
        return commits

    def _event(self, batch: Batch) -> dict[str, object]:
        return msk_event(
            {(tp.topic, tp.partition): records for tp, records in batch.items()},
            source=self._trigger.source,
            bootstrap_servers=self._settings.brokers,
            event_source_arn=self._trigger.event_source_arn,
        )

    def _give_up(self, batch: Batch, tp: TopicPartition, offset: int, attempts: int) -> bool:
        """Retries exhausted: hand the partition's failed records to the on-failure destination.

        Returns False when the destination did not take them, so they are retried rather than lost.
        """
        fields = {"function": self.name, "partition": f"{tp.topic}-{tp.partition}", "offset": offset}
        if self._on_failure is None:
            log.error("retries exhausted, no on-failure destination: records discarded", extra=fields)
            return True
        producer, topic = self._on_failure
        failed = {tp: [record for record in batch[tp] if record.offset >= offset]}
        record = on_failure_record(self._event(failed), function_arn=self._host.arn, attempts=attempts)
        key = failed[tp][0].key  # as in AWS: the original record's key
        try:
            # The broker's ack comes before the commit past these records, so they are never just lost.
            producer.send(topic, key=key, value=json.dumps(record).encode()).get(timeout=30)
        except KafkaError as error:
            log.error("on-failure destination unreachable", extra={**fields, "error": repr(error)})
            return False
        log.warning("retries exhausted, batch sent to on-failure destination", extra={**fields, "topic": topic})
        return True

    def _commit(self, consumer: KafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        if not offsets:
            return
        try:
            consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in offsets.items()})
        except KafkaError as error:
            # Not committed means redelivered by the partition's next owner: at-least-once, which the handlers
            # are built for. Partitions this consumer keeps (an eager rebalance gives them back with their
            # positions) are not read again, so their offsets are committed once the rebalance is over.
            self._uncommitted |= offsets
            log.warning("offset commit failed", extra={"function": self.name, "error": repr(error)})
        else:
            for tp in offsets:
                self._uncommitted.pop(tp, None)

    def _commit_again(self, consumer: KafkaConsumer) -> None:
        """After a poll (which completes a rebalance): commit what failed, for the partitions still owned."""
        if self._uncommitted:
            owned = consumer.assignment()
            again = {tp: offset for tp, offset in self._uncommitted.items() if tp in owned}
            self._uncommitted = {}
            if again:
                self._commit(consumer, again)
