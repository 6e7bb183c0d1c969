"""reference.adaptive_lr against torch.optim (float64 trajectories) and lr_scheduler."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal
from torch.optim.lr_scheduler import CosineAnnealingLR, LambdaLR, LinearLR, SequentialLR

from reference.adaptive_lr import (
    adagrad_step,
    adam_step,
    noam_lr,
    rmsprop_step,
    warmup_cosine_lr,
)

SETTINGS = settings(max_examples=40, derandomize=True, database=None, deadline=None)
EPS64 = np.finfo(np.float64).eps

# Trajectory tolerance.  torch fuses operations differently (lerp_ for Adam's m, the bias
# corrections split as lr / bc1 and sqrt(v) / sqrt(bc2)), so each step differs by a few ulp
# of |theta| and of the step size; over <= 30 steps that stays below ~1e-13 relative.
THETA_RTOL = 1e-12


def _finite(lo: float, hi: float) -> st.SearchStrategy[float]:
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def runs(draw: st.DrawFn, grad_scales: tuple[float, ...] = (1.0,)) -> dict:
    """A start point theta0 of shape (D,) and a sequence of 10-30 gradients of that shape.

    The gradients are either fixed random arrays (fed to torch through ``p.grad``) or, when
    ``quadratic`` is set, those of ``0.5 * sum(a * theta**2)`` at the current parameter.
    Gradient entries are drawn in [-1, 1] (a few exact zeros allowed) times one of
    ``grad_scales``, so tiny (1e-12) and huge (1e6) gradients are tested on purpose.
    """
    d = draw(st.integers(1, 4))
    steps = draw(st.integers(10, 30))
    scale = draw(st.sampled_from(grad_scales))
    vec = arrays(np.float64, (d,), elements=_finite(-1.0, 1.0), fill=st.nothing())
    theta0 = draw(arrays(np.float64, (d,), elements=_finite(-5.0, 5.0), fill=st.nothing()))
    grads = [scale * draw(vec) for _ in range(steps)]
    curvature = draw(arrays(np.float64, (d,), elements=_finite(0.1, 3.0), fill=st.nothing()))
    return {
        "theta0": theta0,
        "grads": grads,
        "quadratic": draw(st.booleans()),
        "a": scale * curvature,
        "lr": draw(st.sampled_from([1e-3, 1e-2, 0.1, 0.5])),
    }


def _grad_at(run: dict, k: int, theta: np.ndarray) -> np.ndarray:
    return run["a"] * theta if run["quadratic"] else run["grads"][k]


def _torch_trajectory(run: dict, make_opt, state_keys: tuple[str, ...]):
    """Step a torch optimizer over the run; return the thetas and its state after each step."""
    p = torch.tensor(run["theta0"], dtype=torch.float64, requires_grad=True)
    opt = make_opt([p])
    thetas, states = [], []
    for k in range(len(run["grads"])):
        p.grad = torch.from_numpy(_grad_at(run, k, p.detach().numpy().copy()))
        opt.step()
        thetas.append(p.detach().numpy().copy())
        states.append(tuple(opt.state[p][key].numpy().copy() for key in state_keys))
    return thetas, states


def _assert_trajectory(got: list, expected: list, lr: float, what: str) -> None:
    for k, (a, b) in enumerate(zip(got, expected)):
        # relative to |theta| plus the distance travelled (at most ~lr * 30 per coordinate)
        atol = THETA_RTOL * (np.abs(b) + lr * (k + 1))
        assert np.all(np.abs(a - b) <= atol), f"{what}: step {k + 1}, got {a}, expected {b}"


@SETTINGS
@given(runs(grad_scales=(1.0, 1e-12, 1e6)), _finite(1e-10, 1e-6))
def test_adagrad_matches_torch(run: dict, eps: float) -> None:
    """adagrad_step's trajectory and sum_sq equal torch.optim.Adagrad (no lr decay, zero initial sum)."""
    lr = run["lr"]
    thetas, states = _torch_trajectory(
        run,
        lambda ps: torch.optim.Adagrad(ps, lr=lr, lr_decay=0, initial_accumulator_value=0, eps=eps),
        ("sum",),
    )
    theta, sum_sq = run["theta0"], np.zeros_like(run["theta0"])
    got = []
    for k in range(len(run["grads"])):
        theta, sum_sq = adagrad_step(theta, _grad_at(run, k, theta), sum_sq, lr, eps=eps)
        got.append(theta)
        # a sum of positive terms: no cancellation, a few ulp relative per step
        assert_allclose(sum_sq, states[k][0], rtol=1e-13, atol=0)
    _assert_trajectory(got, thetas, lr, "adagrad theta")


