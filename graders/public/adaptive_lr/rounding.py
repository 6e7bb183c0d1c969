"""The rounding-error model of ``adaptive_lr``'s optimizer checks (public, judge side).

A threaded run of a step function (:class:`Run`), the bound on each entry's rounding error
along it (:func:`rounding_bounds`, computed once per run and expected values), and the
comparison of a student's run with torch's within that bound (:func:`check_run`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import chain
from typing import Any

import numpy as np

from graders import compare

# The rounding-error model of an adaptive step.  Two float64 implementations of one update
# (the textbook lines, torch's lerp/addcmul/addcdiv form, the bias correction folded into
# the step size) differ only by rounding.  Each line is a few operations, each exact up to a
# relative u = 2**-53 of its operands, so to first order, with OPS roundings per line:
#   m' = a1·m + (1-a1)·g   |dm'| <= a1·|dm| + OPS·u·(|m| + |g|)   (the lerp form rounds
#   v' = a2·v + b2·g²      |dv'| <= a2·|dv| + OPS·u·(v + g²)       relative to |m| + |g|)
# (Adam: a1, a2 = beta1, beta2; RMSProp: m' = g, a2 = alpha; AdaGrad: m' = g, a2 = b2 = 1);
# inherited errors shrink by a1 (a2) as the recursion does.  A bias correction
# bc = 1 - beta**t carries u·(1 + t·beta**t / bc) (beta**t by pow or by t products).
# The update d = lr·m_hat / D, D = sqrt(v_hat) + eps, is a quotient: its error is
#   lr·|dm_hat| / D + |d|·dD / D + OPS·u·|d|  (+ OPS·UNDERFLOW / (D·sqrt(bc2)): an
#   intermediate such as lr·m_hat may underflow, where rounding is absolute, 2**-1074)
# an error of the numerator amplified by 1/D — huge where v is tiny next to a large m,
# which no run reaches (the states are generated from real trajectories); sqrt is
# ill-conditioned at 0: dsqrt(x) <= dx / max(sqrt(x), sqrt(dx)).  theta's error is the sum
# of its steps' plus u·|theta| per step.  Each side is within that bound, so a comparison
# accepts SAFETY = 2 sides × 4 (what first order leaves out) times it, entry by entry.  A
# wrong answer is off by a relative O(1) of a step, or for a misplaced eps by eps / D
# (>= 1e-9 relative at these scales): orders of magnitude above the bound.
OPS, SAFETY, UNDERFLOW = 4.0, 8.0, 2.0**-1074
DEFAULT_EPS = {"adagrad_step": 1e-10, "rmsprop_step": 1e-8, "adam_step": 1e-8}
STATE = {"adagrad_step": ("sum_sq",), "rmsprop_step": ("sq_avg",), "adam_step": ("m", "v")}
_SEQUENCES, _F8 = {tuple, list}, np.dtype(np.float64)  # a step's answer as the wire decodes it


@dataclass(frozen=True)
class Run:
    """One threaded run of an optimizer step: its inputs, options and first step number."""

    fn: str
    opts: dict[str, Any]
    theta0: np.ndarray
    grads: np.ndarray
    state0: Sequence[np.ndarray]
    t0: int = 1

    names = property(lambda self: ("theta", *STATE[self.fn]))

    @property
    def what(self) -> str:
        """``adam_step(theta, grad, m, v, t, lr=0.1) from t=5``: the call, its options."""
        params = ["theta", "grad", *STATE[self.fn], *(["t"] if self.fn == "adam_step" else [])]
        params += [f"{k}={v}" for k, v in self.opts.items()]
        return f"{self.fn}({', '.join(params)})" + (f" from t={self.t0}" if self.t0 > 1 else "")

    def hyper(self) -> dict[str, float]:
        """Every hyperparameter, defaults included (the betas of AdaGrad and RMSProp are 0:
        no bias correction, 1 - 0**t = 1; their second-moment decay a2 is 1 and alpha)."""
        o, adam = self.opts, self.fn == "adam_step"
        h = {
            "lr": o.get("lr", 1e-3),
            "eps": o.get("eps", DEFAULT_EPS[self.fn]),
            "beta1": o.get("beta1", 0.9) if adam else 0.0,
            "beta2": o.get("beta2", 0.999) if adam else 0.0,
        }
        if self.fn == "rmsprop_step":
            h["alpha"] = o.get("alpha", 0.99)
        return {**h, "a2": h["beta2"] if adam else h.get("alpha", 1.0)}


def rounding_bounds(run: Run, expected: Sequence[np.ndarray]) -> list[np.ndarray]:
    """Per step and entry, the model's bound on the error of theta, then of each state item
    (arrays like ``expected``: its thetas, then its states)."""
    u, h, adam = compare.U, run.hyper(), run.fn == "adam_step"
    firsts = expected[1] if adam else run.grads  # RMSProp's and AdaGrad's numerator is g
    m = run.state0[0] if adam else np.zeros_like(run.theta0)
    v, theta = run.state0[-1], run.theta0
    em = ev = eth = np.zeros_like(run.theta0)
    out: list[list[np.ndarray]] = [[], [], []]
    with np.errstate(all="ignore"):
        for k, g in enumerate(run.grads):
            em = h["beta1"] * em + OPS * (u * (np.abs(m) + np.abs(g)) + UNDERFLOW)
            ev = h["a2"] * ev + OPS * (u * (np.abs(v) + g * g) + UNDERFLOW)
            m, v, t = firsts[k], expected[-1][k], run.t0 + k
            p1, p2 = h["beta1"] ** t, h["beta2"] ** t
            bc1, bc2, r1, r2 = 1 - p1, 1 - p2, 1 + t * p1 / (1 - p1), 1 + t * p2 / (1 - p2)
            e_mhat = (em + OPS * u * r1 * np.abs(m)) / bc1
            vhat, e_vhat = v / bc2, (ev + OPS * u * r2 * np.abs(v)) / bc2
            root = np.sqrt(np.abs(vhat))
            big = np.maximum(root, np.sqrt(e_vhat))
            e_root = np.where(big > 0, e_vhat / np.where(big > 0, big, 1.0), 0.0) + OPS * u * root
            denom = root + h["eps"]
            step = h["lr"] * np.abs(m) / bc1 / denom
            e_step = (
                h["lr"] * e_mhat
                + OPS * UNDERFLOW / np.sqrt(bc2)
                + step * (e_root + OPS * u * denom)
            ) / denom
            rounded = u * (step + np.abs(theta) + np.abs(expected[0][k])) + UNDERFLOW
            eth = eth + e_step + OPS * rounded
            theta = expected[0][k]
            for column, bound in zip(out, (eth, em, ev)):
                column.append(bound)
    bounds = [np.array(c) for c in out]
    return bounds if adam else [bounds[0], bounds[2]]


#: the tolerances of the runs seen: they depend on the run and its expected values only,
#: which every student of a batch shares (keyed by their bytes; cleared when full)
_BOUNDS: dict[tuple[Any, ...], tuple[list[np.ndarray], np.ndarray, np.ndarray]] = {}
_BOUNDS_MAX = 4096


def _tolerances(
    run: Run, expected: Sequence[np.ndarray]
) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """What ``check_run`` accepts, per step and entry: ``SAFETY`` times each item's
    ``rounding_bounds``, then theta - theta0's (the subtraction adds a rounding of |theta|);
    and the items' expected values and tolerances stacked as ``_plain_run`` stacks a run,
    (T, items, *shape), to judge every item at once."""
    arrays = [run.theta0, run.grads, *run.state0, *expected]
    key = (
        run.fn,
        run.t0,
        repr(sorted(run.opts.items())),
        tuple((a.shape, a.tobytes()) for a in map(np.asarray, arrays)),
    )
    found = _BOUNDS.get(key)
    if found is None:
        if len(_BOUNDS) >= _BOUNDS_MAX:
            _BOUNDS.clear()
        bounds = rounding_bounds(run, expected)
        moved = bounds[0] + OPS * compare.U * np.abs(expected[0])
        with np.errstate(all="ignore"):  # as check_run scaled them, where it compares
            tols = [SAFETY * b for b in [*bounds, moved]]
        n = len(bounds)
        found = _BOUNDS[key] = (tols, np.stack(expected[:n], axis=1), np.stack(tols[:n], axis=1))
    return found


def _checked_run(values: list[Any], run: Run) -> list[np.ndarray]:
    """Every step's tuple and items through ``compare`` in order, step by step: the first
    structural mistake raises its message; else the (T, ...) history of each item."""
    columns: list[list[np.ndarray]] = [[] for _ in run.names]
    for k, value in enumerate(values):
        at = f"{run.fn} at step t={run.t0 + k}"
        for col, name, item in zip(columns, run.names, compare.sequence(value, at, len(run.names))):
            col.append(compare.array(item, f"{name} returned by {at}", shape=run.theta0.shape))
    return [np.array(c) for c in columns]


def _plain_run(values: list[Any], run: Run) -> np.ndarray | None:
    """``_checked_run``'s answer, stacked (item i's history is ``[:, i]``), where it raises
    nothing and every item is what the wire decodes (a tuple or list of float64 arrays of
    theta's shape, all finite): the histories stacked at once, without a message made per
    item (types checked by C-level passes).
    None otherwise, and the caller then runs ``_checked_run``, which raises the first
    mistake's message as before (or converts another dtype, as before)."""
    n = len(run.names)
    if not set(map(type, values)) <= _SEQUENCES or set(map(len, values)) != {n}:
        return None
    items = list(chain.from_iterable(values))
    if set(map(type, items)) != {np.ndarray}:
        return None
    if {(x.dtype, x.shape) for x in items} != {(_F8, run.theta0.shape)}:
        return None
    stacked = np.array(values)  # (T, n, *shape): item i's history is stacked[:, i]
    return stacked if np.isfinite(stacked).all() else None


def check_run(
    values: list[Any], expected: Sequence[np.ndarray], run: Run, moved: bool = False
) -> None:
    """Structure of every step's tuple, then the state histories (their error explains
    theta's), then theta's (``moved``: first theta - theta0), within the rounding model."""
    tols, stacked_expected, stacked_tol = _tolerances(run, expected)
    stacked, passed = _plain_run(values, run), False
    if stacked is None:
        got = _checked_run(values, run)
    else:
        got = [stacked[:, i] for i in range(len(run.names))]
        if stacked.shape == stacked_expected.shape:
            # every entry within its tolerance: no item check below can fail
            with np.errstate(all="ignore"):
                passed = bool((np.abs(stacked - stacked_expected) <= stacked_tol).all())
    checks = (
        [] if passed else [(run.names[i], got[i], expected[i], tols[i]) for i in range(1, len(got))]
    )
    if moved:
        checks.append(("theta - theta0", got[0] - run.theta0, expected[0] - run.theta0, tols[-1]))
    if not passed:
        checks.append(("theta", got[0], expected[0], tols[0]))
    with np.errstate(all="ignore"):
        for label, g, e, tol in checks:
            err = np.abs(g - e)
            bad = ~((err <= tol) | (g == e))
            if bad.any():
                raise compare.Failure(_message(label, g, e, err, tol, bad, run, expected))


def _message(
    label: str,
    got: np.ndarray,
    expected: np.ndarray,
    err: np.ndarray,
    tol: np.ndarray,
    bad: np.ndarray,
    run: Run,
    history: Sequence[np.ndarray],
) -> str:
    """The first failing step, its worst entry, and what that step received there (theta,
    grad, the state, t, the hyperparameters): the feedback's input line may elide them, and
    they decide whether a difference is rounding."""
    k = int(np.argmax(bad.reshape(len(run.grads), -1).any(axis=1)))
    idx = np.unravel_index(
        int(np.argmax(np.where(bad[k], err[k] / np.maximum(tol[k], 1e-300), -1.0))),
        run.theta0.shape,
    )
    entry = tuple(int(j) for j in idx)
    state = [run.theta0, *run.state0] if k == 0 else [h[k - 1] for h in history]
    values = {"theta": state[0], "grad": run.grads[k], **dict(zip(run.names[1:], state[1:]))}
    shown = [f"{n} = {float(x[idx]):.10g}" for n, x in values.items()]
    hyper = {
        n: x
        for n, x in run.hyper().items()
        if n in ("lr", "alpha", "eps") or (n.startswith("beta") and run.fn == "adam_step")
    }
    shown += [f"t = {run.t0 + k}"] + [f"{n} = {x:.10g}" for n, x in hyper.items()]
    return (
        f"{label} after step t={run.t0 + k} of {run.what}, entry {entry}: got "
        f"{float(got[k][idx])!r}, expected {float(expected[k][idx])!r} (error "
        f"{compare.fmt(float(err[k][idx]), 3)}; tolerance {compare.fmt(float(tol[k][idx]), 3)}"
        f", the rounding this run's arithmetic can explain); {int(bad.sum())} of "
        f"{bad.size} entries differ.  That step received, at entry {entry}: "
        + ", ".join(shown)
        + "."
    )


# --- adagrad_step ----------------------------------------------------------------------
