"""Misconception diagnosis names known mistakes, stays silent otherwise, never changes scores;
the data a release ships for it holds the student profile's examples and names the same."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from graders import mutants, profiles, registry
from graders.check import misconceptions
from graders.compare import Failure
from graders.diagnose import diagnoser_for, freeze, same
from graders.grade.draw import same_case
from graders.grade.examples import ExampleBank
from graders.grade.runner import Judge, Submission
from graders.sandbox.client import Worker

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


@pytest.mark.slow
@pytest.mark.parametrize("mutant", _named(TOPIC), ids=lambda m: m.id)
def test_a_catalog_mistake_is_named_in_the_feedback(judges, mutant):
    """A student whose code is a named mutant sees that misconception in the failing test."""
    r = _grade(judges[1], mutants.mutant_source(TOPIC, mutant))
    named = [t for t in r.tests if t.misconception == mutant.misconception]
    assert named, [t.output for t in r.tests if t.status == "failed"]
    assert all(t.status == "failed" and "Likely mistake:" in t.output for t in named)


@pytest.mark.slow
def test_an_unknown_mistake_is_not_named(judges):
    """A wrong softmax unlike any catalog entry gets feedback but no misconception."""
    src = mutants.splice(
        mutants.reference_source(TOPIC), "def softmax(z):\n    return np.ones_like(z) / 2\n"
    )
    r = _grade(judges[1], src)
    failed = [t for t in r.tests if t.status == "failed"]
    assert failed and all(t.misconception is None for t in failed)


@pytest.mark.slow
@pytest.mark.parametrize("mutant", mutants.mutants(TOPIC), ids=lambda m: m.id)
def test_diagnosis_never_changes_a_score(judges, mutant):
    """Scores and statuses are identical with and without diagnosis, for every mutant."""
    src = mutants.mutant_source(TOPIC, mutant)
    a, b = _grade(judges[0], src), _grade(judges[1], src)
    assert [(t.key, t.score, t.status) for t in a.tests] == [
        (t.key, t.score, t.status) for t in b.tests
    ]
    assert a.score < a.max_score  # a mutant: there is a score diagnosis could have changed


def test_misconception_text_shows_no_reference_code():
    """No catalog misconception quotes a line of the reference's solution code."""
    for topic in registry.ASSIGNMENTS:
        solution = [
            ln.strip()
            for ln in mutants.reference_source(topic).splitlines()
            if ln.strip() and not ln.strip().startswith(("#", '"', "def ", "return"))
        ]
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


# --- the data a release ships (graders.check.misconceptions) -----------------------------


@pytest.fixture(scope="module")
def frozen() -> misconceptions.Frozen:
    """classification's shipped data, through its bytes (as the checker reads it)."""
    return misconceptions.Frozen.from_bytes(freeze(TOPIC).to_bytes())


def _public():
    return [p for p in registry.properties(TOPIC, hidden=False) if p.visibility == "public"]


def _data_judge(data: misconceptions.Frozen) -> Judge:
    bank = misconceptions.FrozenBank(data, profiles.get(data.profile))
    return Judge(
        Worker(), bank, bank.profile, misconceptions.diagnoser(data), shrink_memo=bank.shrink_memo()
    )


@pytest.mark.slow
def test_frozen_examples_are_the_student_profiles_examples(frozen):
    """The shipped cases are bit for bit the student profile's examples of each property."""
    bank = ExampleBank(profiles.get("student"))
    for prop in _public():
        drawn = [ex.case for ex in bank.get(prop)]
        assert len(drawn) == len(frozen.cases[prop.key]) > 0
        assert same_case(drawn, frozen.cases[prop.key]), prop.key


@pytest.mark.slow
def test_frozen_answers_survive_the_bytes_bit_for_bit(frozen):
    """Every recorded answer decodes to exactly what the mutant answered (arrays lossless)."""
    direct = freeze(TOPIC)
    assert direct.sentences == frozen.sentences and direct.sentences
    for key, mistakes in direct.mistakes.items():
        back = frozen.mistakes[key]
        assert [m.id for m in mistakes] == [m.id for m in back]
        for m, b in zip(mistakes, back):
            assert m.answers.keys() == b.answers.keys() and m.answers
            assert all(same_case(m.answers[i], b.answers[i]) for i in m.answers)


@pytest.mark.slow
@pytest.mark.parametrize("mutant", _named(TOPIC), ids=lambda m: m.id)
def test_shipped_data_names_each_catalog_mistake(frozen, mutant):
    """With only the shipped data (no catalog), a named mutant hears its own misconception."""
    judge = _data_judge(frozen)
    try:
        r = judge.grade(
            Submission("s", TOPIC, {f"{TOPIC}.py": mutants.mutant_source(TOPIC, mutant).encode()}),
            TOPIC,
            _public(),
        )
    finally:
        judge.close()
    named = [t for t in r.tests if t.misconception == mutant.misconception]
    assert named and all("Likely mistake:" in t.output for t in named), [
        t.output for t in r.tests if t.status == "failed"
    ]


@pytest.mark.slow
def test_a_mistake_missing_from_the_data_is_not_named(frozen):
    """A wrong softmax is named only by its own answers: drop them, and no sibling's name
    (softmax has another named mistake in the data) is given instead."""
    wrong = next(m for m in _named(TOPIC) if m.id == "softmax_axis_0")
    kept = {k: [m for m in v if m.id != wrong.id] for k, v in frozen.mistakes.items()}
    assert any(kept[p.key] for p in _public() if p.function == "softmax")
    judge = _data_judge(dataclasses.replace(frozen, mistakes=kept))
    try:
        r = judge.grade(
            Submission("s", TOPIC, {f"{TOPIC}.py": mutants.mutant_source(TOPIC, wrong).encode()}),
            TOPIC,
            _public(),
        )
    finally:
        judge.close()
    failed = [t for t in r.tests if t.status == "failed"]
    assert failed and all(t.misconception is None for t in failed)


@pytest.mark.slow
def test_data_diagnoser_names_only_answers_on_the_frozen_example(frozen):
    """The recorded answers name the mistake on their own example only: not on another
    case at that index, not for a failure that did not come from the answers, and not for
    a trace that goes on past them."""
    key, mistake = next((k, v[0]) for k, v in frozen.mistakes.items() if v)
    prop = next(p for p in _public() if p.key == key)
    index, answers = next(iter(mistake.answers.items()))
    case = frozen.cases[key][index]
    diagnose = misconceptions.diagnoser(frozen)

    def failure(kind: str = "value", trace=answers) -> Failure:
        f = Failure("wrong", kind=kind)
        f.trace = list(trace)
        return f

    assert diagnose(prop, index, case, failure()) == frozen.sentences[mistake.id]
    other = frozen.cases[key][(index + 1) % len(frozen.cases[key])]
    assert not same_case(other, case)
    assert diagnose(prop, index, other, failure()) is None
    assert diagnose(prop, index, case, failure("error")) is None
    assert diagnose(prop, index, case, failure(trace=answers + answers)) is None
