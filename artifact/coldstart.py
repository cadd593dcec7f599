"""`make coldstart`: the INIT phase of every function of .aws-sam/build as the python3.12 runtime runs it.

Each run is a fresh emulator and interpreter (artifact/sandbox.py) with bytecode writing off, the function's folder
and the layers where /var/task and /opt/python would be, and the runtime's boto3 (at the floor we rely on) outside
them. The function gets its deployed configuration (tracing on, the secret ARN, IAM auth for Kafka) with every
address pointing nowhere: INIT opens no connection. The same build without bytecode runs interleaved with it, so
both columns see the same machine. Prints the median and range of the INIT duration the emulator reports, and
the same for two floors (artifact/floor) packaged like the functions: a handler that imports nothing, and one
that imports only the libraries every function needs.
"""

from __future__ import annotations

import compileall
import os
import py_compile
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import replace
from pathlib import Path

from artifact.functions import ROOT, ArtifactError, BuiltFunction, resolve
from artifact.runtime import Runtime, boto3_floor, install, tool
from artifact.sandbox import Sandbox
from localrun.cfn_yaml import load_yaml

TARGET_MS = 300
# The deployed parameters, pointed at ports where nothing listens.
AWS_PARAMETERS = [
    "MskClusterArn=arn:aws:kafka:eu-west-1:000000000000:cluster/coldstart/coldstart-1",
    "KafkaBootstrapBrokers=127.0.0.1:1", "DbHost=127.0.0.1", "SubnetIds=subnet-0", "SecurityGroupIds=sg-0",
    "DbSecretArn=arn:aws:secretsmanager:eu-west-1:000000000000:secret:coldstart",
]  # fmt: skip
NOT_IN_AWS = ("AWS_SAM_LOCAL",)  # SAM's marker; Powertools turns tracing off when it sees it
FLOORS = ("runtime_only", "libraries_only")  # the modules of artifact/floor


def without_bytecode(functions: dict[str, BuiltFunction], into: Path, runtime: Runtime) -> dict[str, BuiltFunction]:
    """The same functions and layers, built the same way but without bytecode, under `into`."""
    sources = load_yaml(ROOT / "template.yaml")["Resources"]
    layers: dict[Path, Path] = {}
    for layer in {layer for f in functions.values() for layer in f.layer_dirs}:
        layers[layer] = into / layer.name
        makefile_dir = ROOT / sources[layer.name]["Properties"]["ContentUri"]
        tools = [
            f"ARTIFACTS_DIR={layers[layer]}",
            f"PYTHON={runtime.python}",
            f"UV={tool('uv', ROOT / '.tools/bin/uv')}",
        ]
        subprocess.run(  # noqa: S603 - the layer's own Makefile
            [tool("make"), "--no-print-directory", "-C", str(makefile_dir), "layer-without-bytecode", *tools],
            stdout=sys.stderr,
            check=True,
        )
    plain = {}
    for name, function in functions.items():
        shutil.copytree(function.code_dir, into / name, ignore=shutil.ignore_patterns("__pycache__"))
        plain[name] = replace(function, code_dir=into / name, layer_dirs=tuple(layers[d] for d in function.layer_dirs))
    return plain


def floors(like: BuiltFunction, into: Path, *, bytecode: bool) -> dict[str, BuiltFunction]:
    """The floor handlers, packaged as `like` is (its layers, its environment), with or without bytecode."""
    code_dir = into / "floor"
    shutil.copytree(ROOT / "artifact" / "floor", code_dir, ignore=shutil.ignore_patterns("__pycache__"))
    if bytecode:
        compileall.compile_dir(code_dir, quiet=1, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    return {
        f"({module.replace('_', ' ')})": replace(like, code_dir=code_dir, handler=f"{module}.lambda_handler")
        for module in FLOORS
    }


def init_ms(runtime: Runtime, function: BuiltFunction) -> float:
    """One cold start: the INIT duration of a fresh sandbox."""
    environment = {k: v for k, v in function.environment.items() if k not in NOT_IN_AWS}
    with Sandbox(runtime, function, environment) as sandbox:
        return sandbox.cold_start()


def summary(samples: list[float]) -> str:
    return f"{statistics.median(samples):6.0f} ({min(samples):.0f}-{max(samples):.0f})"


def main() -> int:
    runs = int(os.environ.get("RUNS", "7"))
    shell = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), "SAM_CLI_TELEMETRY": "0"}
    try:
        built = resolve(["--parameter-overrides", *AWS_PARAMETERS], shell)
        runtime = install()
        with tempfile.TemporaryDirectory(prefix="coldstart-") as tmp:
            plain, like = without_bytecode(built, Path(tmp), runtime), next(iter(built))
            variants = {
                "bytecode": built | floors(built[like], Path(tmp) / "bytecode", bytecode=True),
                "no bytecode": plain | floors(plain[like], Path(tmp) / "plain", bytecode=False),
            }
            for functions in variants.values():  # page cache warm, as for any function Lambda keeps on disk
                init_ms(runtime, next(iter(functions.values())))
            samples: dict[tuple[str, str], list[float]] = {}
            for _ in range(runs):
                for name in variants["bytecode"]:
                    for variant, functions in variants.items():
                        samples.setdefault((name, variant), []).append(init_ms(runtime, functions[name]))
    except (ArtifactError, subprocess.CalledProcessError) as error:
        print(f"make coldstart: {error}", file=sys.stderr)
        return 2
    print(f"\nCold start (INIT, ms) of .aws-sam/build, {runs} fresh runs each: median (min-max). Runtime boto3 "
          f"{boto3_floor()}, bytecode writing off, machine load {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores. "
          f"Target: median <= {TARGET_MS} ms with bytecode.")  # fmt: skip
    print(f"{'function':30} {'bytecode':>18} {'no bytecode':>18}")
    for name in dict.fromkeys(name for name, _ in samples):  # functions first, then the floors
        print(f"{name:30} {summary(samples[name, 'bytecode']):>18} {summary(samples[name, 'no bytecode']):>18}")
    print(
        "(runtime only) imports nothing; (libraries only) imports psycopg, pydantic (one model) and makes Powertools' "
        "logger, metrics and tracer, nothing of this project (artifact/floor)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
