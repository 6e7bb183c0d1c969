"""Hidden properties for ``batchnorm``: the reference on wider and nastier inputs.

Never shipped to students.  Inputs go beyond the public ones: features at scales 1e-3
(variance comparable to eps), 1 and 1e3, large common offsets, constant features, N = 2,
D = 1, eps up to 1, the default eps / momentum (argument omitted), momentum 0 and 1, zero
running variances and long running-statistics trajectories.  Tolerances: the public module's
error models (``forward_scale``, ``backward_scales``, ``running_scales``, ``inference_scale``),
which grow with the offsets and scales drawn here as the rounding of any correct form does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import compare
from graders import strategies as gen
from graders.kit import DEFAULT, keywords, threaded
from graders.props import prop, student
from graders.public.batchnorm import (
    ULPS,
    backward_scales,
    check_trajectory,
    forward_scale,
    inference_scale,
    running_stats,
    trajectory,
)
from reference import batchnorm as ref


@st.composite
def wide_batches(draw: Any, max_n: int = 8, max_d: int = 5, d: int | None = None) -> np.ndarray:
    """A batch from ``strategies.batches`` scaled by 1e-3, 1 or 1e3 and shifted by up to
    ±1e3; N = 2 in about a quarter of the cases.  Shrinks to a 2x1 batch of zeros."""
    n_max = 2 if draw(st.integers(0, 3)) == 0 else max_n
    lo, hi = (1, max_d) if d is None else (d, d)
    x = draw(gen.batches(max_n=n_max, min_d=lo, max_d=hi))
    scale = draw(st.sampled_from([1.0, 1.0, 1e-3, 1e3]))
    return x * scale + draw(st.sampled_from([0.0, 0.0, 1.0, 1e3, -1e3]))


@st.composite
def wide_problems(draw: Any, upstream: bool = False) -> dict[str, Any]:
    """``{"x", "gamma", "beta", "eps"}`` (+ ``"dy"``) with ``wide_batches``, eps from the
    default up to 1, gamma / beta in [-3, 3] (dy in [-10, 10])."""
    x = draw(wide_batches())
    n, d = x.shape
    case = {
        "x": x,
        "gamma": draw(gen.arrays((d,), -3.0, 3.0)),
        "beta": draw(gen.arrays((d,), -3.0, 3.0)),
        "eps": draw(st.sampled_from([DEFAULT, 1e-5, 1e-3, 0.1, 1.0])),
    }
    if upstream:
        case["dy"] = draw(gen.arrays((n, d), -10.0, 10.0))
    return case


def _eps(eps: Any) -> float:
    return 1e-5 if eps == DEFAULT else eps


@prop(
    "batchnorm.batchnorm_forward",
    "matches the reference: scales 1e-3..1e3, offsets, constant features, N = 2, eps",
    points=2.5,
    visibility="hidden",
    given=wide_problems(),
    examples=[
        {
            "x": np.array([[1e3, 7.0], [1e3, 7.0 + 1e-3]]),
            "gamma": np.array([1.0, 2.0]),
            "beta": np.array([0.5, 0.0]),
            "eps": DEFAULT,
        },
        {
            "x": np.array([[0.0], [1.0], [2.0]]),
            "gamma": np.array([1.0]),
            "beta": np.array([0.0]),
            "eps": 1.0,
        },
    ],
    expect=lambda x, gamma, beta, eps: {
        "y": ref.batchnorm_forward(x, gamma, beta, eps=_eps(eps)),
        "scale": forward_scale(x, gamma, beta, _eps(eps)),
    },
)
def forward_reference(x, gamma, beta, eps, expected):
    y = compare.array(
        (yield student.batchnorm_forward(x, gamma, beta, **keywords(eps=eps))),
        "batchnorm_forward(x, gamma, beta, eps)",
        shape=x.shape,
    )
    # centring x = offset ± spread rounds by ~N·u·|offset|, which s = 1/sqrt(var + eps)
    # then amplifies: forward_scale carries X·s (computed with the oracle, once per example)
    compare.within(
        y,
        expected["y"],
        "batchnorm_forward(x, gamma, beta, eps)",
        scale=expected["scale"],
        ulps=ULPS,
    )


@prop(
    "batchnorm.batchnorm_backward",
    "matches the reference: scales 1e-3..1e3, constant features, N = 2, eps",
    points=3,
    visibility="hidden",
    given=wide_problems(upstream=True),
    examples=[
        {
            "x": np.array([[2.0, 1.0], [2.0, -1.0]]),
            "gamma": np.array([1.5, -0.5]),
            "beta": np.zeros(2),
            "eps": DEFAULT,
            "dy": np.array([[1.0, 2.0], [-3.0, 5.0]]),
        },
        {
            "x": np.array([[0.0], [1.0], [5.0]]),
            "gamma": np.array([2.0]),
            "beta": np.zeros(1),
            "eps": 1.0,
            "dy": np.array([[1.0], [0.0], [0.0]]),
        },
    ],
    expect=lambda x, gamma, beta, eps, dy: {
        "grads": ref.batchnorm_backward(dy, x, gamma, eps=_eps(eps)),
        "scales": backward_scales(dy, x, gamma, _eps(eps)),
    },
)
def backward_reference(x, gamma, beta, eps, dy, expected):
    got = yield student.batchnorm_backward(dy, x, gamma, **keywords(eps=eps))
    dx, dgamma, dbeta = compare.sequence(got, "batchnorm_backward(dy, x, gamma, eps)", 3)
    n, d = x.shape
    grads, scales = expected["grads"], expected["scales"]  # backward_scales, from expect=
    for name, value, want, shape, scale in zip(
        ("dx", "dgamma", "dbeta"), (dx, dgamma, dbeta), grads, ((n, d), (d,), (d,)), scales
    ):
        value = compare.array(value, f"{name} of batchnorm_backward", shape=shape)
        compare.within(value, want, name, scale=scale, ulps=ULPS)


@st.composite
def long_sequences(draw: Any) -> dict[str, Any]:
    """Initial running statistics and 1..8 ``wide_batches`` of one width, momentum in
    {default, 0, 1, 0.1, 0.01, 0.9}."""
    d = draw(st.integers(1, 4))
    xs = [draw(wide_batches(max_n=6, d=d)) for _ in range(draw(st.integers(1, 8)))]
    return {
        **draw(running_stats(d)),
        "xs": xs,
        "momentum": draw(st.sampled_from([DEFAULT, DEFAULT, 0.0, 1.0, 0.1, 0.01, 0.9])),
    }


def _ref_running(running_mean, running_var, xs, momentum):
    steps, state = [], (running_mean, running_var)
    for x in xs:
        state = ref.update_running_stats(*state, x, **keywords(momentum=momentum))
        steps.append(state)
    return trajectory(steps, running_mean, running_var, xs)


@prop(
    "batchnorm.update_running_stats",
    "matches the reference over up to 8 batches, incl. momentum 0, 1 and the default",
    points=2.5,
    visibility="hidden",
    given=long_sequences(),
    examples=[
        {
            "running_mean": np.array([1.0]),
            "running_var": np.array([2.0]),
            "xs": [np.array([[0.0], [2.0]])],
            "momentum": DEFAULT,
        },
        {
            "running_mean": np.zeros(2),
            "running_var": np.ones(2),
            "xs": [np.array([[3.0, 1.0], [3.0, 4.0]])],
            "momentum": 1.0,
        },
    ],
    expect=_ref_running,
)
def running_stats_reference(running_mean, running_var, xs, momentum, expected):
    kw = keywords(momentum=momentum)
    calls = threaded(
        lambda t, mean, var: student.update_running_stats(mean, var, xs[t], **kw),
        (running_mean, running_var),
        len(xs),
    )
    results = yield calls
    check_trajectory(results, expected, running_mean, running_var, xs, momentum)


@st.composite
def wide_inference(draw: Any) -> dict[str, Any]:
    """``wide_problems`` plus running statistics (zero variances included), scaled like x."""
    case = draw(wide_problems())
    stats = draw(running_stats(case["x"].shape[1]))
    scale = draw(st.sampled_from([1.0, 1e-3, 1e3]))
    return {
        **case,
        "running_mean": stats["running_mean"] * scale,
        "running_var": stats["running_var"] * scale**2,
    }


@prop(
    "batchnorm.batchnorm_inference",
    "matches the reference: zero running variances, scales 1e-3..1e3, eps",
    points=2,
    visibility="hidden",
    given=wide_inference(),
    examples=[
        {
            "x": np.array([[1.0, 2.0], [3.0, 4.0]]),
            "gamma": np.ones(2),
            "beta": np.zeros(2),
            "eps": DEFAULT,
            "running_mean": np.array([1.0, 0.0]),
            "running_var": np.array([0.0, 1e-6]),
        }
    ],
    expect=lambda x, gamma, beta, eps, running_mean, running_var: ref.batchnorm_inference(
        x, gamma, beta, running_mean, running_var, eps=_eps(eps)
    ),
)
def inference_reference(x, gamma, beta, eps, running_mean, running_var, expected):
    y = compare.array(
        (
            yield student.batchnorm_inference(
                x, gamma, beta, running_mean, running_var, **keywords(eps=eps)
            )
        ),
        "batchnorm_inference(x, gamma, beta, running_mean, running_var, eps)",
        shape=x.shape,
    )
    compare.within(
        y,
        expected,
        "batchnorm_inference(x, gamma, beta, running_mean, running_var, eps)",
        ulps=ULPS,
        scale=inference_scale(x, gamma, beta, running_mean, running_var, _eps(eps)),
    )
