"""The functions of the built template, configured as `sam local invoke` configures them (see sam_resolve.py)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAM_PYTHON = ROOT / ".tools/sam/tools/aws-sam-cli/bin/python"


class ArtifactError(Exception):
    """Something the user can fix (a name, a missing build); its message is the one line they see."""


@dataclass(frozen=True)
class BuiltFunction:
    """One function of .aws-sam/build: its code, its layers (each one's content is /opt) and its environment."""

    logical_id: str
    handler: str
    code_dir: Path
    layer_dirs: tuple[Path, ...]
    timeout: int
    memory: int
    environment: dict[str, str]


def resolve(sam_args: Sequence[str], environ: Mapping[str, str]) -> dict[str, BuiltFunction]:
    """Every function as `sam local invoke SAM_ARGS` would run it, with `environ` as SAM CLI's shell environment."""
    if not SAM_PYTHON.exists():
        raise ArtifactError("SAM CLI is not installed in .tools/sam: run `make sam-build`")
    result = subprocess.run(  # noqa: S603 - our own script, SAM CLI's interpreter
        [str(SAM_PYTHON), str(ROOT / "artifact/sam_resolve.py"), *sam_args],
        cwd=ROOT, env=dict(environ), capture_output=True, text=True, check=False,
    )  # fmt: skip
    if result.returncode != 0:
        raise ArtifactError(f"SAM CLI could not resolve the template: {result.stderr.strip().splitlines()[-1:]}")
    resolved = json.loads(result.stdout)
    return {
        f["logical_id"]: BuiltFunction(
            logical_id=f["logical_id"],
            handler=f["handler"],
            code_dir=Path(f["code_dir"]),
            layer_dirs=tuple(Path(d) for d in f["layer_dirs"]),
            timeout=int(f["timeout"]),
            memory=int(f["memory"]),
            environment=f["environment"],
        )
        for f in resolved["functions"]
    }
