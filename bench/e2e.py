"""`make bench-e2e`: N orders through the whole local path, then the database's limit for the same workload.

Kafka -> the local runner's consumer groups (`python -m localrun`, the template's settings) -> the functions ->
Postgres -> outbound Kafka, stage by stage (each applied before the next is sent), once every function is warm:
a small lifecycle goes through first, untimed (bench/workload.py, WARM_UP_ORDERS). Then the same workload on new
orders as raw SQL (bench/rawsql.py). Prints per stage: events/s, batch latency, CPU per 1,000 events of the
runner (with its worker processes), Postgres, Kafka and the bench itself (the load generator), read from /proc,
and how busy they kept the machine's cores; then what was checked, and last:
`e2e: <events/s> events/s; raw-SQL limit <events/s> events/s; ratio <NN>%`.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from bench import correctness, rawsql
from bench.env import ROOT, CpuReaders, find_stack, stack_cpu
from bench.kafka_io import Broker
from bench.procstat import own_cpu_seconds, tree_cpu_seconds
from bench.report import StageResult, load_average, measured, overall, table
from bench.runner_proc import RunnerProcess
from bench.workload import (
    WARM_UP_ORDERS,
    Stage,
    Workload,
    add_workload_arguments,
    delete_orders,
    insert_orders,
    lifecycle,
)
from order_core.entrypoints import collector
from order_core.topics import INBOUND_TOPICS, OUTBOUND_TOPICS


def through_runner(broker: Broker, runner: RunnerProcess, stages: Sequence[Stage], cpu: CpuReaders,
                   timeout: float) -> list[StageResult]:  # fmt: skip
    results = []
    for stage in stages:
        result, start = StageResult(stage.name, len(stage.events)), runner.log_position()
        with measured(result, cpu, time.perf_counter):
            broker.wait_committed(broker.send(stage.events), timeout)
        runner.check_alive()
        result.latencies = [invoke.seconds for invoke in runner.invokes(start, runner.log_position())]
        results.append(result)
    return results


def end_to_end(
    settings: dict[str, str], warm_up: Workload, workload: Workload, cpu: CpuReaders, args: argparse.Namespace
) -> tuple[list[StageResult], list[str]]:
    broker = Broker(settings["KAFKA_BROKERS"])
    runner = RunnerProcess(settings, ROOT / ".local" / "bench", args.runner_repo.resolve())
    try:
        broker.wait_groups_ready(INBOUND_TOPICS, timeout=180)
        through_runner(broker, runner, warm_up.stages, {}, args.timeout)
        start = broker.end_offsets(OUTBOUND_TOPICS)
        results = through_runner(
            broker, runner, workload.stages, {"runner": partial(tree_cpu_seconds, runner.pid), **cpu}, args.timeout
        )
        published = broker.read(start, {str(order_id) for order_id in workload.orders})
    finally:
        status = runner.stop()
        broker.close()
    found = correctness.problems(settings["DB_DSN"], workload, published)
    if status != 0:
        found.append(f"the runner exited with {status} on SIGTERM (see {runner.log})")
    return results, found


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.e2e", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--timeout", type=float, default=300, help="seconds a stage may take before the run fails")
    parser.add_argument("--runner-repo", type=Path, default=ROOT,
                        help="run the runner of another checkout (with its own .venv), to compare")  # fmt: skip
    add_workload_arguments(parser)
    args = parser.parse_args(argv)
    settings = find_stack("bench-e2e")
    if settings is None:
        return 2
    # The bench itself is charged too: it produces each stage and watches the groups' offsets, on the same cores.
    cpu = {**stack_cpu(settings), "bench": own_cpu_seconds}
    warm_up = lifecycle(insert_orders(settings["DB_DSN"], WARM_UP_ORDERS), args.seed)
    workload = lifecycle(insert_orders(settings["DB_DSN"], args.orders), args.seed)
    collector.settle()  # as a function's init ends: the workload is never walked by a collection again
    print(f"bench-e2e: {args.orders} orders, {workload.events} events, after {warm_up.events} untimed "
          f"({WARM_UP_ORDERS} orders); load average {load_average()}", flush=True)  # fmt: skip
    try:
        e2e, found = end_to_end(settings, warm_up, workload, cpu, args)
    finally:
        delete_orders(settings["DB_DSN"], [*warm_up.orders, *workload.orders])
    raw = rawsql.limit(settings["DB_DSN"], args.orders, args.batch_size, cpu, args.seed)
    e2e_all, raw_all = overall("overall", e2e), overall("overall", raw)
    print("\n".join(table("end to end (Kafka -> localrun -> Postgres -> Kafka)", [*e2e, e2e_all])))
    print("correct: " + ("every order in its final status; every outbound event once, in per-order order"
                         if not found else "NO: " + "; ".join(found)))  # fmt: skip
    print(
        "\n".join(
            table(f"raw SQL (order_core.adapters.sql, batches of {args.batch_size}, one commit each)", [*raw, raw_all])
        )
    )
    print(f"load average {load_average()}")
    print(f"e2e: {e2e_all.rate:.0f} events/s; raw-SQL limit {raw_all.rate:.0f} events/s; "
          f"ratio {100 * e2e_all.rate / raw_all.rate:.0f}%")  # fmt: skip
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main())
