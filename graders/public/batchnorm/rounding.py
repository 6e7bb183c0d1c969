"""The batchnorm lab's rounding-error models, for ``compare.within`` (u = 2**-53).

Per feature, with N rows, X = max |x|, s = 1 / sqrt(var + eps) and |x_hat| <= sqrt(N):

- normalising: the batch mean rounds by ~N·u·X and the variance by a relative ~N·u, so
  x_hat is within ~u·h with h = N·(X·s + sqrt(N)) — the condition of x_hat under a
  relative perturbation u of the inputs, amplified by s (up to 1/sqrt(eps) ~ 316 on a
  constant feature, where a two-pass mean leaves ~N·u·X of noise; ``forward_scale``);
- backward (``backward_scales``): dx = gamma·s·(dy - mean(dy) - x_hat·mean(dy·x_hat)) adds
  terms of size |gamma|·s·D·(2 + N), D = max |dy|, each rounded N times, and x_hat's error
  enters twice, each time times |gamma|·s·D·sqrt(N); dgamma sums N products dy·x_hat;
  dbeta sums N values of dy;
- running statistics (``running_scales``): each step adds the rounding of the old value and
  of a batch mean (N·X) or unbiased variance (relative N·u); over a trajectory the errors
  add up, so step t's scale is the sum of the scales of steps 1..t;
- inference (``inference_scale``): gamma·s_run·(x - running_mean) + beta rounds relative to
  |gamma|·s_run·(|x| + |running_mean|) + |beta|.

``ULPS = 64``: the errors measured on PyTorch, the reference and every correct variant of
the catalog stay below 2 u·scale; every wrong answer of the catalog is off by a relative
1e-2 or more of the output.
"""

from __future__ import annotations

import numpy as np

from graders import compare

ULPS = 64.0
#: a floor for every scale: gamma may be as small as 1e-300, where y is near the subnormals,
#: whose rounding is absolute (2**-1074)
TINY = 1e-300


def feature_stats(x: np.ndarray, eps: float) -> tuple[int, np.ndarray, np.ndarray, np.ndarray]:
    """(N, X = max |x|, the biased variance, s = 1 / sqrt(var + eps)), per feature; centred
    on the first sample first, so that a constant feature has a variance of exactly 0."""
    x = np.asarray(x, dtype=np.float64)
    centred = (x - x[0]) - (x - x[0]).mean(axis=0)
    var = (centred**2).mean(axis=0)
    return x.shape[0], np.max(np.abs(x), axis=0), var, 1.0 / np.sqrt(var + eps)


def _h(n: int, big_x: np.ndarray, s: np.ndarray) -> np.ndarray:
    """The rounding scale of x_hat per feature (module docstring)."""
    return n * (big_x * s + np.sqrt(n))


def forward_scale(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float) -> np.ndarray:
    """Rounding scale of gamma·x_hat + beta, per feature (broadcasts over the rows)."""
    n, big_x, _, s = feature_stats(x, eps)
    return np.abs(gamma) * _h(n, big_x, s) + np.abs(beta) + TINY


def backward_scales(
    dy: np.ndarray, x: np.ndarray, gamma: np.ndarray, eps: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rounding scales of (dx, dgamma, dbeta), per feature."""
    n, big_x, _, s = feature_stats(x, eps)
    d = np.max(np.abs(np.asarray(dy, dtype=np.float64)), axis=0)
    h = _h(n, big_x, s)
    return (
        np.abs(gamma) * s * d * (n * (3.0 + n) + 2.0 * np.sqrt(n) * h) + TINY,
        n * d * (h + n * np.sqrt(n)) + TINY,
        n * d + TINY,
    )


def running_scales(
    running_mean: np.ndarray, running_var: np.ndarray, xs: list[np.ndarray]
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Rounding scales of (running_mean, running_var) after each batch of ``xs``: the sum
    of the steps' scales so far (module docstring); the old values are taken from an
    accurate trajectory (momentum <= 1 only shrinks them, so old + new bounds each step)."""
    out, sm, sv = [], np.zeros_like(running_mean), np.zeros_like(running_var)
    mean, var = np.abs(running_mean), np.abs(running_var)
    for x in xs:
        n, big_x = x.shape[0], np.max(np.abs(x), axis=0)
        batch_var = x.var(axis=0, ddof=1)
        sm = sm + mean + n * big_x
        sv = sv + var + n * batch_var + n**3 * compare.U * big_x**2
        mean, var = np.maximum(mean, np.abs(x.mean(axis=0))), np.maximum(var, batch_var)
        out.append((sm, sv))
    return out


def inference_scale(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    eps: float,
) -> np.ndarray:
    """Rounding scale of gamma·(x - running_mean)/sqrt(running_var + eps) + beta."""
    s = 1.0 / np.sqrt(np.asarray(running_var, dtype=np.float64) + eps)
    return 4.0 * (np.abs(gamma) * s * (np.abs(x) + np.abs(running_mean)) + np.abs(beta)) + TINY
