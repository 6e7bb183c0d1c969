"""The batchnorm lab's input strategies (hypothesis), beside its public properties.

Content of the assignment, not of the kit: batches from the kit's ``batches`` (N >= 2,
sometimes a constant feature, sometimes N = 2) with gamma, beta, eps, upstream gradients,
running statistics and momentum.  Shipped with the public graders; the hidden ones import
``running_stats`` from the package.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import strategies as gen

#: eps values: PyTorch's default, and larger ones where eps visibly changes the output.
epsilons = st.sampled_from([1e-5, 1e-5, 1e-3, 0.1])

#: momentum values (PyTorch's meaning: the weight of the new batch).  Never 0.5, where
#: ``momentum`` and ``1 - momentum`` coincide.
momentum_values = st.sampled_from([0.1, 0.1, 0.01, 0.3, 0.9])


@st.composite
def bn_problems(
    draw: Any, max_n: int = 8, max_d: int = 5, upstream: bool = False
) -> dict[str, Any]:
    """``{"x", "gamma", "beta", "eps"}`` (and ``"dy"`` when ``upstream``): a batch from
    ``strategies.batches`` (N >= 2, sometimes a constant feature), gamma and beta in
    [-3, 3], dy in [-10, 10].  Shrinks to a 2x1 batch of zeros with eps = 1e-5."""
    x = draw(gen.batches(max_n=max_n, max_d=max_d))
    n, d = x.shape
    case = {
        "x": x,
        "gamma": draw(gen.arrays((d,), -3.0, 3.0)),
        "beta": draw(gen.arrays((d,), -3.0, 3.0)),
        "eps": draw(epsilons),
    }
    if upstream:
        case["dy"] = draw(gen.arrays((n, d), -10.0, 10.0))
    return case


@st.composite
def running_stats(draw: Any, d: int) -> dict[str, np.ndarray]:
    """``{"running_mean", "running_var"}`` of length d: means in [-5, 5], variances in
    [0, 10], sometimes exactly 0 (eps is then all that keeps inference finite).

    Every such state is reachable by ``nn.BatchNorm1d``: the running mean is any convex
    combination of batch means and the running variance of unbiased batch variances, so one
    step with momentum 1 on a batch of mean mu and unbiased variance v (e.g. N = 2 samples
    mu ± sqrt(v / 2)) gives (mu, v), and v = 0 comes from a constant batch."""
    var = draw(gen.arrays((d,), 0.0, 10.0))
    if draw(st.integers(0, 3)) == 0:
        var[draw(st.integers(0, d - 1))] = 0.0
    return {"running_mean": draw(gen.arrays((d,), -5.0, 5.0)), "running_var": var}


@st.composite
def batch_sequences(draw: Any, max_batches: int = 4) -> dict[str, Any]:
    """``{"running_mean", "running_var", "xs", "momentum"}``: initial running statistics
    (see ``running_stats``) and 1..max_batches batches of the same width (each N >= 2,
    sometimes N = 2, sometimes a constant feature).  Shrinks to one 2x1 batch."""
    d = draw(st.integers(1, 4))
    xs = [
        draw(gen.batches(max_n=6, min_d=d, max_d=d))
        for _ in range(draw(st.integers(1, max_batches)))
    ]
    return {**draw(running_stats(d)), "xs": xs, "momentum": draw(momentum_values)}


@st.composite
def inference_problems(draw: Any) -> dict[str, Any]:
    """``bn_problems`` plus running statistics of the same width (see ``running_stats``)."""
    case = draw(bn_problems())
    return {**case, **draw(running_stats(case["x"].shape[1]))}
