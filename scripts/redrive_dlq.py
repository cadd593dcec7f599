"""Re-apply the batches the event source mappings gave up on, in their original order, once.

A batch reaches the on-failure topic (order-service.dlq) only when the database or the broker stayed
down longer than the retry budget (README, "Retries and outages"). Each on-failure record is AWS's:
its `payload` is the MSK event of the failed batch, so it names the topic, partition and offset of
every record. The redrive

1. reads the on-failure records its consumer group (order-service.redrive) has not committed yet;
2. fetches the original records from their topics by partition and offset;
3. puts them back in their original order: each partition in offset order, partitions merged by the
   records' timestamps (a payment is applied before the reservation that followed it on another topic);
4. applies them one partition's run at a time, each as the MSK event a function would get: in-process
   through order_core against DB_DSN (the default), or `--invoke lambda` through the deployed functions
   (redrive_apply.py);
5. commits the group past the on-failure records only after every record applied.

A run that stops half-way applies the same records again next time, which changes nothing: the state
machine treats them as duplicates and dead letters are unique per record. `--dry-run` lists the
records in the order they would be applied and changes nothing.

    make redrive-dlq ARGS="--dry-run"
    make redrive-dlq
    make redrive-dlq ARGS="--invoke lambda --stack-name order-service"
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import json
import os
import time
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord
from kafka.structs import OffsetAndMetadata
from ops_cli import OperatorError, Parser, environment, run
from redrive_apply import Applier, InProcess, ThroughLambda

from localrun.aws_stack import DeployedStack, Endpoint, StackError
from localrun.events import msk_event
from order_core.adapters.kafka import security_config
from order_core.entrypoints.msk import batch_position, read_records
from order_core.topics import Topic

BATCH_SIZE = 500  # the MSK events' BatchSize: a run of one partition is applied in batches this large


def main() -> int:
    args = parser().parse_args()
    brokers, auth = environment("KAFKA_BROKERS")[0], os.environ.get("KAFKA_AUTH", "none")
    applier = make_applier(args)
    consumer = KafkaConsumer(group_id=args.group, enable_auto_commit=False, **kafka_client(brokers, auth))
    try:
        failures, past = read_on_failure_records(consumer, args.dlq_topic, args.timeout)
        records = original_order(fetch(consumer, named_records(failures), args.timeout))
        summary = f"{len(records)} record(s) from {len(failures)} on-failure record(s)"
        if args.dry_run:
            for record in records:
                print(f"would re-apply {record.topic}-{record.partition}@{record.offset} ({_when(record)})")
            print(f"{summary} would be re-applied")
            return 0
        apply(applier, records, brokers)
        consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in past.items()})
    finally:
        consumer.close()
        applier.close()
    print(f"{summary} re-applied; {args.group} committed past them")
    return 0


def parser() -> Parser:
    parser = Parser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add = parser.add_argument
    add("--dry-run", action="store_true", help="list what would be re-applied, change nothing")
    add("--dlq-topic", default=Topic.ON_FAILURE.value, help="on-failure topic (default %(default)s)")
    add("--group", default="order-service.redrive", help="consumer group (default %(default)s)")
    add("--timeout", type=float, default=30, help="seconds to wait for Kafka (default 30)")
    add(
        "--invoke",
        choices=["in-process", "lambda"],
        default="in-process",
        help="apply through order_core here (DB_DSN), or through the deployed functions (default %(default)s)",
    )
    add("--stack-name", help="with --invoke lambda: the deployed CloudFormation stack")
    add("--endpoint-url", default=os.environ.get("AWS_ENDPOINT_URL"), help="with --invoke lambda: the AWS API")
    add("--region", help="with --invoke lambda: the stack's region (default: the SDK's)")
    add("--template", type=Path, default=Path("template.yaml"), help="with --invoke lambda: which function "
        "reads which topic (default %(default)s)")  # fmt: skip
    return parser


def make_applier(args: argparse.Namespace) -> Applier:
    if args.invoke == "in-process":
        return InProcess()
    if not args.stack_name:
        raise OperatorError("--invoke lambda needs --stack-name (the deployed stack; $STACK_NAME of make -s aws-env)")
    try:
        return ThroughLambda(args.template, DeployedStack(Endpoint(args.endpoint_url, args.region), args.stack_name))
    except StackError as error:
        raise OperatorError(str(error)) from error


def kafka_client(brokers: str, auth: str) -> dict[str, Any]:
    """Where the brokers are and how to sign in, as the functions' producer does (adapters/kafka.py)."""
    return {"bootstrap_servers": brokers.split(","), **security_config(auth)}


