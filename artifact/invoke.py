"""`make invoke FUNCTION=<LogicalId> EVENT=events/<file>.json`: the Docker-free `sam local invoke`.

Runs the BUILT function (.aws-sam/build) once, in a fresh Lambda-like process (artifact/sandbox.py), with the
environment `sam local invoke --config-env local` would give it (SAM CLI resolves it), except that DB_DSN and
KAFKA_BROKERS are the local stack's (`scripts/stack.sh env`). The response goes to stdout as JSON, the function's
and the emulator's logs to stderr. Exit status: 0 when the handler returned, 1 when it raised, 2 for a bad argument.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from artifact.functions import ROOT, ArtifactError, BuiltFunction, resolve
from artifact.runtime import install
from artifact.sandbox import NO_RESPONSE, Outcome, Sandbox
from localrun.cli import stack_environment

PROG = "make invoke"
ENV_FILE = ROOT / "events" / "local-env.json"  # the variables of sam local invoke, not an event


class OneLineParser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{PROG}: {message}\n")


def read_event(name: str) -> bytes:
    path = Path(name)
    if not name or not path.is_file():
        events = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "events").glob("*.json") if p != ENV_FILE)
        raise ArtifactError(f"EVENT={name!r} is not a file; one of: {', '.join(events)}")
    data = path.read_bytes()
    try:
        json.loads(data)
    except ValueError as error:
        raise ArtifactError(f"EVENT={name} is not JSON ({error})") from error
    return data


def find_function(name: str) -> BuiltFunction:
    functions = resolve(["--config-env", "local"], os.environ)
    if name not in functions:
        raise ArtifactError(f"FUNCTION={name!r} is not a function of template.yaml; one of: {', '.join(functions)}")
    return functions[name]


def main(argv: Sequence[str] | None = None) -> int:
    parser = OneLineParser(prog=PROG, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("function", metavar="FUNCTION", help="logical id of a function in template.yaml")
    parser.add_argument("event", metavar="EVENT", help="JSON event file, e.g. events/ship_order.json")
    args = parser.parse_args(argv)
    try:
        event = read_event(args.event)
        function = find_function(args.function)
        environment = {**function.environment, **stack_environment(ROOT)}
        with Sandbox(install(), function, environment, log=sys.stderr.buffer) as sandbox:
            outcome = sandbox.invoke(event)
    except ArtifactError as error:
        print(f"{PROG}: {error}", file=sys.stderr)
        return 2
    return report(function, outcome)


def report(function: BuiltFunction, outcome: Outcome) -> int:
    """The response on stdout (the error document when the handler raised); for an exception also one line on
    stderr, and exit status 1."""
    error = outcome.error
    if error is None or error["errorType"] != NO_RESPONSE:
        print(json.dumps(json.loads(outcome.payload), indent=2))
    if error is not None:
        print(f"{PROG}: {function.logical_id} raised {error['errorType']}: {error['errorMessage']}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