@SETTINGS
@given(runs(grad_scales=(1.0, 1e-12, 1e6)), st.sampled_from([0.9, 0.99, 0.5]), _finite(1e-10, 1e-6))
def test_rmsprop_matches_torch(run: dict, alpha: float, eps: float) -> None:
    """rmsprop_step's trajectory and sq_avg equal torch.optim.RMSprop (no momentum, not centred)."""
    lr = run["lr"]
    thetas, states = _torch_trajectory(
        run,
        lambda ps: torch.optim.RMSprop(ps, lr=lr, alpha=alpha, eps=eps, momentum=0, centered=False),
        ("square_avg",),
    )
    theta, sq_avg = run["theta0"], np.zeros_like(run["theta0"])
    got = []
    for k in range(len(run["grads"])):
        theta, sq_avg = rmsprop_step(
            theta, _grad_at(run, k, theta), sq_avg, lr, alpha=alpha, eps=eps
        )
        got.append(theta)
        # convex combinations of squares: no cancellation, a few ulp relative per step
        assert_allclose(sq_avg, states[k][0], rtol=1e-13, atol=0)
    _assert_trajectory(got, thetas, lr, "rmsprop theta")


@SETTINGS
@given(
    runs(grad_scales=(1.0, 1e-12, 1e6)),
    st.sampled_from([(0.9, 0.999), (0.5, 0.9), (0.0, 0.99)]),
    st.sampled_from([1e-8, 1e-6, 1e-12]),
)
def test_adam_matches_torch(run: dict, betas: tuple[float, float], eps: float) -> None:
    """adam_step's trajectory and raw m, v equal torch.optim.Adam's params, exp_avg, exp_avg_sq."""
    lr = run["lr"]
    thetas, states = _torch_trajectory(
        run, lambda ps: torch.optim.Adam(ps, lr=lr, betas=betas, eps=eps), ("exp_avg", "exp_avg_sq")
    )
    theta, m, v = run["theta0"], np.zeros_like(run["theta0"]), np.zeros_like(run["theta0"])
    got = []
    for k in range(len(run["grads"])):
        grad = _grad_at(run, k, theta)
        theta, m, v = adam_step(
            theta, grad, m, v, k + 1, lr=lr, beta1=betas[0], beta2=betas[1], eps=eps
        )
        got.append(theta)
        exp_avg, exp_avg_sq = states[k]
        # torch updates m with lerp_: m can cancel towards 0, so the error is ulps of |grad|
        gmax = max(float(np.max(np.abs(g))) for g in run["grads"][: k + 1])
        assert_allclose(m, exp_avg, rtol=1e-13, atol=16 * EPS64 * max(gmax, np.abs(grad).max()))
        assert_allclose(v, exp_avg_sq, rtol=1e-13, atol=0)
    _assert_trajectory(got, thetas, lr, "adam theta")


def test_adam_eps_outside_sqrt_for_tiny_gradients() -> None:
    """With |grad| = 1e-12 and eps = 1e-8, Adam's first step is lr * g / (|g| + eps), not lr * sign(g)."""
    g = np.array([1e-12, -1e-12])
    theta, m, v = adam_step(np.zeros(2), g, np.zeros(2), np.zeros(2), 1, lr=1.0)
    # m_hat = g and sqrt(v_hat) = |g| exactly (up to rounding) on step 1
    assert_allclose(theta, -g / (1e-12 + 1e-8), rtol=1e-12)
    assert_allclose(m, 0.1 * g, rtol=1e-15)
    assert_allclose(v, 0.001 * g**2, rtol=1e-12)


def test_rmsprop_first_step_is_larger_than_the_lectures() -> None:
    """torch's RMSprop average starts at 0: the first step is lr*g/(sqrt(1-alpha)|g|), 10x for alpha=0.99."""
    theta, sq_avg = rmsprop_step(
        np.zeros(1), np.array([2.0]), np.zeros(1), 0.1, alpha=0.99, eps=0.0
    )
    assert_allclose(theta, [-1.0], rtol=1e-14)
    assert_allclose(sq_avg, [0.04], rtol=1e-14)


