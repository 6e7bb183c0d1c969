"""Every grader proven on the catalog: reference full, stub zero, mutants caught, variants full."""

from __future__ import annotations

import pytest

from graders import mutants, registry
from graders.assign.stubs import stub_for
from tests.conftest import failed_functions, grade_source

TOPICS = [t for t in registry.ASSIGNMENTS
          if (mutants.REFERENCE_DIR.parent / "graders" / "mutants" / f"{t}.py").exists()]


@pytest.mark.parametrize("topic", TOPICS)
def test_reference_scores_full_marks(judge, topic):
    """The reference earns every point, public and hidden."""
    result = grade_source(judge, topic, mutants.reference_source(topic))
    failing = {t.name: t.output for t in result.tests if t.status != "passed"}
    assert failing == {}
    assert result.score == result.max_score == registry.get(topic).total_points


@pytest.mark.parametrize("topic", TOPICS)
def test_stub_scores_zero(judge, topic):
    """The generated student stub earns nothing and every test says it is not implemented."""
    result = grade_source(judge, topic, stub_for(topic))
    assert result.score == 0
    assert all("not implemented" in t.output for t in result.tests)


def _entries(kind):
    return [pytest.param(t, e, id=f"{t}-{e.id}")
            for t in TOPICS for e in getattr(mutants, kind)(t)]


@pytest.mark.parametrize(("topic", "mutant"), _entries("mutants"))
def test_mutant_loses_points_on_exactly_its_function(judge, topic, mutant):
    """A single-bug mutant fails at least one property of its function and no other's."""
    result = grade_source(judge, topic, mutants.mutant_source(topic, mutant))
    assert mutant.function in failed_functions(result), f"{mutant.id} was not caught"
    assert failed_functions(result) <= {mutant.function}


@pytest.mark.parametrize(("topic", "variant"), _entries("variants"))
def test_correct_variant_scores_full_marks(judge, topic, variant):
    """A correct implementation written differently earns every point."""
    result = grade_source(judge, topic, mutants.mutant_source(topic, variant))
    failing = {t.name: t.output for t in result.tests if t.status != "passed"}
    assert failing == {}


@pytest.mark.parametrize("topic", TOPICS)
def test_points_add_up_to_the_registry_totals(topic):
    """Public and hidden points match the registry's fixed totals."""
    props = registry.properties(topic)
    spec = registry.get(topic)
    assert sum(p.points for p in props if p.visibility == "public") == spec.public_points
    assert sum(p.points for p in props if p.visibility == "hidden") == spec.hidden_points
    assert {p.function for p in props} == set(spec.functions)


@pytest.mark.parametrize("topic", TOPICS)
def test_catalog_is_big_enough(topic):
    """At least six mutants, three named misconceptions and two correct variants per topic."""
    ms = mutants.mutants(topic)
    assert len(ms) >= 6
    assert sum(m.misconception is not None for m in ms) >= 3
    assert len(mutants.variants(topic)) >= 2
