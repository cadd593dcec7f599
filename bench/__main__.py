"""`make bench`: the workload through the service in-process, then as raw SQL, and how close the first comes.

The lifecycle workload of bench/workload.py, batch by batch per topic (the template's BatchSize) as MSK events
read by the functions' own edge (`read_records`), through `OrderService.process_records`: parse, lock, decide,
write, commit, publish to Kafka after commit; warm, after a small untimed lifecycle (WARM_UP_ORDERS). No Kafka
consumer and no runner: `make bench-e2e` measures those. Prints per stage: events/s, batch latency, CPU per
1,000 events of this process, Postgres and Kafka; database round trips per batch; where the orders ended; then
the same workload as raw SQL (bench/rawsql.py), and last:
`bench: <events/s> events/s; raw-SQL limit <events/s> events/s; ratio <NN>%`.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from collections.abc import Sequence

from bench import rawsql
from bench.env import CpuReaders, find_stack, stack_cpu
from bench.instrumentation import CountingConnection
from bench.procstat import own_cpu_seconds
from bench.report import StageResult, load_average, measured, overall, table
from bench.workload import (
    WARM_UP_ORDERS,
    Event,
    Workload,
    add_workload_arguments,
    delete_orders,
    final_statuses,
    insert_orders,
    lifecycle,
)
from order_core.bootstrap import Container, build
from order_core.config import Settings
from order_core.entrypoints import collector
from order_core.service.ports import InboundRecord
from samples.msk import Batch

PARTITIONS = 3


def msk_batch(events: Sequence[Event]) -> list[InboundRecord]:
    """The events as one MSK batch (partitioned by order, as the key would), read by the functions' edge."""
    batch = Batch()
    for event in events:
        batch.add(event.topic, event.value, partition=event.partition(PARTITIONS), key=str(event.order_id))
    return batch.records()


def in_process(
    app: Container, workload: Workload, batch_size: int, cpu: CpuReaders
) -> tuple[list[StageResult], Counter[str]]:
    results, tally = [], Counter[str]()
    for stage in workload.stages:
        result = StageResult(stage.name, len(stage.events))
        with measured(result, cpu, time.perf_counter):
            for batch in rawsql.batches(stage, batch_size):
                records = msk_batch(batch)
                before, started = CountingConnection.round_trips, time.perf_counter()
                outcome = app.service.process_records(records)
                result.latencies.append(time.perf_counter() - started)
                tally[f"round trips {CountingConnection.round_trips - before}"] += 1
                tally.update(transitions=outcome.transitions, published=outcome.published,
                             unpublished=outcome.unpublished, **outcome.dead_letters)  # fmt: skip
        results.append(result)
    return results, tally


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    add_workload_arguments(parser)
    args = parser.parse_args(argv)
    env = find_stack("bench")
    if env is None:
        return 2
    cpu: CpuReaders = {"bench": own_cpu_seconds, **stack_cpu(env)}
    app = build(Settings.from_env({**env, "KAFKA_AUTH": "none"}), connection_class=CountingConnection)
    warm_up = lifecycle(insert_orders(env["DB_DSN"], WARM_UP_ORDERS), args.seed)
    workload = lifecycle(insert_orders(env["DB_DSN"], args.orders), args.seed)
    collector.settle()  # as a function's init ends: the workload is never walked by a collection again
    print(f"bench: {args.orders} orders, {workload.events} events, after {warm_up.events} untimed "
          f"({WARM_UP_ORDERS} orders); load average {load_average()}", flush=True)  # fmt: skip
    try:
        in_process(app, warm_up, args.batch_size, {})
        results, tally = in_process(app, workload, args.batch_size, cpu)
        statuses = final_statuses(env["DB_DSN"], workload.orders)
    finally:
        app.close()
        delete_orders(env["DB_DSN"], [*warm_up.orders, *workload.orders])
    raw = rawsql.limit(env["DB_DSN"], args.orders, args.batch_size, cpu, args.seed)
    total, raw_total = overall("overall", results), overall("overall", raw)
    print("\n".join(table("in-process (OrderService.process_records, publishing to Kafka)", [*results, total])))
    print(f"per batch: {dict(sorted(tally.items()))}")
    expected = workload.final_statuses()
    print(
        f"correct: {'every order in its final status' if statuses == expected else f'NO: {statuses}, not {expected}'}"
    )
    print(
        "\n".join(
            table(
                f"raw SQL (order_core.adapters.sql, batches of {args.batch_size}, one commit each)", [*raw, raw_total]
            )
        )
    )
    print(f"load average {load_average()}")
    print(f"bench: {total.rate:.0f} events/s; raw-SQL limit {raw_total.rate:.0f} events/s; "
          f"ratio {100 * total.rate / raw_total.rate:.0f}%")  # fmt: skip
    return 0 if statuses == expected else 1


if __name__ == "__main__":
    raise SystemExit(main())
