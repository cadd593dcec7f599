"""Run `Schedule` events at their rate, the way an EventBridge rule invokes a function."""

from __future__ import annotations

import logging
import re
import threading

from localrun.events import scheduled_event
from localrun.intrinsics import Pseudo
from localrun.invoke import Host
from localrun.model import ScheduleTrigger

log = logging.getLogger(__name__)

_RATE = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


def rate_seconds(expression: str) -> float | None:
    """Seconds between runs of a rate() expression; None for cron() and anything else."""
    found = _RATE.match(expression.strip())
    if found is None:
        return None
    return int(found.group(1)) * _UNIT_SECONDS[found.group(2).rstrip("s")]


class ScheduledInvoker:
    """Invokes one function every interval until stopped; the first run comes one interval after start."""

    def __init__(self, host: Host, trigger: ScheduleTrigger, interval: float, pseudo: Pseudo) -> None:
        self.host, self.trigger, self.interval, self._pseudo = host, trigger, interval, pseudo
        self._rule_arn = (
            f"arn:aws:events:{pseudo.region}:{pseudo.account_id}:rule/{host.spec.logical_id}-{trigger.name}"
        )

    def run(self, stop: threading.Event) -> None:
        while not stop.wait(self.interval):
            event = self.trigger.input
            if event is None:
                event = scheduled_event(self._rule_arn, self._pseudo.region, self._pseudo.account_id)
            self.host.invoke(event)


def interval_for(trigger: ScheduleTrigger, override: float | None) -> float | None:
    """The override when given, else the rate; None (with a warning) for a cron() the runner cannot keep."""
    if override is not None:
        return override
    seconds = rate_seconds(trigger.expression)
    if seconds is None:
        log.warning(
            "schedule not supported locally; use --schedule-interval",
            extra={"schedule": trigger.name, "expression": trigger.expression},
        )
    return seconds
