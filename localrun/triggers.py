"""Turn the resolved Properties of SAM events (MSK, SelfManagedKafka, Api, Schedule) into triggers."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from localrun.model import ApiTrigger, KafkaTrigger, ScheduleTrigger

# Lambda's defaults for Kafka event-source mappings.
DEFAULT_BATCH_SIZE = 100
DEFAULT_WINDOW_SECONDS = 0.5
# "When you configure both infinite retries and an on-failure destination, Lambda applies at most 10."
RETRIES_WITH_DESTINATION = 10


def kafka_trigger(function_id: str, name: str, kind: str, props: Mapping[str, Any]) -> KafkaTrigger:
    """An MSK/SelfManagedKafka event; the group id defaults to one per function and event, like a new ESM."""
    config_key = "AmazonManagedKafkaEventSourceConfig" if kind == "MSK" else "SelfManagedKafkaEventSourceConfig"
    group_id = props.get("ConsumerGroupId") or props.get(config_key, {}).get("ConsumerGroupId")
    on_failure = props.get("DestinationConfig", {}).get("OnFailure", {}).get("Destination")
    retries = int(props.get("MaximumRetryAttempts", -1))
    if retries < 0:
        retries = RETRIES_WITH_DESTINATION if on_failure else -1
    return KafkaTrigger(
        name=name,
        source=kind,
        topics=tuple(props["Topics"]),
        group_id=str(group_id or f"{function_id}-{name}"),
        starting_position=str(props.get("StartingPosition", "LATEST")),
        batch_size=int(props.get("BatchSize", DEFAULT_BATCH_SIZE)),
        window_seconds=float(props.get("MaximumBatchingWindowInSeconds", DEFAULT_WINDOW_SECONDS)),
        max_retries=None if retries < 0 else retries,
        on_failure=str(on_failure) if on_failure else None,
        event_source_arn=str(props["Stream"]) if kind == "MSK" else None,
        report_item_failures="ReportBatchItemFailures" in props.get("FunctionResponseTypes", []),
    )


def api_trigger(props: Mapping[str, Any], api_props: Mapping[str, Any], defaults: Mapping[str, Any]) -> ApiTrigger:
    """A REST API route; the authorizer comes from the event, else the API's, else Globals.Api's default."""
    api_auth = api_props.get("Auth", {}).get("DefaultAuthorizer")
    authorizer = props.get("Auth", {}).get("Authorizer") or api_auth or defaults.get("authorizer")
    return ApiTrigger(
        path=str(props["Path"]),
        method=str(props["Method"]).upper(),
        stage=str(api_props.get("StageName", defaults["stage"])),
        iam_auth=authorizer == "AWS_IAM",
    )


def schedule_trigger(name: str, props: Mapping[str, Any]) -> list[ScheduleTrigger]:
    """A Schedule/ScheduleV2 event, or nothing when the template disables it."""
    expression = props.get("Schedule") or props.get("ScheduleExpression")
    enabled = props.get("Enabled", True) is not False and props.get("State", "ENABLED") != "DISABLED"
    if not expression or not enabled:
        return []
    raw_input = props.get("Input")
    return [ScheduleTrigger(name=name, expression=str(expression), input=json.loads(raw_input) if raw_input else None)]
