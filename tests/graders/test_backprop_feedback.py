"""Feedback for typical backprop mistakes: readable, specific, and free of reference code."""

from __future__ import annotations

import re

import pytest

from graders import mutants
from tests.conftest import grade_source, solution_lines

TOPIC = "backprop"


def public_failures(judge, mutant_id: str) -> dict[str, str]:
    """Test name -> output of the public tests a catalog mutant fails."""
    mutant = next(m for m in mutants.mutants(TOPIC) if m.id == mutant_id)
    result = grade_source(judge, TOPIC, mutants.mutant_source(TOPIC, mutant), hidden=False)
    return {t.name: t.output for t in result.tests if t.status == "failed"}


def test_transposed_weight_gradient_shows_layer_input_and_values(judge):
    """A transposed dW fails the square-layer gradient check with the layer, input and values."""
    failed = public_failures(judge, "backward_transposed_weight_gradient")
    output = failed[next(n for n in failed if "gradient check" in n)]
    assert output.startswith("Checked: passes a gradient check")
    assert "Failing input: params = [(array(" in output
    assert re.search(r"backward_pass\(params, x, y\)\[\d\]\[0\] \(dC/dW of layer \d\) vs central "
                     r"differences: got \S+, expected \S+ at index \(\d+, \d+\)", output)
    assert "Hint:" in output and "transposed" in output


def test_overflowing_sigmoid_is_reported_as_non_finite(judge):
    """exp(z)/(1+exp(z)) is named as returning nan at |z| ~ 1e3, with the stable-form hint."""
    failed = public_failures(judge, "sigmoid_exp_ratio")
    assert list(failed) and all(n.startswith("sigmoid:") for n in failed)
    output = next(iter(failed.values()))
    assert "sigmoid(z) contains nan" in output and "expected finite numbers" in output
    assert "Failing input: z = array([-10000." in output
    assert "-|z|" in output


def test_one_sided_difference_shows_the_eps_it_was_called_with(judge):
    """One-sided differences fail the central-difference check showing eps, got and expected."""
    failed = public_failures(judge, "numerical_gradient_one_sided")
    output = failed[next(n for n in failed if "central differences" in n)]
    assert "numerical_gradient(f, theta, eps=0.5): got 3.5, expected 2.5" in output
    assert "Failing input: theta = array([ 1., -2.])" in output


@pytest.mark.parametrize("mutant_id", ["backward_missing_sigmoid_prime", "backward_mean_over_batch",
                                       "forward_sigmoid_on_output", "sigmoid_derivative_of_z"])
def test_feedback_contains_no_reference_code(judge, mutant_id):
    """No line of the reference's solutions appears in any feedback a mutant receives."""
    failed = public_failures(judge, mutant_id)
    assert failed, f"{mutant_id} should fail a public test"
    secret = solution_lines(TOPIC)
    for name, output in failed.items():
        function = name.split(":")[0]
        assert f"{function}(" in output, f"{name}: the message does not name {function}"
        leaked = [ln for ln in secret if ln in output]
        assert leaked == [], f"{name} shows reference code: {leaked}"
