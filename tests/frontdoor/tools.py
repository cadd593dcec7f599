"""Run the local tools as a newcomer does: a subprocess from the repository root, with the stack's settings."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def tool_environment(env: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """This process's environment with the layer importable, changed by `env` (None removes a variable)."""
    environment = {**os.environ, "PYTHONPATH": f"{ROOT / 'layers' / 'order_core'}:{ROOT}"}
    for name, value in (env or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    return environment


def run_tool(module: str, *args: str, env: Mapping[str, str | None] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m module args`, in the repository root, to its end."""
    return subprocess.run([sys.executable, "-m", module, *args], cwd=ROOT, env=tool_environment(env),
                          capture_output=True, text=True, timeout=180, check=False)  # fmt: skip


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The tool said what is wrong in exactly one line on stderr, with exit status 2 and no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.returncode == 2, result.stderr
    return lines[0]


@contextmanager
def taken_port(*, listening: bool = True) -> Iterator[int]:
    """A port held by this process: listening (something answers there) or only bound (nothing answers)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        if listening:
            sock.listen()
        yield int(sock.getsockname()[1])


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc/*/stat: `pid (comm) state ppid ...`)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.append(int(stat.parent.name))
    return found
