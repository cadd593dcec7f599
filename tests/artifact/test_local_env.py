"""`sam local invoke --config-env local` hands every variable of events/local-env.json to every function.

SAM CLI overrides only the variables a function declares; its own resolution code (artifact/sam_resolve.py, run by
SAM CLI's interpreter) decides here what each function would get, and the handler's settings load from exactly that.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from artifact.functions import BuiltFunction, resolve
from localrun.cfn_yaml import load_yaml
from order_core.config import Settings
from tests.artifact.conftest import ROOT

LOCAL_ENV = json.loads((ROOT / "events/local-env.json").read_text())
FUNCTIONS = sorted(
    name
    for name, resource in load_yaml(ROOT / "template.yaml")["Resources"].items()
    if resource["Type"] == "AWS::Serverless::Function"
)


@pytest.fixture(scope="module")
def local_config(built: Path) -> dict[str, BuiltFunction]:
    # SAM CLI's shell environment: nothing of this test process's, which points at the local stack
    shell = {"PATH": os.environ["PATH"], "HOME": os.environ["HOME"], "SAM_CLI_TELEMETRY": "0"}
    return resolve(["--config-env", "local"], shell)


def test_the_built_template_is_what_sam_local_invoke_runs(local_config: dict[str, BuiltFunction], built: Path) -> None:
    assert sorted(local_config) == FUNCTIONS
    assert {f.code_dir for f in local_config.values()} == {built / name for name in FUNCTIONS}


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_local_env_variable_reaches_the_function_and_its_settings(
    local_config: dict[str, BuiltFunction], function: str
) -> None:
    wanted = {**LOCAL_ENV.get("Parameters", {}), **LOCAL_ENV.get(function, {})}
    environment = local_config[function].environment

    assert wanted
    assert {name: environment.get(name) for name in wanted} == wanted
    settings = Settings.from_env(environment)
    assert settings.db_dsn == wanted["DB_DSN"]
    assert settings.db_secret_arn is None
    assert settings.kafka_brokers == [wanted["KAFKA_BROKERS"]]
    assert settings.kafka_auth == wanted["KAFKA_AUTH"]
