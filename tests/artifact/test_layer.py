"""The built OrderCoreLayer holds exactly what uv.lock pins, minus what the python3.12 runtime ships, as bytecode."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import tomllib
from email.parser import Parser
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.artifact.conftest import ROOT

MIB = 1024 * 1024
LAYER_BUDGET = 25 * MIB
# The python3.12 runtime on x86_64, for the markers of the exported requirements.
LAMBDA_MARKERS = {"python_version": "3.12", "python_full_version": "3.12.0", "sys_platform": "linux",
                  "platform_system": "Linux", "platform_machine": "x86_64", "implementation_name": "cpython",
                  "platform_python_implementation": "CPython", "os_name": "posix"}  # fmt: skip
UNCHECKED_HASH = 0b01  # PEP 552 flags: hash-based, source not checked


def runtime_provided() -> set[str]:
    text = (ROOT / "layers/order_core/Makefile").read_text()
    match = re.search(r"^RUNTIME_PROVIDED := (.+)$", text, re.MULTILINE)
    assert match, "RUNTIME_PROVIDED not found in layers/order_core/Makefile"
    return {canonicalize_name(name) for name in match.group(1).split()}


def locked_runtime_dependencies() -> dict[str, str]:
    """name -> version of every package the project's runtime dependencies pull in on Lambda, from uv.lock."""
    uv = shutil.which("uv") or str(ROOT / ".tools/bin/uv")
    export = ["export", "--locked", "--no-default-groups", "--no-emit-project", "--no-hashes", "--no-header", "--quiet"]
    exported = subprocess.run([uv, *export], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    pins: dict[str, str] = {}
    for line in exported.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            requirement = Requirement(line.strip())
            if requirement.marker is None or requirement.marker.evaluate(LAMBDA_MARKERS):
                pins[canonicalize_name(requirement.name)] = str(requirement.specifier).removeprefix("==")
    return pins


def dependency_closure(root: str) -> set[str]:
    """A package and everything it depends on, as uv.lock records it."""
    packages = {p["name"]: p for p in tomllib.loads((ROOT / "uv.lock").read_text())["package"]}
    seen, todo = set(), [root]
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += [d["name"] for d in packages[name].get("dependencies", [])]
    return {canonicalize_name(name) for name in seen}


def installed(site: Path) -> dict[str, str]:
    metadata = [Parser().parsestr((d / "METADATA").read_text()) for d in site.glob("*.dist-info")]
    return {canonicalize_name(m["Name"]): m["Version"] for m in metadata}


@pytest.fixture(scope="module")
def site(built: Path) -> Path:
    return built / "OrderCoreLayer" / "python"


def test_runtime_provided_packages_are_boto3_and_what_it_pulls_in() -> None:
    assert runtime_provided() == dependency_closure("boto3")


def test_layer_holds_exactly_the_locked_versions_without_the_runtime_sdk(site: Path) -> None:
    locked = locked_runtime_dependencies()
    left_out = runtime_provided()

    assert left_out <= locked.keys()  # the project does depend on boto3: the runtime must provide it
    assert installed(site) == {name: version for name, version in locked.items() if name not in left_out}
    assert not {"boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3"} & {
        path.name.removesuffix(".pyc").removesuffix(".py") for path in site.iterdir()
    }


def pyc_flags(pyc: Path) -> tuple[bytes, int]:
    header = pyc.read_bytes()[:16]
    return header[:4], int.from_bytes(header[4:8], "little")


def test_dependencies_ship_as_python312_bytecode_only(site: Path) -> None:
    modules = [p for p in site.rglob("*.py*") if p.suffix in {".py", ".pyc"} and "order_core" not in p.parts]

    assert [p for p in modules if p.suffix == ".py"] == []
    assert len(modules) > 400
    assert {pyc_flags(p) for p in modules} == {(importlib.util.MAGIC_NUMBER, UNCHECKED_HASH)}


def test_own_code_keeps_its_sources_beside_unchecked_hash_bytecode(built: Path, site: Path) -> None:
    folders = [site / "order_core", *(d for d in built.iterdir() if d.name.endswith("Function"))]

    assert len(folders) == 1 + len(list((ROOT / "functions").glob("*/app.py")))
    for folder in folders:
        sources = list(folder.rglob("*.py"))
        assert sources, folder
        for source in sources:
            pyc = Path(importlib.util.cache_from_source(str(source)))
            assert pyc_flags(pyc) == (importlib.util.MAGIC_NUMBER, UNCHECKED_HASH), pyc
            assert pyc.read_bytes()[8:16] == importlib.util.source_hash(source.read_bytes()), f"{pyc} is stale"
        assert len(list(folder.rglob("*.pyc"))) == len(sources), f"{folder} has bytecode without source"


def test_unzipped_layer_fits_its_budget(built: Path) -> None:
    size = sum(p.stat().st_size for p in (built / "OrderCoreLayer").rglob("*") if p.is_file())

    assert size <= LAYER_BUDGET, f"OrderCoreLayer is {size / MIB:.1f} MiB unzipped, over {LAYER_BUDGET / MIB:.0f} MiB"
