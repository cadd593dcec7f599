"""CPU seconds of the real processes, read from /proc: a process, the children it has reaped, its live children.

A process tree's CPU is its own and its reaped children's (`utime stime cutime cstime` of /proc/PID/stat) plus
every live descendant's: a Postgres backend or a runner's worker that exits between two readings moves from
the second term to the first, so differences of readings count it once.
"""

from __future__ import annotations

import os
import resource
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
_PROC = Path("/proc")


def _stat(pid: int) -> list[str] | None:
    try:
        text = (_PROC / str(pid) / "stat").read_text()
    except OSError:  # gone since it was listed
        return None
    return text[text.rindex(")") + 2 :].split()  # the name in parentheses may contain spaces


def _parents() -> dict[int, int]:
    parents = {}
    for entry in _PROC.iterdir():
        if entry.name.isdigit() and (fields := _stat(int(entry.name))) is not None:
            parents[int(entry.name)] = int(fields[1])
    return parents


def tree_cpu_seconds(pid: int) -> float:
    """CPU seconds used so far by `pid`, the children it reaped and its live descendants."""
    parents = _parents()
    tree, frontier = {pid}, [pid]
    while frontier:
        parent = frontier.pop()
        children = [child for child, of in parents.items() if of == parent]
        tree.update(children)
        frontier += children
    ticks = 0
    for member in tree:
        fields = _stat(member)
        if fields is not None:  # utime stime cutime cstime: fields 14-17 of stat
            ticks += sum(int(value) for value in fields[11:15])
    return ticks / _TICKS


def own_cpu_seconds() -> float:
    """CPU seconds of this process, its threads included."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def listening_pid(port: int) -> int:
    """The process that listens on 127.0.0.1:`port` (Postgres' postmaster, Kafka's JVM)."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        for line in (_PROC / "net" / table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":  # 0A: LISTEN
                inodes.add(fields[9])
    for entry in _PROC.iterdir():
        if entry.name.isdigit() and inodes & _socket_inodes(entry):
            return int(entry.name)
    raise LookupError(f"no process listens on port {port}")


def _socket_inodes(process: Path) -> set[str]:
    try:
        links = [os.readlink(fd) for fd in (process / "fd").iterdir()]
    except OSError:
        return set()
    return {link[8:-1] for link in links if link.startswith("socket:[")}
