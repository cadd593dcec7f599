"""What the runner needs to know about each function of the template, intrinsics already resolved."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class KafkaTrigger:
    """One MSK or SelfManagedKafka event of a function: what its event-source mapping would do."""

    name: str
    source: str  # "MSK" or "SelfManagedKafka"
    topics: tuple[str, ...]
    group_id: str
    starting_position: str
    batch_size: int
    window_seconds: float
    max_retries: int | None  # None: retry forever, as AWS's -1
    on_failure: str | None  # the resolved DestinationConfig.OnFailure.Destination
    event_source_arn: str | None
    report_item_failures: bool


@dataclass(frozen=True)
class ApiTrigger:
    """One REST API (`Type: Api`) route of a function."""

    path: str
    method: str  # upper case; "ANY" matches every method
    stage: str
    iam_auth: bool


@dataclass(frozen=True)
class ScheduleTrigger:
    """One `Schedule`/`ScheduleV2` event: its expression and the constant input, if any."""

    name: str
    expression: str
    input: Any = None


@dataclass(frozen=True)
class FunctionSpec:
    """A function of the template as the local runner invokes it."""

    logical_id: str
    function_name: str
    code_dir: Path
    handler: str
    timeout_seconds: int
    memory_mb: int
    environment: dict[str, str]
    layer_dirs: tuple[Path, ...]
    kafka: tuple[KafkaTrigger, ...] = ()
    apis: tuple[ApiTrigger, ...] = ()
    schedules: tuple[ScheduleTrigger, ...] = ()
    unsupported: tuple[str, ...] = field(default=())

    def arn(self, region: str, account_id: str) -> str:
        return f"arn:aws:lambda:{region}:{account_id}:function:{self.function_name}"
