"""The garbage collector a function's init leaves behind: init's objects frozen, young collections rarer."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from typing import Any

import pytest

from order_core.entrypoints import collector
from order_core.entrypoints.telemetry import instrumented


@pytest.fixture
def default_collector() -> Iterator[None]:
    """CPython's defaults, as a fresh interpreter has them; the test process's own settings come back after."""
    before = gc.get_threshold()
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


@pytest.mark.usefixtures("default_collector")
def test_building_a_handler_settles_the_collector() -> None:
    assert gc.get_freeze_count() == 0

    instrumented(lambda event, context: {})

    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == (collector.YOUNG_THRESHOLD, 10, 10)


class _Node:
    def __init__(self) -> None:
        self.me: Any = self


@pytest.mark.usefixtures("default_collector")
def test_cycles_made_after_init_are_still_collected() -> None:
    collector.settle()
    cycle = _Node()
    gone = weakref.ref(cycle)
    del cycle
    assert gone() is not None  # reference counting alone cannot free a cycle

    gc.collect()

    assert gone() is None
