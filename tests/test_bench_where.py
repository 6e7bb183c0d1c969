"""tests/bench/where.py: how a profile's time is split into stages (make bench's 2nd table)."""

from __future__ import annotations

import cProfile
import pstats

import numpy as np

from graders import compare
from tests.bench import where


def _profile(fn, *args) -> pstats.Stats:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(200):
        fn(*args)
    profiler.disable()
    return pstats.Stats(profiler)


def test_numpy_time_is_charged_to_the_propgrade_function_that_called_it():
    """compare.fmt's time in NumPy's array2string counts as the compare stage, and the
    stages add up to the profile's whole time."""
    stats = _profile(compare.fmt, np.linspace(0.0, 1.0, 50))
    parts = where.breakdown(stats)
    assert abs(sum(parts.values()) - stats.total_tt) < 1e-6  # type: ignore[attr-defined]
    assert parts["compare"] > 0.9 * stats.total_tt  # type: ignore[attr-defined]


def test_code_that_is_not_propgrades_alone_is_other():
    """Time with no propgrade frame above it is not given to any stage of ours."""
    stats = _profile(np.sort, np.arange(1000.0)[::-1])
    parts = where.breakdown(stats)
    assert set(parts) == {"other"}