@SETTINGS
@given(runs(), _finite(0.01, 1.0))
def test_adagrad_equals_lectures_rms_form_with_decayed_rate(run: dict, eta: float) -> None:
    """AdaGrad equals the lecture's eta/sqrt(t+1) / sqrt(mean of g**2) update (eps = 0)."""
    theta, sum_sq = run["theta0"], np.zeros_like(run["theta0"])
    lecture, history = run["theta0"].copy(), []
    for t, g in enumerate(run["grads"]):
        g = g + 0.5  # keep every |g| > 0: the lecture's form has no eps
        theta, sum_sq = adagrad_step(theta, g, sum_sq, eta, eps=0.0)
        history.append(g)
        sigma = np.sqrt(np.mean(np.square(history), axis=0))
        lecture = lecture - eta / math.sqrt(t + 1) / sigma * g
        # the two forms round differently: ulps of |theta| and of the step size
        assert_allclose(theta, lecture, rtol=1e-12, atol=1e-12 * eta * (t + 1))


def _noam_lambda(d_model: int, warmup: int):
    """The Annotated Transformer's Noam rate, with its guard for LambdaLR's call at step 0."""

    def rate(step: int) -> float:
        step = max(step, 1)
        return d_model ** (-0.5) * min(step ** (-0.5), step * warmup ** (-1.5))

    return rate


@SETTINGS
@given(st.sampled_from([16, 64, 512]), st.integers(1, 40))
def test_noam_matches_lambdalr_from_step_1(d_model: int, warmup: int) -> None:
    """noam_lr(step) is the lr that LambdaLR (base lr 1) gives after `step` scheduler steps."""
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=1.0)
    sched = LambdaLR(opt, _noam_lambda(d_model, warmup))
    for step in range(1, 3 * warmup + 5):
        opt.step()
        sched.step()  # skip step 0: LambdaLR's own call there needed the guard
        got = noam_lr(step, d_model, warmup)
        assert type(got) is float
        # the same closed form evaluated with the same float operations
        assert got == sched.get_last_lr()[0]


@SETTINGS
@given(st.sampled_from([16, 64, 512]), st.integers(1, 200))
def test_noam_peaks_at_warmup_and_decays_as_inverse_sqrt(d_model: int, warmup: int) -> None:
    """noam_lr rises linearly to its peak (d_model*warmup)**-0.5 at warmup, then falls as step**-0.5."""
    lrs = [noam_lr(s, d_model, warmup) for s in range(1, 3 * warmup + 3)]
    peak = noam_lr(warmup, d_model, warmup)
    # both branches meet at the peak: continuity up to a few ulp
    assert_allclose(peak, (d_model * warmup) ** -0.5, rtol=4 * EPS64)
    assert max(lrs) == peak
    before, after = lrs[:warmup], lrs[warmup - 1 :]
    assert all(a < b for a, b in zip(before, before[1:]))
    assert all(a > b for a, b in zip(after, after[1:]))
    # linear before: lr(s) = s * lr(1);  inverse square root after: lr(s) * sqrt(s) constant
    assert_allclose(before, np.arange(1, warmup + 1) * lrs[0], rtol=1e-14)
    steps_after = np.arange(warmup, 3 * warmup + 3)
    assert_allclose(np.array(after) * np.sqrt(steps_after), d_model**-0.5, rtol=1e-14)


def test_noam_rejects_step_zero() -> None:
    """noam_lr raises ValueError for step < 1, so an unguarded LambdaLR fails loudly at step 0."""
    with pytest.raises(ValueError, match="step"):
        noam_lr(0, 512, 4000)
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=1.0)
    with pytest.raises(ValueError, match="step"):
        LambdaLR(opt, lambda s: noam_lr(s, 512, 4000))
    # the bare formula, as often written in a lambda, divides by zero there
    with pytest.raises(ZeroDivisionError):
        LambdaLR(opt, lambda s: 512**-0.5 * min(s**-0.5, s * 4000**-1.5))


@st.composite
def cosine_schedules(draw: st.DrawFn) -> tuple[float, int, int, float]:
    """(base_lr, warmup_steps, total_steps, min_lr) with 0 <= warmup < total <= 300, min_lr < base_lr."""
    total = draw(st.integers(1, 300))
    warmup = draw(st.integers(0, total - 1))
    base_lr = draw(_finite(1e-5, 1.0))
    min_lr = draw(st.sampled_from([0.0, 0.1, 0.5])) * base_lr
    return base_lr, warmup, total, min_lr


