"""The real payments.succeeded handler, held after it applied its first batch, so a test can kill its worker there.

Every invocation is appended to INVOCATIONS_FILE (its process and offsets). The first one, once the real handler
has committed and published, writes its pid to HOLD_FILE and does not answer: the worker dies with the batch
applied and unacknowledged, the worst moment for the event source mapping.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from order_core.entrypoints.kafka import kafka_handler
from order_core.topics import Topic

_real = kafka_handler(Topic.PAYMENTS_SUCCEEDED)


def lambda_handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    offsets = [record["offset"] for records in event["records"].values() for record in records]
    with open(os.environ["INVOCATIONS_FILE"], "a", encoding="utf-8") as stream:
        stream.write(json.dumps({"pid": os.getpid(), "offsets": offsets}) + "\n")
    response = _real(event, context)
    hold = Path(os.environ["HOLD_FILE"])
    if not hold.exists():
        hold.write_text(str(os.getpid()))
        time.sleep(60)
    return response
