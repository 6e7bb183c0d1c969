"""Feedback for typical backprop mistakes: readable, specific, and free of reference code."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from graders import mutants, registry
from tests.conftest import grade_source, mutant, public_failures

pytestmark = pytest.mark.slow  # end-to-end: grades catalog mutants through the worker

TOPIC = "backprop"


def test_transposed_weight_gradient_shows_layer_input_and_values(judge):
    """A transposed dW fails the square-layer gradient check with the layer, input and values."""
    failed = public_failures(judge, TOPIC, "backward_transposed_weight_gradient")
    output = failed[next(n for n in failed if "gradient check" in n)]
    assert output.startswith("Checked: passes a gradient check")
    assert "Failing input: params = [(array(" in output
    assert re.search(
        r"backward_pass\(params, x, y\)\[\d\]\[0\] \(dC/dW of layer \d\) vs central "
        r"differences: got \S+, expected \S+ at index \(\d+, \d+\)",
        output,
    )
    assert "Hint:" in output and "transposed" in output


def test_overflowing_sigmoid_is_reported_as_non_finite(judge):
    """exp(z)/(1+exp(z)) is named as returning nan at |z| ~ 1e3, with the stable-form hint."""
    failed = public_failures(judge, TOPIC, "sigmoid_exp_ratio")
    assert list(failed) and all(n.startswith("sigmoid:") for n in failed)
    output = next(iter(failed.values()))
    assert "sigmoid(z) contains nan" in output and "expected finite numbers" in output
    assert "Failing input: z = array([-10000." in output
    assert "-|z|" in output


def test_one_sided_difference_shows_the_eps_it_was_called_with(judge):
    """One-sided differences fail the central-difference check showing eps, got and expected."""
    failed = public_failures(judge, TOPIC, "numerical_gradient_one_sided")
    output = failed[next(n for n in failed if "central differences" in n)]
    assert "numerical_gradient(f, theta, eps=0.5): got 3.5, expected 2.5" in output
    assert "Failing input: theta = array([1.0, -2.0])" in output


def _degenerate_source(entry_id: str) -> str:
    entry = next(d for d in mutants.degenerates(TOPIC) if d.id == entry_id)
    return mutants.mutant_source(TOPIC, entry)


def test_constant_half_sigmoid_gets_nothing_for_its_symmetry(judge):
    """σ = 0.5 everywhere satisfies σ(-z) = 1 - σ(z): the gate keeps that test at 0 and says
    which defining check it waits for."""
    result = grade_source(judge, TOPIC, _degenerate_source("sigmoid_half"), hidden=False)
    sigmoid = [t for t in result.tests if t.function == "sigmoid"]
    assert sigmoid and sum(t.score for t in sigmoid) == 0
    symmetry = next(t for t in sigmoid if t.key.endswith(".sigmoid_symmetric"))
    assert symmetry.status == "failed"
    assert "This check passed" in symmetry.output and "equals torch.sigmoid" in symmetry.output


def test_only_sigmoid_properties_forbid_warnings():
    """SPEC says "no overflow warnings" for sigmoid alone: every sigmoid property, public and
    hidden, fails an example that warns, and no other backprop property does."""
    props = registry.properties(TOPIC)
    assert {p.function for p in props if p.forbid_warnings} == {"sigmoid"}
    assert all(p.forbid_warnings for p in props if p.function == "sigmoid")


def _warns(module, z: np.ndarray) -> bool:
    with warnings.catch_warnings(), np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("error", RuntimeWarning)
        try:
            module.sigmoid(z)
        except RuntimeWarning:
            return True
    return False


def test_correct_sigmoids_are_silent_where_the_textbook_form_warns():
    """On the sigmoid properties' own examples the reference and every correct sigmoid of the
    catalog emit no RuntimeWarning, and 1 / (1 + exp(-z)) does: forbid_warnings can only
    cost the textbook form (trusted catalog code, run here on the test's side)."""
    examples = [
        e["z"] for p in registry.properties(TOPIC) if p.function == "sigmoid" for e in p.examples
    ]
    silent = [mutants.load_module("reference", mutants.reference_source(TOPIC))]
    silent += [
        mutants.load_module(v.id, mutants.mutant_source(TOPIC, v))
        for v in mutants.variants(TOPIC)
        if v.function == "sigmoid"
    ]
    assert len(silent) >= 5
    for module in silent:
        assert not any(_warns(module, z) for z in examples), module.__name__
    textbook = mutant(TOPIC, "sigmoid_textbook_overflow")
    assert any(
        _warns(mutants.load_module(textbook.id, mutants.mutant_source(TOPIC, textbook)), z)
        for z in examples
    )
