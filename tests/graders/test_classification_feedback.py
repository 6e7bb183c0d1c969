"""Feedback of the classification graders on typical mutants: readable, no reference code."""

from __future__ import annotations

import pytest

from graders import mutants, registry
from tests.conftest import FIXTURES, failed_functions, failed_tests, grade_mutant, grade_source

pytestmark = pytest.mark.slow  # end-to-end: grades catalog mutants through the worker

TOPIC = "classification"


@pytest.fixture(scope="module")
def graded(judge):
    """Public feedback for each mutant of the catalog, by mutant id."""
    return {m.id: grade_mutant(judge, TOPIC, m.id, hidden=False) for m in mutants.mutants(TOPIC)}


def test_softmax_along_axis_0_reports_the_row_sums(graded):
    """Softmax over axis 0 fails on row sums, showing the input and got vs expected."""
    result = graded["softmax_axis_0"]
    assert failed_functions(result) == {"softmax"}
    out = failed_tests(result, "softmax")[0].output
    assert "Failing input: z = " in out
    assert "the sum of each row of softmax(z): got " in out and "expected 1" in out


def test_log_of_softmax_reports_minus_infinity(graded):
    """log(softmax) on logits ±1e4 is reported as a -inf entry with the log-sum-exp hint."""
    out = failed_tests(graded["log_softmax_log_of_softmax"], "log_softmax")[0].output
    assert "Failing input: z = " in out and "contains -inf" in out and "log-sum-exp" in out


def test_summed_cross_entropy_shows_got_and_expected(graded):
    """A summed cross-entropy shows the labels and both values."""
    out = failed_tests(graded["cross_entropy_sum"], "cross_entropy")[0].output
    assert "labels = " in out and "cross_entropy(logits, labels): got " in out


# --- points only for correctness (issue 11) ---------------------------------------------

GATED = "This check passed, but on its own it does not show"


def _degenerate_source(entry_id: str) -> str:
    entry = next(d for d in mutants.degenerates(TOPIC) if d.id == entry_id)
    return mutants.mutant_source(TOPIC, entry)


def _earned(result, function: str) -> float:
    return sum(t.score for t in result.tests if t.function == function)


def test_uniform_softmax_earns_nothing_and_is_told_why(judge):
    """The field's uniform softmax (a probability vector, shift invariant) scores 0 on
    softmax: its relations are gated and say so; the defining check shows got vs expected."""
    result = grade_source(judge, TOPIC, _degenerate_source("softmax_field_uniform"))
    assert _earned(result, "softmax") == 0
    softmax = [t for t in result.tests if t.function == "softmax"]
    gated = [t for t in softmax if GATED in t.output]
    assert {t.key.rsplit(".", 1)[1] for t in gated} == {
        "softmax_rows_are_distributions",
        "softmax_shift_invariant",
    }
    defining = next(t for t in softmax if t.key.endswith("softmax_matches_torch"))
    assert (
        "softmax(z): got " in defining.output and "rounding errors of the scale" in defining.output
    )


@pytest.mark.parametrize("fixture", ["lying_ndarray_subclass", "monkeypatches_numpy"])
def test_hostile_zeros_earn_nothing_on_relations(judge, fixture):
    """The hostile fixtures whose outputs are zeros (a lying ndarray subclass, numpy
    monkeypatched in the worker) earn points on their honest softmax only; the relations
    their zeros satisfy (log_softmax's shift invariance, gradient rows summing to 0) are
    gated."""
    data = (FIXTURES / "hostile" / fixture / f"{TOPIC}.py").read_bytes()
    result = grade_source(judge, TOPIC, data)
    assert {t.function for t in result.tests if t.score > 0} == {"softmax"}
    assert _earned(result, "softmax") == sum(
        t.max_score for t in result.tests if t.function == "softmax"
    )
    gated = {t.key.rsplit(".", 1)[1] for t in result.tests if GATED in t.output}
    assert {"log_softmax_shift_invariant", "cross_entropy_grad_rows_sum_to_zero"} <= gated


def test_softmax_properties_try_1d_to_3d_input(judge):
    """SPEC's "along the last axis": every softmax and log_softmax property is tried on
    1-D, 2-D and 3-D logits."""
    props = [p for p in registry.properties(TOPIC) if p.function in ("softmax", "log_softmax")]
    assert len(props) == 7
    for p in props:
        ranks = {ex.case["z"].ndim for ex in judge.bank.get(p)}
        assert ranks == {1, 2, 3}, (p.key, ranks)


def test_global_max_shift_is_caught_on_rows_far_below_the_maximum(graded):
    """A shift by the whole array's maximum is caught: some row underflows to 0 / 0."""
    out = failed_tests(graded["softmax_global_max_shift"], "softmax")[0].output
    assert "Failing input: z = " in out and "nan" in out
