"""`sam deploy` again after a code change takes effect in the deployed stack.

The changed copy stays deployed after the test (another deploy would cost half a minute): scripts/aws.sh
records which build the emulator runs, so the next `make aws-up` (and aws-run, aws-demo) deploys the
project's build again. Keep this module last in tests/aws.
"""

from __future__ import annotations

import py_compile
import shutil
import uuid
from collections.abc import Callable
from pathlib import Path
from uuid import UUID

import pytest

from localrun.aws_stack import DeployedStack
from tests.aws.conftest import aws_sh

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
BUILD = ROOT / ".aws-sam" / "build"
# Appended to a copy of the built orders API: the same handler, each response marked with a token.
MARKED_HANDLER = """

_handler_as_built = lambda_handler


def lambda_handler(event, context):
    response = _handler_as_built(event, context)
    response.setdefault("headers", {{}})["X-Build"] = "{token}"
    return response
"""


def test_a_changed_build_redeployed_takes_effect(
    deployed: DeployedStack, make_order: Callable[..., UUID], tmp_path: Path
) -> None:
    # Given the deployed build, and a copy of it whose orders API marks its responses
    order_path = f"/orders/{make_order()}"
    token = uuid.uuid4().hex
    changed = tmp_path / "build"
    shutil.copytree(BUILD, changed, symlinks=True)
    app = changed / "OrdersApiFunction" / "app.py"
    app.write_text(app.read_text() + MARKED_HANDLER.format(token=token))
    # The build ships unchecked-hash bytecode, which Python uses whatever the source says: compile it again.
    py_compile.compile(str(app), doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
    before = deployed.call_api("GET", order_path)

    # When the copy is deployed with sam deploy
    aws_sh("deploy", SAM_TEMPLATE=str(changed / "template.yaml"))
    after = deployed.call_api("GET", order_path)

    # Then the changed code answers, and only after the deploy
    assert (before.status, after.status) == (200, 200)
    assert "x-build" not in before.headers
    assert after.headers["x-build"] == token
