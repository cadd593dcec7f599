"""`python -m localrun` on the project's template as a child process, and what its log says about batches."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLUSTER_ARN = "arn:aws:kafka:us-east-1:000000000000:cluster/local/bench"
_INVOKE = re.compile(r" invoke function=(\S+) records=(\d+) duration_ms=([\d.]+) outcome=(\S+)")


@dataclass(frozen=True)
class Invoke:
    """One invocation line of the runner's log."""

    function: str
    records: int
    seconds: float
    outcome: str


class RunnerProcess:
    """The local runner with the template's default settings; its logs go to files under `log_dir`."""

    def __init__(self, env: Mapping[str, str], log_dir: Path, repo: Path = ROOT) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = log_dir / "runner.log"  # the runner's own lines (stderr)
        handlers = log_dir / "handlers.log"  # what the functions print (stdout), as CloudWatch would keep it
        # `repo`'s own interpreter and code (another checkout, to compare), on the port the system picks.
        python = repo / ".venv" / "bin" / "python" if repo != ROOT else Path(sys.executable)
        args = [str(python), "-m", "localrun", "--port", "0", "--parameter-overrides", f"MskClusterArn={CLUSTER_ARN}"]
        env = {**os.environ, **env, "PYTHONPATH": f"{repo / 'layers' / 'order_core'}:{repo}"}
        with self.log.open("wb") as err, handlers.open("wb") as out:
            self.process = subprocess.Popen(args, cwd=repo, env=env, stdout=out, stderr=err)  # noqa: S603

    @property
    def pid(self) -> int:
        return self.process.pid

    def check_alive(self) -> None:
        if self.process.poll() is not None:
            raise RuntimeError(f"the runner exited with {self.process.returncode}: see {self.log}")

    def log_position(self) -> int:
        return self.log.stat().st_size

    def invokes(self, start: int, end: int) -> list[Invoke]:
        """Invocations logged between two log positions."""
        with self.log.open("rb") as log:
            log.seek(start)
            text = log.read(end - start).decode(errors="replace")
        return [Invoke(m[1], int(m[2]), float(m[3]) / 1000, m[4]) for m in _INVOKE.finditer(text)]

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, as Ctrl-C or a service manager stops it; returns its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            return self.process.wait()
