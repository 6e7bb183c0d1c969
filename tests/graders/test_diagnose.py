"""Misconception diagnosis names known mistakes, stays silent otherwise, never changes scores."""

from __future__ import annotations

import numpy as np
import pytest

from graders import mutants, profiles, registry
from graders.diagnose import diagnoser_for, same
from graders.grade.runner import Judge, Submission

TOPIC = "classification"


@pytest.fixture(scope="module")
def judges():
    plain = Judge.create(profiles.get("grading"))
    diag = Judge.create(profiles.get("grading"), diagnose=diagnoser_for(TOPIC))
    yield plain, diag
    plain.close()
    diag.close()


def _grade(judge, source):
    props = registry.properties(TOPIC)
    return judge.grade(Submission("s", TOPIC, {f"{TOPIC}.py": source.encode()}), TOPIC, props)


def _named(topic):
    return [m for m in mutants.mutants(topic) if m.misconception]


@pytest.mark.parametrize("mutant", _named(TOPIC), ids=lambda m: m.id)
def test_a_catalog_mistake_is_named_in_the_feedback(judges, mutant):
    """A student whose code is a named mutant sees that misconception in the failing test."""
    r = _grade(judges[1], mutants.mutant_source(TOPIC, mutant))
    named = [t for t in r.tests if t.misconception == mutant.misconception]
    assert named, [t.output for t in r.tests if t.status == "failed"]
    assert all(t.status == "failed" and "Likely mistake:" in t.output for t in named)


def test_an_unknown_mistake_is_not_named(judges):
    """A wrong softmax unlike any catalog entry gets feedback but no misconception."""
    src = mutants.splice(mutants.reference_source(TOPIC),
                         "def softmax(z):\n    return np.ones_like(z) / 2\n")
    r = _grade(judges[1], src)
    failed = [t for t in r.tests if t.status == "failed"]
    assert failed and all(t.misconception is None for t in failed)


def test_diagnosis_never_changes_a_score(judges):
    """Scores and statuses are identical with and without diagnosis, for every mutant."""
    for m in mutants.mutants(TOPIC)[:4]:
        src = mutants.mutant_source(TOPIC, m)
        a, b = _grade(judges[0], src), _grade(judges[1], src)
        assert [(t.key, t.score, t.status) for t in a.tests] == \
               [(t.key, t.score, t.status) for t in b.tests]


def test_misconception_text_shows_no_reference_code():
    """No catalog misconception quotes a line of the reference's solution code."""
    for topic in registry.ASSIGNMENTS:
        solution = [ln.strip() for ln in mutants.reference_source(topic).splitlines()
                    if ln.strip() and not ln.strip().startswith(("#", '"', "def ", "return"))]
        code_lines = {ln for ln in solution if "=" in ln and len(ln) > 15}
        for m in _named(topic):
            assert not any(ln in m.misconception for ln in code_lines), m.id


def test_same_compares_structure_and_values():
    """Answers match only with equal structure and values within 1e-9 (NaNs equal)."""
    assert same((np.array([1.0, np.nan]), 2.0), (np.array([1.0, np.nan]), 2.0 + 1e-12))
    assert not same((np.array([1.0]), 2.0), [np.array([1.0])])
    assert not same(np.zeros(2), np.zeros(3))


def test_same_is_scale_aware():
    """Tiny answers (1e-24) that differ by a factor are not the same answer."""
    assert not same(np.array([1e-24]), np.array([2e-24]))
    assert same(np.array([1e-24]), np.array([1e-24 * (1 + 1e-12)]))
