"""Hidden properties for ``adaptive_lr``: the reference on wider and nastier inputs.

Never shipped to students.  Optimizer runs are 5-20 steps threading the student's own
state, with theta of shape (n,) or (rows, cols), gradients whose coordinates may mix tiny
(1e-12), moderate and huge (1e6) scales, nonzero starting states, and non-default
hyperparameters; Adam is also resumed at a later step t, from the moments of a real past run
(``strategies.adam_resumed_runs``: a state no run reaches, such as m = 0.93 beside v = 0, would
make rounding decide the grade).  Every optimizer comparison is entry by entry within the
rounding-error model of ``graders.public.adaptive_lr`` (``rounding_bounds``).  The schedules
are compared at a few ulps of their scale, over every step of a schedule for the cosine,
including warmup_steps = 0.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import compare
from graders import strategies as gen
from graders.props import prop, student
from graders.public.adaptive_lr import SCHEDULE_ULPS, Run, check_run, scalars, threaded_calls
from reference import adaptive_lr as ref


@st.composite
def nasty_runs(draw: Any, options: dict[str, st.SearchStrategy[Any]]) -> dict[str, Any]:
    """theta0 of shape (n,) or (r, c); 5-20 gradients, each coordinate at its own scale
    (1, 1e-12 or 1e6: eps matters for the tiny ones); the starting second-moment state zero
    or a random square at the gradients' scales (any sum or average of squares is reachable:
    one past gradient gives it); hyperparameters."""
    shape = draw(
        st.one_of(st.tuples(st.integers(1, 4)), st.tuples(st.integers(1, 3), st.integers(1, 3)))
    )
    steps = draw(st.integers(5, 20))
    scale = np.asarray(
        draw(
            st.lists(
                st.sampled_from(gen.GRADIENT_SCALES),
                min_size=int(np.prod(shape)),
                max_size=int(np.prod(shape)),
            )
        )
    ).reshape(shape)
    grads = draw(gen.arrays((steps, *shape), -1.0, 1.0)) * scale
    s = draw(gen.arrays(shape, -1.0, 1.0)) * scale
    state = [np.zeros(shape) if draw(st.booleans()) else s * s]
    opts = {name: draw(s) for name, s in options.items()}
    return {
        "theta0": draw(gen.arrays(shape, -5.0, 5.0)),
        "grads": grads,
        "state0": state,
        "opts": {k: v for k, v in opts.items() if v is not None},
    }


def reference_run(
    step: Callable[..., tuple], theta0: np.ndarray, grads: np.ndarray, state0: Sequence[np.ndarray]
) -> list[np.ndarray]:
    """The reference threaded the same way: per returned item, its (T, ...) history."""
    theta, state, history = theta0, list(state0), []
    for k, g in enumerate(grads):
        theta, *state = step(k, theta, g, *state)
        history.append([theta, *state])
    return [np.array(column) for column in zip(*history)]


# MIXED first: the first failing example is the one shown and diagnosed, and at the 1e-12
# scale alone several mistakes give answers too close to tell apart
TINY = {
    "theta0": np.array([0.5, -0.5]),
    "grads": np.full((10, 2), 1e-12),
    "state0": [np.zeros(2)],
    "opts": {"lr": 0.01},
}
MIXED = {
    "theta0": np.zeros((2, 2)),
    "grads": np.tile(np.array([[1e-12, -1e6], [1.0, 0.0]]), (6, 1, 1)),
    "state0": [np.zeros((2, 2))],
    "opts": {"lr": 0.1},
}


# --- adagrad_step ----------------------------------------------------------------------


def _ref_adagrad(theta0, grads, state0, opts):
    return reference_run(
        lambda k, th, g, s: ref.adagrad_step(th, g, s, **opts), theta0, grads, state0
    )


@prop(
    "adaptive_lr.adagrad_step",
    "5-20 steps match the reference: mixed tiny/huge gradients, nonzero sums, 2-D theta",
    points=2,
    visibility="hidden",
    given=nasty_runs(
        {"lr": st.sampled_from([1e-3, 0.1, 1.0]), "eps": st.sampled_from([None, 1e-10, 1e-3])}
    ),
    examples=[MIXED, TINY],
    expect=_ref_adagrad,
)
def adagrad_reference(theta0, grads, state0, opts, expected):
    values = yield threaded_calls(student.adagrad_step, theta0, grads, state0, opts)
    check_run(values, expected, Run("adagrad_step", opts, theta0, grads, state0))


# --- rmsprop_step ----------------------------------------------------------------------


def _ref_rmsprop(theta0, grads, state0, opts):
    return reference_run(
        lambda k, th, g, s: ref.rmsprop_step(th, g, s, **opts), theta0, grads, state0
    )


@prop(
    "adaptive_lr.rmsprop_step",
    "5-20 steps match the reference: mixed tiny/huge gradients, nonzero averages, any alpha",
    points=2,
    visibility="hidden",
    given=nasty_runs(
        {
            "lr": st.sampled_from([1e-3, 0.01, 0.5]),
            "alpha": st.sampled_from([None, 0.0, 0.5, 0.9, 0.999]),
            "eps": st.sampled_from([None, 1e-8, 1e-3]),
        }
    ),
    examples=[MIXED, TINY],
    expect=_ref_rmsprop,
)
def rmsprop_reference(theta0, grads, state0, opts, expected):
    values = yield threaded_calls(student.rmsprop_step, theta0, grads, state0, opts)
    check_run(values, expected, Run("rmsprop_step", opts, theta0, grads, state0))


# --- adam_step -------------------------------------------------------------------------

ADAM_OPTIONS = {
    "lr": st.sampled_from([None, 1e-3, 0.05]),
    "beta1": st.sampled_from([None, 0.0, 0.5, 0.9, 0.99]),
    "beta2": st.sampled_from([None, 0.5, 0.9, 0.999, 0.9999]),
    "eps": st.sampled_from([None, 1e-8, 1e-4]),
}


def _ref_adam(theta0, grads, state0, opts, t0=1):
    return reference_run(
        lambda k, th, g, m, v: ref.adam_step(th, g, m, v, t0 + k, **opts), theta0, grads, state0
    )


@prop(
    "adaptive_lr.adam_step",
    "5-20 steps from zero moments (t = 1, 2, ...) match the reference: tiny and huge "
    "gradients, any betas",
    points=1.5,
    visibility="hidden",
    given=nasty_runs(ADAM_OPTIONS).map(
        lambda run: {**run, "state0": [np.zeros_like(run["theta0"])] * 2}
    ),
    examples=[
        {**MIXED, "state0": [np.zeros((2, 2))] * 2, "opts": {"beta1": 0.5}},
        {**TINY, "state0": [np.zeros(2)] * 2, "opts": {}},
    ],
    expect=_ref_adam,
)
def adam_reference(theta0, grads, state0, opts, expected):
    values = yield threaded_calls(student.adam_step, theta0, grads, state0, opts, t0=1)
    check_run(values, expected, Run("adam_step", opts, theta0, grads, state0))


@prop(
    "adaptive_lr.adam_step",
    "resumed at a later step t with the moments of a real run, 5-20 steps match the reference",
    points=1.5,
    visibility="hidden",
    given=gen.adam_resumed_runs(ADAM_OPTIONS).filter(
        lambda run: any(np.any(s) for s in run["state0"])
    ),
    # one past gradient 0.5: m = 0.1 * 0.5, v = 0.001 * 0.5**2
    examples=[
        {
            "theta0": np.array([1.0]),
            "grads": np.full((6, 1), 0.1),
            "state0": [np.array([0.05]), np.array([0.00025])],
            "opts": {},
            "t0": 2,
        }
    ],
    expect=_ref_adam,
    hint="Resuming changes nothing in the formulas: t is the 1-based number of this step "
    "(t0, t0 + 1, ...) and m, v are the raw averages the previous step returned.",
)
def adam_resumed_reference(theta0, grads, state0, opts, t0, expected):
    values = yield threaded_calls(student.adam_step, theta0, grads, state0, opts, t0=t0)
    check_run(values, expected, Run("adam_step", opts, theta0, grads, state0, t0))


# --- noam_lr ---------------------------------------------------------------------------


@st.composite
def noam_settings(draw: Any) -> dict[str, Any]:
    """d_model in [1, 4096], warmup in [1, 20000]; the steps 1, warmup-1..warmup+1, and
    random ones up to 1e6."""
    warmup = draw(st.one_of(st.just(1), st.just(2), st.integers(1, 20000)))
    steps = sorted(
        {
            1,
            max(warmup - 1, 1),
            warmup,
            warmup + 1,
            10**6,
            *draw(st.lists(st.integers(1, 10**6), min_size=2, max_size=4)),
        }
    )
    return {"steps": steps, "d_model": draw(st.integers(1, 4096)), "warmup_steps": warmup}


@prop(
    "adaptive_lr.noam_lr",
    "matches the reference at step 1, around the peak and up to step 1e6",
    points=1.5,
    visibility="hidden",
    given=noam_settings(),
    examples=[{"steps": [1, 2, 3], "d_model": 1, "warmup_steps": 1}],
    expect=lambda steps, d_model, warmup_steps: [
        ref.noam_lr(s, d_model, warmup_steps) for s in steps
    ],
)
def noam_reference(steps, d_model, warmup_steps, expected):
    rate = student.noam_lr
    values = yield [rate(s, d_model, warmup_steps) for s in steps]
    got = scalars(values, lambda i: f"noam_lr({steps[i]}, {d_model}, {warmup_steps})")
    # relative: a product of powers, each within ~1 ulp (public.adaptive_lr.noam_shape)
    compare.within(
        got,
        expected,
        f"noam_lr(step, {d_model}, {warmup_steps}) for step in {steps}",
        scale=np.abs(expected),
        ulps=SCHEDULE_ULPS,
    )


# --- warmup_cosine_lr ------------------------------------------------------------------


@st.composite
def cosine_settings(draw: Any) -> dict[str, Any]:
    """Any warm-up 0 <= warmup < total (incl. 0 and total - 1), up to 80 steps, min_lr
    0, a fraction of base_lr (not 1/2: there two mistakes coincide) or base_lr itself."""
    total = draw(st.integers(1, 80))
    warmup = draw(st.one_of(st.just(0), st.just(total - 1), st.integers(0, total - 1)))
    base = draw(st.sampled_from([1e-6, 1e-3, 0.1, 1.0, 100.0]))
    return {
        "base_lr": base,
        "warmup_steps": warmup,
        "total_steps": total,
        "min_lr": draw(st.sampled_from([0.0, 0.01 * base, 0.3 * base, base])),
    }


@prop(
    "adaptive_lr.warmup_cosine_lr",
    "matches the reference at every step of a schedule, incl. warmup_steps = 0",
    points=1.5,
    visibility="hidden",
    given=cosine_settings(),
    examples=[
        {"base_lr": 0.1, "warmup_steps": 0, "total_steps": 10, "min_lr": 0.0},
        {"base_lr": 1.0, "warmup_steps": 9, "total_steps": 10, "min_lr": 0.2},
    ],
    expect=lambda base_lr, warmup_steps, total_steps, min_lr: np.array(
        [
            ref.warmup_cosine_lr(s, base_lr, warmup_steps, total_steps, min_lr)
            for s in range(total_steps + 1)
        ]
    ),
)
def cosine_reference(base_lr, warmup_steps, total_steps, min_lr, expected):
    args = f"{base_lr}, {warmup_steps}, {total_steps}, min_lr={min_lr}"
    rate = student.warmup_cosine_lr
    values = yield [
        rate(s, base_lr, warmup_steps, total_steps, min_lr=min_lr) for s in range(total_steps + 1)
    ]
    got = scalars(values, lambda s: f"warmup_cosine_lr({s}, {args})")
    # absolute, of the schedule's scale (public.adaptive_lr.cosine_end_points)
    compare.within(
        got,
        expected,
        f"warmup_cosine_lr(step, {args}) for step = 0..{total_steps} (index = step)",
        scale=base_lr + abs(min_lr),
        ulps=SCHEDULE_ULPS,
    )
