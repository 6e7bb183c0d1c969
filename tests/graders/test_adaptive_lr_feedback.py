"""Feedback for typical adaptive_lr mutants: it names the function, shows the failing input
and got/expected, points at the convention, and never shows the reference's code."""

from __future__ import annotations

import pytest

from tests.conftest import grade_mutant

pytestmark = pytest.mark.slow  # end-to-end: grades catalog mutants through the worker

TOPIC = "adaptive_lr"


@pytest.fixture(scope="module")
def results(judge):
    ids = ["adam_eps_inside_sqrt", "adam_returns_corrected_moments", "cosine_missing_half",
           "noam_max_for_min"]
    return {i: grade_mutant(judge, TOPIC, i) for i in ids}


def _test(result, function: str, title_part: str):
    return next(t for t in result.tests if t.function == function and title_part in t.name)


def test_eps_inside_sqrt_is_shown_on_tiny_gradients(results):
    """eps inside the square root fails the tiny-gradient check with the steps got/expected and an eps hint."""
    test = _test(results["adam_eps_inside_sqrt"], "adam_step", "tiny gradients")
    assert test.status == "failed" and test.name.startswith("adam_step: ")
    out = test.output
    assert "Failing input: theta0 = " in out
    assert "theta - theta0 after each step of adam_step(theta, grad, m, v, t" in out
    assert "got " in out and "expected " in out
    assert "Hint: " in out and "eps" in out


def test_corrected_moments_are_reported_on_the_state(results):
    """Returning m_hat as the state is reported on m itself, before theta goes wrong."""
    test = _test(results["adam_returns_corrected_moments"], "adam_step", "follow torch.optim.Adam")
    assert test.status == "failed"
    assert "m after each step of adam_step" in test.output


def test_missing_half_shows_the_schedule_values(results):
    """A cosine without its 0.5 is reported with the call, the step, got and expected."""
    test = _test(results["cosine_missing_half"], "warmup_cosine_lr", "CosineAnnealingLR")
    assert test.status == "failed"
    out = test.output
    assert "Failing input: base_lr = " in out
    assert "warmup_cosine_lr(step, base_lr=" in out and "got " in out and "expected " in out


def test_noam_max_names_the_ramp(results):
    """Noam with max instead of min is reported on the warm-up ramp with a hint about min."""
    test = _test(results["noam_max_for_min"], "noam_lr", "peaks at step")
    assert test.status == "failed" and test.name.startswith("noam_lr: ")
    assert "noam_lr(" in test.output and "min" in test.output
