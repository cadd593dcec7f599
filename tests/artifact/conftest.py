"""The built artifact: `scripts/sam.sh build` once per session (cached by SAM), so the tests see the current source."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.sam.conftest import forget_orders  # noqa: F401 - the fixture, for make invoke's sample events

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"


@pytest.fixture(scope="session")
def built() -> Path:
    """.aws-sam/build, built from the working tree; a failed build fails the test with SAM's last words."""
    build = [str(ROOT / "scripts/sam.sh"), "build"]
    result = subprocess.run(build, cwd=ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"sam build failed:\n{(result.stdout + result.stderr)[-3000:]}")
    return BUILD
