"""A stand-in for the python3.12 Lambda runtime: AWS's Runtime Interface Emulator running awslambdaric.

That pair is what `sam local invoke` runs inside its container; here it runs a function of .aws-sam/build directly,
with the layers where /opt/python would be and, outside them, the boto3 the runtime is relied on to provide: the
lower bound pyproject.toml declares for boto3 (see README, "The layer"). Installed on first use into
.tools/lambda-runtime: the emulator from the Go module proxy, awslambdaric and boto3 from PyPI.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement

from artifact.functions import ROOT, ArtifactError

RUNTIME_DIR = ROOT / ".tools" / "lambda-runtime"
# The emulator's module has no semantic-version tags; this is its main branch of 2026-10-30.
RIE_MODULE = "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie"
RIE_VERSION = "v0.0.0-20261030222936-bef5c4ba774d"
AWSLAMBDARIC_VERSION = "4.2.2"


@dataclass(frozen=True)
class Runtime:
    """The emulator binary, the runtime's site-packages (/var/lang/lib/python3.12/site-packages) and its Python."""

    rie: Path
    site: Path
    python: Path

    @property
    def bootstrap(self) -> Path:
        return Path(__file__).with_name("bootstrap.py")


def boto3_floor() -> str:
    """The oldest boto3 the code is relied on to work with: the `>=` bound of boto3 in pyproject.toml."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    boto3 = next(Requirement(d) for d in dependencies if Requirement(d).name == "boto3")
    return next(spec.version for spec in boto3.specifier if spec.operator == ">=")


def _run(command: list[str], **env: str) -> None:
    """An install step; its output goes to stderr, so that stdout stays the caller's."""
    result = subprocess.run(command, env={**os.environ, **env}, stdout=sys.stderr, stderr=sys.stderr, check=False)  # noqa: S603
    if result.returncode != 0:
        raise ArtifactError(f"installing the Lambda runtime stand-in failed: {' '.join(command[:3])} ...")


def tool(name: str, fallback: Path | None = None) -> str:
    found = shutil.which(name) or (str(fallback) if fallback and fallback.exists() else None)
    if found is None:
        raise ArtifactError(f"{name} not found on PATH: the Lambda runtime stand-in needs it (README, Developing)")
    return found


def install() -> Runtime:
    """The stand-in, installed into .tools/lambda-runtime unless it already is (idempotent, versioned paths)."""
    floor = boto3_floor()
    site = RUNTIME_DIR / f"site-awslambdaric-{AWSLAMBDARIC_VERSION}-boto3-{floor}"
    if not (site / ".installed").exists():
        print(f"installing awslambdaric {AWSLAMBDARIC_VERSION} and boto3 {floor} into {site}", file=sys.stderr)
        shutil.rmtree(site, ignore_errors=True)
        uv = tool("uv", ROOT / ".tools" / "bin" / "uv")  # scripts/bootstrap.sh puts it there when PATH has none
        pins = [f"awslambdaric=={AWSLAMBDARIC_VERSION}", f"boto3=={floor}", f"botocore=={floor}"]
        # bytecode like the runtime's own packages: only the function's code is under test for it
        _run([uv, "pip", "install", "--quiet", "--target", str(site), "--python", sys.executable,
              "--only-binary", ":all:", "--compile-bytecode", *pins])  # fmt: skip
        (site / ".installed").touch()
    rie_dir = RUNTIME_DIR / f"rie-{RIE_VERSION}"
    if not (rie_dir / "aws-lambda-rie").exists():
        print(f"building the Lambda Runtime Interface Emulator {RIE_VERSION} (Go module proxy)", file=sys.stderr)
        _run([tool("go"), "install", f"{RIE_MODULE}@{RIE_VERSION}"], GOBIN=str(rie_dir), GOFLAGS="-mod=mod")
    return Runtime(rie=rie_dir / "aws-lambda-rie", site=site, python=Path(sys.executable))
