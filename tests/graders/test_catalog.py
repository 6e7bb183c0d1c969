"""Every grader proven on the catalog, through `propgrade validate`'s own code.

Reference full marks, stub zero, every mutant caught on exactly its function, every degenerate
entry exactly zero on its function, every correct variant full marks — for every assignment
(this is how `make test` runs validate).
"""

from __future__ import annotations

from functools import cache

import pytest

from graders import mutants, registry
from graders.validate import Matrix, validate
from tests.conftest import public_failures, solution_lines

TOPICS = list(registry.ASSIGNMENTS)


@cache
def matrix(topic: str) -> Matrix:
    return validate(topic, sandbox="plain")


def _row(topic: str, name: str):
    return next(r for r in matrix(topic).rows if r.name == name)


def _detail(row) -> str:
    return "\n".join(
        f"{t.name}: {t.output[:300]}" for t in row.result.tests if t.status != "passed"
    )


@pytest.mark.slow
@pytest.mark.parametrize("topic", TOPICS)
def test_reference_scores_full_marks(topic):
    """The reference earns every point, public and hidden."""
    row = _row(topic, "reference")
    assert row.ok, _detail(row)
    assert row.result.score == registry.get(topic).total_points


@pytest.mark.slow
@pytest.mark.parametrize("topic", TOPICS)
def test_stub_scores_zero(topic):
    """The generated student stub earns nothing and every test says it is not implemented."""
    row = _row(topic, "stub")
    assert row.result.score == 0
    assert all("not implemented" in t.output for t in row.result.tests)


def _entries(kind):
    return [
        pytest.param(t, e.id, id=f"{t}-{e.id}") for t in TOPICS for e in getattr(mutants, kind)(t)
    ]


@pytest.mark.slow
@pytest.mark.parametrize(("topic", "name"), _entries("mutants"))
def test_mutant_loses_points_on_exactly_its_function(topic, name):
    """A single-bug mutant fails at least one property of its function and no other's."""
    row = _row(topic, name)
    assert row.ok, f"{row.verdict}\n{_detail(row)}"


@pytest.mark.slow
@pytest.mark.parametrize(("topic", "name"), _entries("degenerates"))
def test_degenerate_entry_scores_exactly_zero_on_its_function(topic, name):
    """Zeros, ones, the input unchanged, the uniform distribution or shape-right noise earn
    nothing on the function they stand in for, and cost nothing elsewhere."""
    row = _row(topic, name)
    assert row.target_score == 0, f"{row.verdict}\n{_detail(row)}"
    assert row.ok, f"{row.verdict}\n{_detail(row)}"


@pytest.mark.parametrize("topic", TOPICS)
def test_every_function_has_degenerate_entries(topic):
    """Each exercise function has at least two degenerate entries in the catalog."""
    counts = {f: 0 for f in registry.get(topic).functions}
    for d in mutants.degenerates(topic):
        counts[d.function] += 1
    assert min(counts.values()) >= 2, counts


@pytest.mark.parametrize("topic", TOPICS)
def test_every_function_has_a_public_defining_property(topic):
    """Relational properties are gated on defining ones, so each function needs a public
    defining (non-relational) property: otherwise the student checker could never score it."""
    props = registry.properties(topic)
    defining = {p.function for p in props if p.visibility == "public" and not p.relational}
    assert defining == set(registry.get(topic).functions)
    keys = {p.key for p in props}
    for p in props:
        for name in p.gated_on:
            assert f"{p.exercise}.{name}" in keys, f"{p.key}: unknown gate {name}"


@pytest.mark.slow
@pytest.mark.parametrize(("topic", "name"), _entries("variants"))
def test_correct_variant_scores_full_marks(topic, name):
    """A correct implementation written differently earns every point."""
    row = _row(topic, name)
    assert row.ok, _detail(row)