@SETTINGS
@given(cosine_schedules())
def test_warmup_cosine_matches_torch_linear_then_cosine(sched_args: tuple) -> None:
    """warmup_cosine_lr from step 1 equals SequentialLR(LinearLR(1/w), CosineAnnealingLR); 0 at step 0."""
    base_lr, warmup, total, min_lr = sched_args
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    cosine = CosineAnnealingLR(opt, T_max=total - warmup, eta_min=min_lr)
    if warmup >= 2:
        linear = LinearLR(opt, start_factor=1 / warmup, end_factor=1.0, total_iters=warmup - 1)
        sched = SequentialLR(opt, [linear, cosine], milestones=[warmup - 1])
        first = 1
    elif warmup == 1:  # step 0 is the warm-up, the cosine starts at step 1
        cosine = CosineAnnealingLR(opt, T_max=total - 1, eta_min=min_lr)
        sched, first = cosine, 1
    else:
        sched, first = cosine, 0
    for step in range(first, total + 1):
        got = warmup_cosine_lr(step, base_lr, warmup, total, min_lr)
        assert type(got) is float
        # torch's chainable form multiplies cosine ratios step by step: rounding grows with
        # the number of steps (observed < 1e-15 relative over 1000 steps)
        assert abs(got - opt.param_groups[0]["lr"]) <= 1e-12 * base_lr, f"step {step}"
        opt.step()
        sched.step()


@SETTINGS
@given(cosine_schedules())
def test_warmup_cosine_endpoints_and_monotone_pieces(sched_args: tuple) -> None:
    """warmup_cosine_lr is 0 at step 0 (with warm-up), base_lr at warmup_steps, min_lr at total_steps."""
    base_lr, warmup, total, min_lr = sched_args
    lrs = [warmup_cosine_lr(s, base_lr, warmup, total, min_lr) for s in range(total + 1)]
    if warmup > 0:
        assert lrs[0] == 0.0
    assert_allclose(lrs[warmup], base_lr, rtol=4 * EPS64)
    # cos(pi) = -1 exactly in float64, so the end is min_lr up to one rounding
    assert_allclose(lrs[total], min_lr, rtol=0, atol=4 * EPS64 * base_lr)
    up, down = lrs[: warmup + 1], lrs[warmup:]
    assert all(a < b for a, b in zip(up, up[1:]))
    assert all(a >= b for a, b in zip(down, down[1:]))
    # the decay stays in [min_lr, base_lr] up to one rounding
    slack = 4 * EPS64 * base_lr
    assert all(min_lr - slack <= lr <= base_lr + slack for lr in down)


def test_warmup_cosine_domain() -> None:
    """warmup_cosine_lr rejects steps outside [0, total_steps] and warmup_steps >= total_steps."""
    assert warmup_cosine_lr(0, 0.1, 0, 10) == 0.1  # no warm-up: the cosine starts at base_lr
    for bad in [(-1, 0.1, 2, 10), (11, 0.1, 2, 10), (3, 0.1, 10, 10), (3, 0.1, -1, 10)]:
        with pytest.raises(ValueError):
            warmup_cosine_lr(*bad)


@SETTINGS
@given(runs())
def test_no_step_modifies_its_inputs(run: dict) -> None:
    """adagrad_step, rmsprop_step and adam_step return new arrays and leave their inputs untouched."""
    theta, grad = run["theta0"], run["grads"][0]
    state = [np.abs(g) for g in run["grads"][1:3]]
    saved = [a.copy() for a in (theta, grad, *state)]
    results = [
        adagrad_step(theta, grad, state[0], 0.1),
        rmsprop_step(theta, grad, state[0], 0.1),
        adam_step(theta, grad, state[0], state[1], 3),
    ]
    for a, a0 in zip((theta, grad, *state), saved):
        assert_array_equal(a, a0)
    for out in results:
        assert all(r is not a for r in out for a in (theta, grad, *state))


def test_folding_the_bias_correction_moves_eps() -> None:
    """Folding the bias correction into the step size, lr·sqrt(bc2)/bc1 · m/(sqrt(v) + eps'),
    is adam_step's update with eps' = eps·sqrt(bc2) (to rounding); with eps' = eps (the paper's
    order) the effective eps grows to eps/sqrt(bc2), far beyond rounding at early steps."""
    theta, g = np.array([0.3, -1.2]), np.array([0.8, -0.05])
    m, v = np.zeros(2), np.zeros(2)
    for t in (1, 2, 3):
        new_theta, m, v = adam_step(theta, g, m, v, t)
        bc1, bc2 = 1 - 0.9**t, 1 - 0.999**t
        size = 1e-3 * math.sqrt(bc2) / bc1
        folded = theta - size * m / (np.sqrt(v) + 1e-8 * math.sqrt(bc2))
        paper = theta - size * m / (np.sqrt(v) + 1e-8)
        step = np.abs(new_theta - theta)
        assert np.all(np.abs(folded - new_theta) <= 1e-14 * step + 4 * EPS64 * np.abs(theta))
        # relative change of the step ~ eps (1/sqrt(bc2) - 1) / sqrt(v_hat) >= 3e-7 here
        assert np.all(np.abs(paper - new_theta) >= 1e-7 * step)
        theta = new_theta
