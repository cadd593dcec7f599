"""Breaking changes between the contract in docs/asyncapi.baseline.yaml and docs/asyncapi.yaml, per topic.

The baseline holds, for the last released version, each topic's direction and the key, headers and payload
schemas with references inlined and annotations dropped: what producers and consumers built against.
A published topic stays compatible when everything it may now send was valid before (consumers keep working);
a consumed topic when everything producers could send before is still accepted (producers keep working).
Both read the old document the way it tells people to: consumers ignore fields they do not know, producers
send the fields it lists.

    python scripts/asyncapi_compat.py check      # list breaking changes since the baseline
    python scripts/asyncapi_compat.py baseline   # make the current contract the baseline (make asyncapi-baseline)
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "asyncapi.yaml"
BASELINE = ROOT / "docs" / "asyncapi.baseline.yaml"
PARTS = ("key", "headers", "payload")
ADVICE = (
    "If the break is intended, bump the major version (VERSION in scripts/asyncapi.py), then "
    "`make asyncapi asyncapi-baseline`; otherwise make the change compatible."
)


def contract(document: dict[str, Any]) -> dict[str, Any]:
    """What compatibility is judged on: the version, and per topic its action, key, headers and payload."""
    topics = {}
    for operation in document["operations"].values():
        channel = _resolve(document, operation["channel"]["$ref"])
        [message] = [_inline(document, ref) for ref in channel["messages"].values()]
        parts = {"key": message.get("bindings", {}).get("kafka", {}).get("key", {}), **message}
        topics[channel["address"]] = {"action": operation["action"]} | {part: parts.get(part, {}) for part in PARTS}
    return {"version": document["info"]["version"], "topics": topics}


def breaking_changes(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """One line per break, `<topic> (published|consumed) <part>.<field>: why`; empty when `new` is compatible."""
    from scripts.schema_compat import not_within  # noqa: PLC0415 - importable once main() set the path

    problems = []
    for topic, before in old["topics"].items():
        after = new["topics"].get(topic)
        if after is None or after["action"] != before["action"]:
            problems.append(f"{topic}: was {before['action']}, now {after['action'] if after else 'gone'}")
            continue
        published = before["action"] == "send"
        for part in PARTS:
            if published:
                reasons = not_within(after[part], _fields(before[part], closed=False), part)
            else:
                reasons = not_within(_fields(before[part], closed=True), after[part], part)
            problems += [f"{topic} ({'published' if published else 'consumed'}) {reason}" for reason in reasons]
    return problems


def refusal(baseline: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Why `current` may not become the baseline: its version did not go up enough for what changed."""
    if current == baseline:
        return []
    old, new = _version(baseline["version"]), _version(current["version"])
    if new <= old:
        return [
            f"the contract changed but info.version did not go up from {baseline['version']}: bump VERSION in "
            "scripts/asyncapi.py (minor for a compatible change, major for a breaking one) and `make asyncapi`"
        ]
    breaking = breaking_changes(baseline, current)
    if breaking and new[0] <= old[0]:
        return [
            *breaking,
            f"these break {baseline['version']}: only a new major version may ({current['version']} is not)",
        ]
    return []


def load(path: Path) -> dict[str, Any]:
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=120)


def _inline(document: dict[str, Any], node: Any) -> Any:
    """`node` with every local $ref replaced by what it points to, and without annotations."""
    from scripts.schema_compat import ANNOTATIONS  # noqa: PLC0415

    if isinstance(node, list):
        return [_inline(document, item) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _inline(document, _resolve(document, node["$ref"]))
    # "properties" maps field names to schemas: a field may be called "title" without being an annotation.
    inlined = {key: _inline(document, value) for key, value in node.items() if key not in {*ANNOTATIONS, "properties"}}
    if "properties" in node:
        inlined["properties"] = {name: _inline(document, field) for name, field in node["properties"].items()}
    return inlined


def _resolve(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for token in ref.removeprefix("#/").split("/"):
        node = node[token.replace("~1", "/").replace("~0", "~")]
    return node


def _fields(schema: Any, *, closed: bool) -> Any:
    """`schema` with every object read as the old document told people to: closed (only the fields it lists are
    sent) or open (fields it does not list are ignored, so they may be anything)."""
    if isinstance(schema, list):
        return [_fields(item, closed=closed) for item in schema]
    if not isinstance(schema, dict):
        return schema
    result = {key: _fields(value, closed=closed) for key, value in schema.items() if key != "properties"}
    if "properties" in schema:
        result["properties"] = {name: _fields(field, closed=closed) for name, field in schema["properties"].items()}
        result["additionalProperties"] = not closed
    return result


def _version(text: str) -> tuple[int, ...]:
    parts = text.split(".")
    if len(parts) != 3 or not all(part.isdigit() for part in parts):
        raise SystemExit(f"info.version {text!r} is not MAJOR.MINOR.PATCH: fix VERSION in scripts/asyncapi.py")
    return tuple(int(part) for part in parts)


def main() -> int:
    sys.path[:0] = [str(ROOT)]
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["check", "baseline"])
    args = parser.parse_args()
    if not BASELINE.exists():
        print(
            f"{BASELINE.name} is missing: restore it from git, it is the last released contract",
            file=sys.stderr,
        )
        return 1
    baseline, current = load(BASELINE), contract(load(DOCUMENT))
    problems = breaking_changes(baseline, current) if args.command == "check" else refusal(baseline, current)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(ADVICE if args.command == "check" else f"{BASELINE.name} left as it was", file=sys.stderr)
        return 1
    if args.command == "baseline":
        BASELINE.write_text(dump(current), encoding="utf-8")
    print(f"{BASELINE.name}: {'written for' if args.command == 'baseline' else 'compatible with'} "
          f"version {current['version']}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
