"""Shrinking: the judge's shortcuts (known answers, the shrink memo) never change a result.

``shrink`` may skip asking the student for cases whose answers it already has (the shared
examples up to the first failure), and may follow an earlier student's path through
hypothesis' decisions instead of running hypothesis.  Both are only correct because
hypothesis, derandomized, is a function of the pass/fail answers it gets; these tests hold
the results equal to a plain hypothesis shrink, on fake predicates and on real mutants.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from graders import mutants, profiles, registry
from graders.grade.draw import same_case
from graders.grade.examples import ExampleBank
from graders.grade.shrink import ShrinkMemo, shrink
from tests.conftest import grade_source, mutant

PROFILE = profiles.get("quick")
PROP = next(
    p
    for p in registry.properties("classification")
    if p.key == "classification.softmax.softmax_shift_invariant"
)


def _predicate(threshold: float) -> tuple[Any, list[dict]]:
    """fails(case): 'wrong' when some logit times c is beyond the threshold; and its asks."""
    asked: list[dict] = []

    def fails(case: dict) -> str | None:
        asked.append(case)
        big = float(np.max(np.abs(case["z"]))) * abs(case["c"]) if case["z"].size else 0.0
        return f"too big: {big}" if big > threshold else None

    return fails, asked


def _first_failure(fails: Any) -> int:
    for i, ex in enumerate(ExampleBank(PROFILE, use_disk=False).get(PROP)):
        if fails(ex.case) is not None:
            return i
    raise AssertionError("the predicate never fails on the shared examples")


@pytest.mark.parametrize("threshold", [5.0, 300.0])
def test_memo_walk_equals_a_plain_shrink(threshold):
    """Same case and failure from hypothesis alone, a first memo run and a memo walk."""
    plain = shrink(PROP, PROFILE, _predicate(threshold)[0], 60)
    memo = ShrinkMemo()
    first = shrink(PROP, PROFILE, _predicate(threshold)[0], 60, memo=memo)
    fails, asked = _predicate(threshold)
    walked = shrink(PROP, PROFILE, fails, 60, memo=memo)
    assert plain is not None and plain[1].startswith("too big")
    assert (memo.searched, memo.walked) == (1, 1)
    for other in (first, walked):
        assert same_case(other[0], plain[0]) and other[1] == plain[1]
    assert asked  # the walk still asks the student: answers are never taken from the memo


def test_a_different_answer_leaves_the_memo_and_is_recorded():
    """A student who answers differently gets hypothesis' own shrink, then joins the memo."""
    memo = ShrinkMemo()
    shrink(PROP, PROFILE, _predicate(5.0)[0], 60, memo=memo)
    plain = shrink(PROP, PROFILE, _predicate(300.0)[0], 60)
    other = shrink(PROP, PROFILE, _predicate(300.0)[0], 60, memo=memo)
    assert same_case(other[0], plain[0]) and other[1] == plain[1]
    assert (memo.searched, memo.walked) == (2, 0)
    again = shrink(PROP, PROFILE, _predicate(300.0)[0], 60, memo=memo)
    assert same_case(again[0], plain[0]) and memo.walked == 1


def test_known_answers_are_not_asked_again():
    """The shared examples up to the first failure are answered from what the batch saw."""
    fails, _ = _predicate(5.0)
    index = _first_failure(fails)
    examples = ExampleBank(PROFILE, use_disk=False).get(PROP)
    known = [(ex.case, None) for ex in examples[:index]]
    known.append((examples[index].case, fails(examples[index].case)))
    plain_fails, plain_asked = _predicate(5.0)
    plain = shrink(PROP, PROFILE, plain_fails, 60)
    known_fails, known_asked = _predicate(5.0)
    with_known = shrink(PROP, PROFILE, known_fails, 60, known=known)
    assert same_case(with_known[0], plain[0]) and with_known[1] == plain[1]
    assert len(plain_asked) - len(known_asked) == index + 1


def test_a_known_answer_for_another_case_is_ignored():
    """A known answer counts only for exactly the case it was given for."""
    fails, asked = _predicate(5.0)
    wrong = [({"z": np.full((1, 1), 3.5), "c": 7.0}, "made up")]  # not the first case
    result = shrink(PROP, PROFILE, fails, 60, known=wrong)
    assert result is not None and result[1] != "made up"


@pytest.mark.slow
@pytest.mark.parametrize(
    "topic,mutant_id",
    [
        ("classification", "softmax_no_max_shift"),
        ("classification", "cross_entropy_grad_no_1_over_n"),
        ("batchnorm", "backward_no_mean_path"),
    ],
)
def test_a_repeated_bug_gets_the_same_feedback(judge, topic, mutant_id):
    """Two students with the same bug, and one graded with the memo off, read the same."""
    source = mutants.mutant_source(topic, mutant(topic, mutant_id))
    saved = judge.shrink_memo
    try:
        judge.shrink_memo = None
        plain = grade_source(judge, topic, source)
        judge.shrink_memo = ShrinkMemo()
        first = grade_source(judge, topic, source)
        second = grade_source(judge, topic, source)
        assert judge.shrink_memo.walked >= 1
    finally:
        judge.shrink_memo = saved
    assert plain.score < plain.max_score
    for r in (first, second):
        assert [t.output for t in r.tests] == [t.output for t in plain.tests]


def test_paths_on_disk_are_shared_between_judges(tmp_path):
    """A second judge (its own memo, the same folder) walks a path the first one wrote."""
    bank = ExampleBank(PROFILE, cache_dir=tmp_path / "examples")
    first, second = bank.shrink_memo(), bank.shrink_memo()
    plain = shrink(PROP, PROFILE, _predicate(5.0)[0], 60)
    shrink(PROP, PROFILE, _predicate(5.0)[0], 60, memo=first)
    (tmp_path / "shrinks" / bank.shrink_key(PROP) / "garbage.bin").write_bytes(b"not a frame")
    got = shrink(PROP, PROFILE, _predicate(5.0)[0], 60, memo=second)
    assert (second.searched, second.walked) == (0, 1)
    assert same_case(got[0], plain[0]) and got[1] == plain[1]


def test_a_judge_picks_up_paths_written_after_it_started(tmp_path):
    """Falling off its trie, a judge rereads the folder before running hypothesis."""
    bank = ExampleBank(PROFILE, cache_dir=tmp_path / "examples")
    early, writer = bank.shrink_memo(), bank.shrink_memo()
    shrink(PROP, PROFILE, _predicate(300.0)[0], 60, memo=early)  # loads the (empty) folder
    shrink(PROP, PROFILE, _predicate(5.0)[0], 60, memo=writer)
    shrink(PROP, PROFILE, _predicate(5.0)[0], 60, memo=early)
    assert (early.searched, early.walked) == (1, 1)


def test_a_shrink_broken_by_the_student_is_not_recorded():
    """A call that raises instead of answering (a dead worker) leaves no path behind."""
    fails, asked = _predicate(5.0)

    def breaks(case: dict) -> str | None:
        if len(asked) >= 3:
            raise RuntimeError("the worker died")
        return fails(case)

    memo = ShrinkMemo()
    shrink(PROP, PROFILE, breaks, 60, memo=memo)
    assert memo.root(PROP).case is None and not memo.root(PROP).end