def read_on_failure_records(
    consumer: KafkaConsumer, topic: str, timeout: float
) -> tuple[list[ConsumerRecord], dict[TopicPartition, int]]:
    """The on-failure records after the group's committed offsets, and the offsets to commit past them."""
    partitions = consumer.partitions_for_topic(topic)
    if not partitions:
        raise OperatorError(f"the on-failure topic {topic} does not exist on these brokers (--dlq-topic)")
    tps = [TopicPartition(topic, p) for p in sorted(partitions)]
    ends, beginnings = consumer.end_offsets(tps), consumer.beginning_offsets(tps)
    found: list[ConsumerRecord] = []
    for tp in tps:
        found += read_range(consumer, tp, consumer.committed(tp) or beginnings[tp], ends[tp], timeout)
    return found, ends


def named_records(failures: Iterable[ConsumerRecord]) -> dict[TopicPartition, set[int]]:
    """Where the failed records are, from each on-failure record's payload (the MSK event)."""
    wanted: dict[TopicPartition, set[int]] = {}
    for failure in failures:
        try:
            batches = json.loads(failure.value)["payload"]["records"]
            for record in itertools.chain.from_iterable(batches.values()):
                tp = TopicPartition(str(record["topic"]), int(record["partition"]))
                wanted.setdefault(tp, set()).add(int(record["offset"]))
        except (ValueError, TypeError, KeyError, AttributeError) as error:
            where = f"{failure.topic}-{failure.partition}@{failure.offset}"
            raise OperatorError(f"{where} is not a Kafka on-failure record (payload.records): {error!r}") from error
    return wanted


def fetch(consumer: KafkaConsumer, wanted: dict[TopicPartition, set[int]], timeout: float) -> list[ConsumerRecord]:
    """The original records at these offsets, read from their topics."""
    found: list[ConsumerRecord] = []
    for tp, offsets in wanted.items():
        read = {r.offset: r for r in read_range(consumer, tp, min(offsets), max(offsets) + 1, timeout)}
        missing = sorted(offsets - read.keys())
        if missing:
            raise OperatorError(f"{tp.topic}-{tp.partition}@{missing} no longer in Kafka (past the topic's retention?)")
        found += [read[offset] for offset in sorted(offsets)]
    return found


def read_range(consumer: KafkaConsumer, tp: TopicPartition, start: int, end: int, timeout: float) -> list[Any]:
    """Records of one partition with start <= offset < end."""
    consumer.assign([tp])
    consumer.seek(tp, start)
    found: list[ConsumerRecord] = []
    deadline = time.monotonic() + timeout
    while consumer.position(tp) < end:
        if time.monotonic() > deadline:
            raise OperatorError(f"reading {tp.topic}-{tp.partition} up to offset {end} took over {timeout} s")
        for records in consumer.poll(timeout_ms=200).values():
            found += [r for r in records if r.offset < end]
    return found


def original_order(records: Iterable[ConsumerRecord]) -> list[ConsumerRecord]:
    """Each partition in offset order; partitions merged by the records' timestamps."""
    lanes: dict[tuple[str, int], list[ConsumerRecord]] = {}
    for record in records:
        lanes.setdefault((record.topic, record.partition), []).append(record)
    ordered = (sorted(lane, key=lambda r: r.offset) for lane in lanes.values())
    return list(heapq.merge(*ordered, key=lambda r: r.timestamp))


def runs(records: Sequence[ConsumerRecord]) -> Iterator[list[ConsumerRecord]]:
    """Consecutive records of one partition, at most BATCH_SIZE at a time: a batch applies one partition in order."""
    for _, lane in itertools.groupby(records, key=lambda r: (r.topic, r.partition)):
        yield from (list(batch) for batch in itertools.batched(lane, BATCH_SIZE))


def apply(applier: Applier, records: Sequence[ConsumerRecord], brokers: str) -> None:
    """Apply the records one partition's run at a time, each as the MSK event a function would get."""
    for batch in runs(records):
        event = msk_event({(batch[0].topic, batch[0].partition): batch}, source="MSK", bootstrap_servers=brokers,
                          event_source_arn=None)  # fmt: skip
        print(f"applied {batch_position(read_records(event))}: {applier.apply(event)}")


def _when(record: ConsumerRecord) -> str:
    return datetime.fromtimestamp(record.timestamp / 1000, UTC).isoformat(timespec="milliseconds")


if __name__ == "__main__":
    run(main)
