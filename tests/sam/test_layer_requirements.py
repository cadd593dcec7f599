"""The layer deploys exactly the versions the test suite ran against."""

from __future__ import annotations

import re
import tomllib

from tests.sam.conftest import ROOT


def test_layer_requirements_are_pinned_to_the_locked_versions() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {package["name"]: package["version"] for package in lock["package"]}
    lines = (ROOT / "layers/order_core/requirements.txt").read_text().splitlines()
    pins = [re.fullmatch(r"([a-z0-9-]+)(\[[a-z,]+\])?==([\w.]+)", line) for line in lines if line and line[0] != "#"]

    assert all(pins), lines
    assert {m.group(1): m.group(3) for m in pins if m} == {
        name: locked[name] for name in ("aws-lambda-powertools", "psycopg", "kafka-python", "pydantic", "boto3")
    }
