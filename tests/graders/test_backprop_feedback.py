"""Feedback for typical backprop mistakes: readable, specific, and free of reference code."""

from __future__ import annotations

import re

import pytest

from tests.conftest import public_failures

pytestmark = pytest.mark.slow  # end-to-end: grades catalog mutants through the worker

TOPIC = "backprop"



def test_transposed_weight_gradient_shows_layer_input_and_values(judge):
    """A transposed dW fails the square-layer gradient check with the layer, input and values."""
    failed = public_failures(judge, TOPIC, "backward_transposed_weight_gradient")
    output = failed[next(n for n in failed if "gradient check" in n)]
    assert output.startswith("Checked: passes a gradient check")
    assert "Failing input: params = [(array(" in output
    assert re.search(r"backward_pass\(params, x, y\)\[\d\]\[0\] \(dC/dW of layer \d\) vs central "
                     r"differences: got \S+, expected \S+ at index \(\d+, \d+\)", output)
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
    assert "Failing input: theta = array([ 1., -2.])" in output

