"""Mistakes a user can fix: a bad flag, template or setting, or a dependency that does not answer.

Each is reported as one line that names the flag or variable and the fix, with exit status 2, never as a
traceback. The local tools (`python -m localrun`, `python -m demo`) parse their flags with OneLineParser.
"""

from __future__ import annotations

import argparse
from typing import NoReturn


class UsageError(Exception):
    """A flag, setting or dependency the tool cannot work with; the message names it and the fix."""


class TemplateError(UsageError):
    """The template cannot be read, or something in it is not what SAM allows."""


class OneLineParser(argparse.ArgumentParser):
    """argparse that reports a mistake in one line (`prog: error: ...`); the usage is one --help away."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")
