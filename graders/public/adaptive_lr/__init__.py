"""Public properties for ``adaptive_lr``: PyTorch's optimizers and schedulers as the oracle.

Shipped to students (no reference needed).  Conventions enforced (``torch.optim``'s): the
state arrays start at zero and are returned *raw* (Adam's m and v without bias
correction); AdaGrad accumulates a sum; RMSProp's average starts at 0; Adam's step number
``t`` is 1-based; eps is added outside the square root, which shows with tiny (1e-12)
gradients.  Each optimizer runs 5-12 steps threading the student's own ``(theta, state)``,
against torch fed the same gradients, entry by entry within a rounding-error model
(``rounding_bounds``).  The schedules: their defining shape (Noam's peak, ramp and 1/sqrt
decay; the cosine's end points) and torch's ``CosineAnnealingLR``, to a few ulps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from graders import compare, oracles
from graders import strategies as gen
from graders.kit import arguments, keywords, threaded
from graders.props import prop, student

from .rounding import Run, check_run

ADAGRAD_OPTIONS, RMSPROP_OPTIONS, ADAM_OPTIONS = gen.OPTIMIZER_OPTIONS

# explicit examples, a moderate one first: the first failing example is the one feedback and
# diagnosis show, and at the 1e-12 scale several mistakes are too close to tell apart
MODERATE = np.array([[1.0, -2.0], [0.5, 0.0], [-1.0, 1.0], [2.0, 0.5], [0.1, -0.3]])
TINY = np.full((8, 2), 1e-12) * np.array([1.0, -1.0])
HUGE = np.full((5, 3), 1e6) * np.array([1.0, -0.5, 0.25])


# --- judge-side helpers ----------------------------------------------------------------


def torch_run(
    optimizer: str,
    theta0: np.ndarray,
    grads: np.ndarray,
    opts: dict[str, Any],
    state_keys: Sequence[str],
) -> list[np.ndarray]:
    """A torch.optim optimizer fed ``grads``: the (T, dim) thetas, then per state key the
    (T, dim) state after each step."""
    torch = oracles.torch()
    kwargs = dict(opts)
    if "beta1" in kwargs or "beta2" in kwargs:
        kwargs["betas"] = (kwargs.pop("beta1", 0.9), kwargs.pop("beta2", 0.999))
    p = oracles.tensor(theta0, grad=True)
    opt = getattr(torch.optim, optimizer)([p], **kwargs)
    thetas, states = [], []
    for g in grads:
        p.grad = oracles.tensor(g)
        opt.step()
        thetas.append(oracles.numpy(p))
        states.append([oracles.numpy(opt.state[p][key]) for key in state_keys])
    return [np.array(thetas), *(np.array(s) for s in zip(*states))]


def threaded_calls(
    step: Callable[..., Any],
    theta0: np.ndarray,
    grads: np.ndarray,
    state0: Sequence[np.ndarray],
    opts: dict[str, Any],
    t0: int | None = None,
) -> list[Any]:
    """An optimizer run through ``kit.threaded``: step k calls ``step(theta, grads[k],
    *state, **opts)`` (Adam's: ``step(theta, grads[k], *state, t0 + k, **opts)``), fed the
    theta and state step k-1 returned; ``step`` is a student function, ``student.adam_step``."""
    if t0 is None:
        return threaded(
            lambda k, theta, *state: step(theta, grads[k], *state, **opts),
            (theta0, *state0),
            len(grads),
        )
    return threaded(
        lambda k, theta, *state: step(theta, grads[k], *state, t0 + k, **opts),
        (theta0, *state0),
        len(grads),
    )


def scalars(values: Sequence[Any], what: Callable[[int], str]) -> np.ndarray:
    """``compare.scalar`` of each value (``what(i)`` names the i-th) as a float64 array.
    Plain finite floats (what the wire decodes for a float) pass as they are, without a
    description made for each; anything else goes through ``compare.scalar`` in order, whose
    first failure raises as before."""
    if all(type(v) is float for v in values):
        got = np.array(values, dtype=np.float64)
        if np.isfinite(got).all():
            return got
    return np.array([compare.scalar(v, what(i)) for i, v in enumerate(values)])


@prop(
    "adaptive_lr.adagrad_step",
    "5-12 steps threading your (theta, sum_sq) follow torch.optim.Adagrad, incl. tiny gradients",
    points=2,
    given=gen.optimizer_runs(ADAGRAD_OPTIONS),
    examples=[
        {"theta0": np.array([1.0, -1.0]), "grads": MODERATE, "opts": {"lr": 0.1}},
        {"theta0": np.array([1.0, -1.0]), "grads": TINY, "opts": {"lr": 0.1}},
        {"theta0": np.zeros(3), "grads": HUGE, "opts": {"lr": 0.5}},
    ],
    expect=lambda theta0, grads, opts: torch_run("Adagrad", theta0, grads, opts, ["sum"]),
    hint="sum_sq accumulates grad**2 over all steps (a sum, not an average), including the "
    "current gradient before the update; eps goes outside the square root.",
)
def adagrad_matches_torch(theta0, grads, opts, expected):
    state0 = [np.zeros_like(theta0)]
    values = yield threaded_calls(student.adagrad_step, theta0, grads, state0, opts)
    check_run(values, expected, Run("adagrad_step", opts, theta0, grads, state0))


# --- rmsprop_step ----------------------------------------------------------------------


@prop(
    "adaptive_lr.rmsprop_step",
    "5-12 steps threading your (theta, sq_avg) follow torch.optim.RMSprop, incl. tiny gradients",
    points=2,
    given=gen.optimizer_runs(RMSPROP_OPTIONS),
    examples=[
        {"theta0": np.array([1.0, -1.0]), "grads": MODERATE, "opts": {"lr": 0.01}},
        {"theta0": np.array([1.0, -1.0]), "grads": TINY, "opts": {"lr": 0.01}},
        {"theta0": np.zeros(3), "grads": HUGE, "opts": {"lr": 0.1, "alpha": 0.9}},
    ],
    expect=lambda theta0, grads, opts: torch_run("RMSprop", theta0, grads, opts, ["square_avg"]),
    hint="alpha is the weight of the old average; the average starts at 0 (not at the "
    "first grad**2); eps goes outside the square root.",
)
def rmsprop_matches_torch(theta0, grads, opts, expected):
    state0 = [np.zeros_like(theta0)]
    values = yield threaded_calls(student.rmsprop_step, theta0, grads, state0, opts)
    check_run(values, expected, Run("rmsprop_step", opts, theta0, grads, state0))


# --- adam_step -------------------------------------------------------------------------

ADAM_HINT = (
    "Return the raw moving averages m', v'; bias-correct copies of them with the "
    "1-based step t (1 - beta**t) only for the update; eps goes outside the square "
    "root of v_hat."
)


def _adam_run(theta0: np.ndarray, grads: np.ndarray, opts: dict[str, Any]) -> Any:
    state0 = [np.zeros_like(theta0)] * 2
    return state0, threaded_calls(student.adam_step, theta0, grads, state0, opts, t0=1)


@prop(
    "adaptive_lr.adam_step",
    "5-12 steps threading your (theta, m, v), t = 1, 2, ..., follow torch.optim.Adam",
    points=1.5,
    given=gen.optimizer_runs(ADAM_OPTIONS),
    examples=[
        {"theta0": np.array([1.0, -1.0]), "grads": MODERATE, "opts": {}},
        {"theta0": np.zeros(3), "grads": HUGE, "opts": {"lr": 0.1, "beta1": 0.5}},
    ],
    expect=lambda theta0, grads, opts: torch_run(
        "Adam", theta0, grads, opts, ["exp_avg", "exp_avg_sq"]
    ),
    hint=ADAM_HINT,
)
def adam_matches_torch(theta0, grads, opts, expected):
    state0, calls = _adam_run(theta0, grads, opts)
    check_run((yield calls), expected, Run("adam_step", opts, theta0, grads, state0))


@prop(
    "adaptive_lr.adam_step",
    "with tiny gradients (1e-12) eps dominates the step, as in torch.optim.Adam",
    points=1,
    given=gen.optimizer_runs(ADAM_OPTIONS).map(
        lambda run: {**run, "grads": np.sign(run["grads"]) * 1e-12}
    ),
    examples=[{"theta0": np.array([1.0, -1.0]), "grads": TINY, "opts": {}}],
    expect=lambda theta0, grads, opts: torch_run(
        "Adam", theta0, grads, opts, ["exp_avg", "exp_avg_sq"]
    ),
    hint="theta' = theta - lr * m_hat / (sqrt(v_hat) + eps): with |grad| ~ 1e-12, "
    "sqrt(v_hat) ~ 1e-12 is far below eps = 1e-8, so the step is about "
    "lr * grad / eps, not lr * sign(grad).",
)
def adam_tiny_gradients(theta0, grads, opts, expected):
    state0, calls = _adam_run(theta0, grads, opts)
    # theta - theta0 first: a step of ~1e-7 is what eps decides, said more plainly than theta
    check_run((yield calls), expected, Run("adam_step", opts, theta0, grads, state0), moved=True)


#: a schedule's rounding budget: a few correctly rounded operations per side, x 4 to spare
SCHEDULE_ULPS = 64.0


# --- noam_lr ---------------------------------------------------------------------------


@prop(
    "adaptive_lr.noam_lr",
    "peaks at step = warmup_steps with (d_model*warmup_steps)**-0.5, rises linearly from 0 "
    "before and decays as 1/sqrt(step) after",
    points=1.5,
    given=gen.noam_cases(),
    examples=[
        {"step": 1, "d_model": 512, "warmup_steps": 4000},
        {"step": 40000, "d_model": 512, "warmup_steps": 4000},
        {"step": 1, "d_model": 1, "warmup_steps": 1},
    ],
    hint="Take the smaller (min) of the decay term and the warm-up term: they cross at "
    "step = warmup_steps, and both are scaled by d_model**-0.5.",
)
def noam_shape(step, d_model, warmup_steps):
    at, peak, first = yield [
        student.noam_lr(step, d_model, warmup_steps),
        student.noam_lr(warmup_steps, d_model, warmup_steps),
        student.noam_lr(1, d_model, warmup_steps),
    ]
    args = f"d_model={d_model}, warmup_steps={warmup_steps}"
    peak = compare.scalar(peak, f"noam_lr({warmup_steps}, {d_model}, {warmup_steps})")
    first = compare.scalar(first, f"noam_lr(1, {d_model}, {warmup_steps})")
    at = compare.scalar(at, f"noam_lr({step}, {d_model}, {warmup_steps})")

    # each side is a product of 3-4 powers and quotients, each within ~1 ulp: relative
    # error <= 8u per side; every mistake is off by an O(1) factor
    def near(got: float, want: float, what: str) -> None:
        compare.within(got, want, what, scale=abs(want), ulps=SCHEDULE_ULPS)

    near(peak, (d_model * warmup_steps) ** -0.5, f"the peak noam_lr(step=warmup_steps, {args})")
    near(
        first,
        peak / warmup_steps,
        f"noam_lr(1, {args}), expected peak / warmup_steps on the linear ramp",
    )
    if step <= warmup_steps:
        near(
            at,
            peak * step / warmup_steps,
            f"noam_lr({step}, {args}) on the linear warm-up ramp (peak * step / warmup_steps)",
        )
    else:
        near(
            at,
            peak * np.sqrt(warmup_steps / step),
            f"noam_lr({step}, {args}) after the peak (peak * sqrt(warmup_steps / step))",
        )


# --- warmup_cosine_lr ------------------------------------------------------------------


def _cosine_call(
    base_lr: float, warmup_steps: int, total_steps: int, min_lr: float | None
) -> tuple[dict[str, float], str]:
    """The optional min_lr keyword (None: the default) and the arguments as text."""
    return keywords(min_lr=min_lr), arguments(
        "", base_lr=base_lr, warmup_steps=warmup_steps, total_steps=total_steps, min_lr=min_lr
    )


@prop(
    "adaptive_lr.warmup_cosine_lr",
    "0 at step 0, rises linearly to base_lr at warmup_steps, ends at min_lr at total_steps",
    points=1,
    given=gen.cosine_schedules(with_step=True),
    examples=[
        {"base_lr": 0.1, "warmup_steps": 10, "total_steps": 100, "min_lr": None, "step": 3},
        {"base_lr": 1.0, "warmup_steps": 1, "total_steps": 2, "min_lr": 0.2, "step": 0},
    ],
    hint="During the warm-up, lr = base_lr * step / warmup_steps (0 at step 0); the decay "
    "starts at base_lr at step == warmup_steps.",
)
def cosine_end_points(base_lr, warmup_steps, total_steps, min_lr, step):
    kw, args = _cosine_call(base_lr, warmup_steps, total_steps, min_lr)
    values = yield [
        student.warmup_cosine_lr(s, base_lr, warmup_steps, total_steps, **kw)
        for s in (0, step, warmup_steps, total_steps)
    ]
    zero, at, peak, end = (
        compare.scalar(v, f"warmup_cosine_lr({s}, {args})")
        for v, s in zip(values, [0, step, warmup_steps, total_steps])
    )
    # the cosine's argument pi*s/T is within 3u relative, so cos is within ~(3*pi + 1)u
    # absolutely: errors are relative to the schedule's scale base_lr + |min_lr|, not to a
    # rate near 0 (the forms 1 + cos x, 2 cos^2(x/2), 2 - 2 sin^2(x/2) differ there)
    scale = base_lr + abs(min_lr or 0.0)

    def near(got: float, want: float, what: str) -> None:
        compare.within(got, want, what, scale=scale, ulps=SCHEDULE_ULPS)

    near(zero, 0.0, f"warmup_cosine_lr(0, {args})")
    near(peak, base_lr, f"warmup_cosine_lr({warmup_steps}, {args}) at the end of the warm-up")
    near(end, min_lr or 0.0, f"warmup_cosine_lr({total_steps}, {args}) at the last step")
    near(
        at,
        base_lr * step / warmup_steps,
        f"warmup_cosine_lr({step}, {args}) on the linear warm-up from 0 to base_lr",
    )


def torch_cosine(
    base_lr: float, warmup_steps: int, total_steps: int, min_lr: float | None
) -> np.ndarray:
    """torch's CosineAnnealingLR(T_max = total - warmup, eta_min = min_lr) stepped from
    base_lr: the rates for steps warmup_steps..total_steps."""
    torch = oracles.torch()
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=total_steps - warmup_steps, eta_min=min_lr or 0.0
    )
    rates = [sched.get_last_lr()[0]]
    for _ in range(total_steps - warmup_steps):
        opt.step()
        sched.step()
        rates.append(sched.get_last_lr()[0])
    return np.array(rates)


@prop(
    "adaptive_lr.warmup_cosine_lr",
    "after the warm-up it follows torch's CosineAnnealingLR(T_max = total - warmup) down to min_lr",
    points=1,
    given=gen.cosine_schedules(),
    examples=[{"base_lr": 1.0, "warmup_steps": 5, "total_steps": 25, "min_lr": 0.1}],
    expect=torch_cosine,
    hint="The decay is half a cosine period spread over the total_steps - warmup_steps "
    "steps after the warm-up, from base_lr down to min_lr (mind the 0.5 in the "
    "docstring's formula).",
)
def cosine_decay_matches_torch(base_lr, warmup_steps, total_steps, min_lr, expected):
    kw, args = _cosine_call(base_lr, warmup_steps, total_steps, min_lr)
    rate = student.warmup_cosine_lr
    values = yield [
        rate(s, base_lr, warmup_steps, total_steps, **kw)
        for s in range(warmup_steps, total_steps + 1)
    ]
    got = scalars(values, lambda i: f"warmup_cosine_lr({warmup_steps + i}, {args})")
    # torch's CosineAnnealingLR is recursive, rate_k = eta_min + (rate_{k-1} - eta_min) *
    # (1 + cos_k) / (1 + cos_{k-1}): the cosines' errors telescope, the products' add up to
    # ~k roundings of the rate after k steps (measured: <= 0.3 (T + 1) u of the scale)
    compare.within(
        got,
        expected,
        f"warmup_cosine_lr(step, {args}) for step = "
        f"{warmup_steps}..{total_steps} (index i = step {warmup_steps} + i)",
        scale=base_lr + abs(min_lr or 0.0),
        ulps=SCHEDULE_ULPS + 4 * (total_steps - warmup_steps),
    )
