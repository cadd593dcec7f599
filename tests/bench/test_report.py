"""The benchmark tables: CPU per 1,000 events of each process, and how busy they kept the machine's cores."""

from __future__ import annotations

from bench.report import StageResult, overall, table


def test_busy_is_the_cpu_of_every_listed_process_against_what_the_cores_offered() -> None:
    stages = [
        StageResult("orders.created", 1000, seconds=2.0, cpu={"runner": 1.0, "postgres": 0.5, "bench": 0.5}),
        StageResult("payments.succeeded", 2000, seconds=1.0, cpu={"runner": 1.5, "postgres": 0.0, "bench": 0.0}),
    ]
    lines = table("title", [*stages, overall("overall", stages)], cores=2)
    assert lines[1].endswith("bench  busy of 2 cores")
    busy = {line.split()[0]: line.split()[-1] for line in lines[2:]}
    # 2 CPU s in 2 s on 2 cores; 1.5 in 1 s; 3.5 in 3 s overall.
    assert busy == {"orders.created": "50%", "payments.succeeded": "75%", "overall": "58%"}
    assert lines[2].split()[6:9] == ["1.000", "0.500", "0.500"]  # per 1,000 events, as before


def test_every_column_ends_under_its_header() -> None:
    stage = StageResult("payments.succeeded", 10_000, seconds=3.45, cpu={"runner": 2.55, "bench": 0.75})
    header, row = table("title", [stage], cores=2)[1:]
    assert len(row) == len(header)
    assert header.index("bench") + len("bench") == row.index("0.075") + len("0.075")