@pytest.mark.slow
@pytest.mark.parametrize("topic", TOPICS)
def test_named_misconceptions_are_diagnosed(topic):
    """At least three mutants per topic are named by diagnosis in their own feedback."""
    named = [r for r in matrix(topic).rows if r.kind == "mutant" and r.misconception_named]
    assert len(named) >= 3, [r.name for r in named]


@pytest.mark.parametrize("topic", TOPICS)
def test_registry_totals_are_the_properties_points(topic):
    """The registry's public, hidden and total points are the sums of the @prop decorators
    (no manifest holds points); every function is graded both publicly and hidden."""
    props = registry.properties(topic)
    spec = registry.get(topic)
    public = sum(p.points for p in props if p.visibility == "public")
    hidden = sum(p.points for p in props if p.visibility == "hidden")
    assert (spec.public_points, spec.hidden_points) == (public, hidden)
    assert spec.total_points == public + hidden == sum(spec.points.values())
    assert "points" not in spec.course.manifest(topic).__dict__
    for vis in ("public", "hidden"):
        assert {p.function for p in props if p.visibility == vis} == set(spec.functions)


@pytest.mark.parametrize("topic", TOPICS)
def test_bundled_assignments_are_worth_10_public_and_10_hidden_points(topic):
    """A content check of the bundled course: each assignment totals 10 public + 10 hidden."""
    spec = registry.get(topic)
    assert (spec.public_points, spec.hidden_points) == (10, 10)


@pytest.mark.parametrize("topic", TOPICS)
def test_catalog_is_big_enough(topic):
    """At least six mutants, three named misconceptions and two correct variants per topic."""
    ms = mutants.mutants(topic)
    assert len(ms) >= 6
    assert sum(m.misconception is not None for m in ms) >= 3
    assert len(mutants.variants(topic)) >= 2
    assert len({m.id for m in ms}) == len(ms)


@pytest.mark.slow
@pytest.mark.parametrize("topic", TOPICS)
def test_no_feedback_shows_reference_code(topic):
    """No line of the reference's solutions appears in any feedback, hint or misconception
    that any catalog submission (stub, mutants, variants) receives."""
    secret = solution_lines(topic)
    assert secret
    for row in matrix(topic).rows:
        for t in row.result.tests:
            shown = t.output + (t.misconception or "")
            leaked = [ln for ln in secret if ln in shown]
            assert leaked == [], f"{row.name} / {t.name} shows reference code: {leaked}"


@pytest.mark.slow
@pytest.mark.parametrize(
    "topic,mutant_id",
    [
        ("backprop", "backward_missing_sigmoid_prime"),
        ("backprop", "backward_mean_over_batch"),
        ("backprop", "forward_sigmoid_on_output"),
        ("backprop", "sigmoid_derivative_of_z"),
        ("critical_points", "numerical_hessian_one_sided"),
        ("critical_points", "taylor_missing_half"),
        ("critical_points", "minimum_ratio_counts_zeros"),
        ("critical_points", "escape_eigenvector_row"),
        ("landscape", "eigen_counts_strict"),
        ("landscape", "hessian_gauss_newton_block"),
        ("landscape", "hessian_one_sided"),
        ("landscape", "hessian_unsymmetrised"),
        ("landscape", "finder_descends_loss"),
        ("landscape", "experiment_fixed_seed"),
    ],
)
def test_public_failures_name_the_function_and_show_no_reference_code(judge, topic, mutant_id):
    """A mutant fails a public test whose message names the function, at the full example
    count, and no line of the reference's solutions appears in it."""
    failed = public_failures(judge, topic, mutant_id)
    assert failed, f"{mutant_id} should fail a public test"
    secret = solution_lines(topic)
    for name, output in failed.items():
        function = name.split(":")[0]
        assert f"{function}(" in output, f"{name}: the message does not name {function}"
        leaked = [ln for ln in secret if ln in output]
        assert leaked == [], f"{name} shows reference code: {leaked}"
