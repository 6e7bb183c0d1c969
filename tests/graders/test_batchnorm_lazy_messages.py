"""batchnorm's trajectory descriptions are made only on failure (compare.Lazy), and a failing
step's message still reads word for word as when it was rendered for every check.

``check_trajectory`` runs in-process on catalog functions (our code, never a student's),
fed the trajectory the worker would have threaded.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from graders import compare, mutants
from graders.public.batchnorm import check_trajectory, running_stats_match_torch, trajectory
from reference import batchnorm as ref

TOPIC = "batchnorm"
#: the public property's explicit example: zero / unit statistics, momentum 0.1, two batches
CASE = dict(running_stats_match_torch.examples[0])


def _entry(entry_id: str) -> Callable[..., Any]:
    entries = mutants.mutants(TOPIC) + mutants.variants(TOPIC)
    return next(e.code for e in entries if e.id == entry_id)


def _trajectory(update: Callable[..., Any], case: dict[str, Any]) -> list[Any]:
    """Each step's (mean, var), each step starting from the previous step's answer."""
    state, steps = (case["running_mean"], case["running_var"]), []
    for x in case["xs"]:
        state = update(*state, x, momentum=case["momentum"])
        steps.append(state)
    return steps


def _check(results: list[Any]) -> None:
    steps = _trajectory(ref.update_running_stats, CASE)
    check_trajectory(
        results,
        trajectory(steps, CASE["running_mean"], CASE["running_var"], CASE["xs"]),
        CASE["running_mean"],
        CASE["running_var"],
        CASE["xs"],
        CASE["momentum"],
    )


def test_failing_step_names_its_state_batch_and_momentum_word_for_word():
    """Swapped momentum fails on batch 1 with the message the eager rendering gave: the state
    it started from and the batch through array2string, and the momentum."""
    with pytest.raises(compare.Failure) as caught:
        _check(_trajectory(_entry("running_momentum_swapped"), CASE))
    assert caught.value.message == (
        "running_mean after batch 1 of 2 (from running_mean = array([0., 0.]), batch x = "
        "array([[ 1.5, -2. ],\n [ 1.5,  3. ]]), momentum = 0.1): got 1.35, expected "
        "0.15000000000000002 at index (0,) (error 1.2; tolerance 2.13e-14 = 64 rounding "
        "errors of the scale 3); 2 of 2 entries differ"
    )


def test_failing_later_step_names_the_submissions_own_state():
    """A step after the first names the state the submission itself returned before it."""
    results = _trajectory(ref.update_running_stats, CASE)
    var1 = results[0][1]
    results[1] = (results[1][0], results[1][1] + 1.0)
    with pytest.raises(compare.Failure) as caught:
        _check(results)
    message = caught.value.message
    assert message.startswith(
        f"running_var after batch 2 of 2 (from running_var = {compare.fmt(var1)}, batch x = "
        f"{compare.fmt(CASE['xs'][1])}, momentum = 0.1): got "
    )


def test_passing_trajectory_renders_nothing(monkeypatch):
    """A correct trajectory is checked without formatting any value (fmt is never called)."""

    def no_fmt(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("a passing check rendered a value")

    monkeypatch.setattr(compare, "fmt", no_fmt)
    _check(_trajectory(_entry("running_torch_lerp"), CASE))
