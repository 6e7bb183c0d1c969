"""Draws depend on the seed and the strategy only, not on which local modules are loaded."""

from __future__ import annotations

import contextlib
import importlib
import sys

from graders import profiles, registry
from graders.grade import draw

PROFILE = profiles.get("quick")
#: a module full of float literals, as a catalog or a course's own helpers would be
CONSTANTS = "VALUES = [" + ", ".join(f"{k * 0.37 - 40:.6f}" for k in range(300)) + "]\n"


def _cases(prop) -> list:
    cases: list = []
    draw.run_hypothesis(prop, PROFILE, profiles.GENERATE, cases.append)
    return cases


def _differ(a: list, b: list) -> bool:
    return len(a) != len(b) or not all(draw.same_case(x, y) for x, y in zip(a, b))


def _draws_before_and_after_a_new_local_module(tmp_path, monkeypatch, name: str):
    prop = next(p for p in registry.properties("backprop") if p.max_examples != 0)
    before = _cases(prop)
    (tmp_path / f"{name}.py").write_text(CONSTANTS)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.import_module(name)
    try:
        return before, _cases(prop)
    finally:
        sys.modules.pop(name, None)


def test_loading_a_local_module_with_constants_changes_no_drawn_case(tmp_path, monkeypatch):
    """``validate`` (the catalog loaded) and ``grade`` draw the same examples."""
    before, after = _draws_before_and_after_a_new_local_module(
        tmp_path, monkeypatch, "pg_constants_a"
    )
    assert not _differ(before, after)


def test_without_the_guard_hypothesis_draws_the_new_constants(tmp_path, monkeypatch):
    """The test above can fail: hypothesis's own behaviour does change the draws."""
    monkeypatch.setattr(draw, "no_local_constants", contextlib.nullcontext)
    before, after = _draws_before_and_after_a_new_local_module(
        tmp_path, monkeypatch, "pg_constants_b"
    )
    assert _differ(before, after)
