"""Feedback for typical adaptive_lr mutants: it names the function, shows the failing input
and got/expected, points at the convention, and never shows the reference's code; and the
Adam graders' states and tolerances (reachable moments, the rounding-error model)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings

from graders import mutants, profiles, registry
from graders.diagnose import diagnoser_for
from graders.grade.runner import Judge
from graders.public.adaptive_lr.rounding import SAFETY, Run, rounding_bounds
from tests.conftest import grade_mutant

pytestmark = pytest.mark.slow  # end-to-end: grades catalog mutants through the worker

TOPIC = "adaptive_lr"


@pytest.fixture(scope="module")
def results(judge):
    ids = [
        "adam_eps_inside_sqrt",
        "adam_returns_corrected_moments",
        "cosine_missing_half",
        "noam_max_for_min",
        "adam_bias_correction_off_by_one",
    ]
    return {i: grade_mutant(judge, TOPIC, i) for i in ids}


@pytest.fixture(scope="module")
def diagnosing_judge():
    """A judge that names misconceptions, as `propgrade grade` does (the shared one does not)."""
    j = Judge.create(profiles.get("grading"), diagnose=diagnoser_for(TOPIC))
    yield j
    j.close()


def _test(result, function: str, title_part: str):
    return next(t for t in result.tests if t.function == function and title_part in t.name)


def test_eps_inside_sqrt_is_shown_on_tiny_gradients(results):
    """eps inside the square root fails the tiny-gradient check with the steps got/expected and an eps hint."""
    test = _test(results["adam_eps_inside_sqrt"], "adam_step", "tiny gradients")
    assert test.status == "failed" and test.name.startswith("adam_step: ")
    out = test.output
    assert "Failing input: theta0 = " in out
    assert "theta - theta0 after step t=1 of adam_step(theta, grad, m, v, t" in out
    assert "got " in out and "expected " in out
    # the message's own figures (not the hint every failure prints): a tiny gradient at the
    # failing entry, and an error beyond the rounding the run can explain
    grad = float(
        re.search(r"That step received, at entry \(.*?\): .*?grad = ([^,]+),", out).group(1)
    )
    assert 0 < abs(grad) < 1e-6, grad
    err, tol = (float(x) for x in re.search(r"\(error ([^;]+); tolerance ([^,]+),", out).groups())
    assert err > tol


def test_corrected_moments_are_reported_on_the_state(results):
    """Returning m_hat as the state is reported on m itself, before theta goes wrong."""
    test = _test(results["adam_returns_corrected_moments"], "adam_step", "follow torch.optim.Adam")
    assert test.status == "failed"
    assert "m after step t=1 of adam_step" in test.output


def test_resumed_failure_states_the_values_that_decide_it(results):
    """A failure of the resumed Adam check names the step and entry and the m, v, grad, t,
    beta1, beta2 and eps that step received there: the input line may elide them."""
    test = _test(results["adam_bias_correction_off_by_one"], "adam_step", "resumed")
    assert test.status == "failed"
    out = test.output
    assert "That step received, at entry (" in out
    for name in (
        "theta = ",
        "grad = ",
        "m = ",
        "v = ",
        "t = ",
        "lr = ",
        "beta1 = ",
        "beta2 = ",
        "eps = ",
    ):
        assert name in out, name
    assert "the rounding this run's arithmetic can explain" in out


def test_folded_step_size_with_unscaled_eps_is_caught_and_named(diagnosing_judge):
    """Folding the bias correction into the step size but keeping eps loses points on adam_step
    and is named as that misconception."""
    result = grade_mutant(diagnosing_judge, TOPIC, "adam_folded_step_size_eps_unscaled")
    failed = [t for t in result.tests if t.status == "failed"]
    assert failed and {t.function for t in failed} == {"adam_step"}
    assert any(t.misconception and "eps/sqrt(1-beta2**t)" in t.misconception for t in failed)


def test_missing_half_shows_the_schedule_values(results):
    """A cosine without its 0.5 is reported with the call, the step, got and expected."""
    test = _test(results["cosine_missing_half"], "warmup_cosine_lr", "CosineAnnealingLR")
    assert test.status == "failed"
    out = test.output
    assert "Failing input: base_lr = " in out
    assert "warmup_cosine_lr(step, base_lr=" in out and "got " in out and "expected " in out


def test_noam_max_names_the_ramp(results):
    """Noam with max instead of min is reported on the warm-up ramp: at step 1 the decay
    term wins, so the message names the ramp value it expected."""
    test = _test(results["noam_max_for_min"], "noam_lr", "peaks at step")
    assert test.status == "failed" and test.name.startswith("noam_lr: ")
    assert "noam_lr(1, d_model=" in test.output
    assert "expected peak / warmup_steps on the linear ramp" in test.output


# --- the states and the tolerance of the Adam checks -----------------------------------

RESUMED = next(p for p in registry.properties(TOPIC) if p.key.endswith("adam_resumed_reference"))


def _moment_bound(beta1: float, beta2: float, t0: int) -> float:
    """Cauchy–Schwarz on t0 - 1 past steps: |m| <= C·sqrt(v) in every real Adam run."""
    ratio = np.arange(t0 - 1, dtype=np.float64)
    with np.errstate(over="ignore"):
        total = float(np.sum((beta1 * beta1 / beta2) ** ratio))
    return (1 - beta1) / np.sqrt(1 - beta2) * np.sqrt(total)


@settings(
    max_examples=60,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(RESUMED.strategy)
def test_resumed_adam_states_are_reachable(case):
    """The resumed Adam check starts from moments a real run reaches: v >= 0 and
    |m| <= C(beta1, beta2, t0)·sqrt(v), never m = 0.93 beside v = 0 (the field's shrunk state)."""
    m0, v0 = case["state0"]
    opts = case["opts"]
    c = _moment_bound(opts.get("beta1", 0.9), opts.get("beta2", 0.999), case["t0"])
    assert np.all(v0 >= 0)
    assert np.all(np.abs(m0) <= c * np.sqrt(v0) * (1 + 1e-9))


def _trajectory(module, run: Run) -> list[np.ndarray]:
    theta, (m, v), rows = run.theta0, run.state0, []
    for k, g in enumerate(run.grads):
        theta, m, v = module.adam_step(theta, g, m, v, run.t0 + k, **run.opts)
        rows.append((theta, m, v))
    return [np.array(c) for c in zip(*rows)]


def _entry(entry_id: str):
    everything = mutants.variants(TOPIC) + mutants.mutants(TOPIC)
    entry = next(e for e in everything if e.id == entry_id)
    return mutants.load_module(entry_id, mutants.mutant_source(TOPIC, entry))


# the field's shrunk input: beta1 = 0, m = 0.93 beside v = 0 at a coordinate whose gradient
# is tiny next to a moderate one; the lerp form's one rounding of m is amplified by lr / eps
FIELD = Run(
    "adam_step",
    {"beta1": 0.0},
    np.zeros(2),
    np.tile([[0.8, 3e-11]], (5, 1)),
    [np.array([0.5, 0.93]), np.array([0.25, 0.0])],
    t0=2,
)


def test_the_rounding_model_explains_the_fields_lerp_adam():
    """On the field's state the lerp form differs from the reference by more than the old
    tolerance (1e-9 relative + 1e-12 of the run's largest theta) but within the rounding model,
    whose bound carries the numerator's error amplified by 1 / (sqrt(v_hat) + eps)."""
    expected = _trajectory(mutants.load_module("ref", mutants.reference_source(TOPIC)), FIELD)
    got = _trajectory(_entry("adam_torch_lerp_field"), FIELD)
    error = np.abs(got[0] - expected[0])
    old_tolerance = 1e-9 * np.abs(expected[0]) + 1e-12 * np.max(np.abs(expected[0]))
    assert np.any(error > old_tolerance)
    bounds = rounding_bounds(FIELD, expected)
    for g, e, b in zip(got, expected, bounds):
        assert np.all(np.abs(g - e) <= SAFETY * b)


def test_the_rounding_model_still_rejects_a_misplaced_eps():
    """The same run with eps left unscaled in the folded step size is far outside the bound."""
    run = Run(
        "adam_step", {}, np.zeros(2), np.tile([[0.8, -0.3]], (5, 1)), [np.zeros(2), np.zeros(2)]
    )
    expected = _trajectory(mutants.load_module("ref", mutants.reference_source(TOPIC)), run)
    got = _trajectory(_entry("adam_folded_step_size_eps_unscaled"), run)
    bound = SAFETY * rounding_bounds(run, expected)[0]
    assert np.all(np.abs(got[0] - expected[0]) > 1000 * bound)
