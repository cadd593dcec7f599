"""What a benchmark prints: per stage and overall, events/s, batch latency percentiles and CPU per 1,000 events."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class StageResult:
    """One stage of a run: events, wall-clock seconds, batch latencies (s) and CPU seconds per process."""

    name: str
    events: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


def overall(name: str, stages: Sequence[StageResult]) -> StageResult:
    total = StageResult(name, sum(s.events for s in stages), sum(s.seconds for s in stages))
    for stage in stages:
        total.latencies += stage.latencies
        for process, seconds in stage.cpu.items():
            total.cpu[process] = total.cpu.get(process, 0.0) + seconds
    return total


@contextmanager
def measured(result: StageResult, cpu: Mapping[str, Callable[[], float]], clock: Callable[[], float]) -> Iterator[None]:
    """Time the block and charge each process the CPU seconds it used meanwhile."""
    before = {name: read() for name, read in cpu.items()}
    started = clock()
    yield
    result.seconds = clock() - started
    result.cpu = {name: read() - before[name] for name, read in cpu.items()}


def percentile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def table(title: str, stages: Sequence[StageResult], cores: int | None = None) -> list[str]:
    """One line per stage; `busy` is the CPU the listed processes used against what the machine's cores offered."""
    cores = cores or _usable_cores()
    processes = list(stages[0].cpu) if stages else []
    header = f"{'stage':<20}{'events':>8}{'seconds':>9}{'events/s':>10}{'p50 ms':>8}{'p99 ms':>8}  CPU s/1k events: "
    busy_label = f"busy of {cores} cores"
    lines = [title, header + "  ".join(f"{p:>9}" for p in processes) + f"  {busy_label}"]
    for stage in stages:
        cpu = "  ".join(f"{stage.cpu[p] * 1000 / max(stage.events, 1):>9.3f}" for p in processes)
        busy = sum(stage.cpu.values()) / (stage.seconds * cores) if stage.seconds else 0.0
        lines.append(
            f"{stage.name:<20}{stage.events:>8}{stage.seconds:>9.2f}{stage.rate:>10.0f}"
            f"{percentile(stage.latencies, 0.5) * 1000:>8.1f}{percentile(stage.latencies, 0.99) * 1000:>8.1f}"
            f"  {' ' * 17}{cpu}  {busy:>{len(busy_label)}.0%}"
        )
    return lines


def _usable_cores() -> int:
    """The cores this process may run on (a cpuset or taskset can offer fewer than the machine has)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def load_average() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())
