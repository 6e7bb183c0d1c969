"""Public properties for ``adaptive_lr``: PyTorch's optimizers and schedulers as the oracle.

Shipped to students (no reference needed).  Conventions enforced (``torch.optim``'s): the
state arrays start at zero and are returned *raw* (Adam's m and v without bias
correction); AdaGrad accumulates a sum; RMSProp's average starts at 0; Adam's step number
``t`` is 1-based; eps is added outside the square root, which shows with tiny (1e-12)
gradients.  Each optimizer runs 5-12 steps in one round trip, threading the student's own
``(theta, state)`` from step to step, against the same torch optimizer fed the same
gradients.  The schedules are checked through their defining shape (Noam's peak, linear
ramp and 1/sqrt decay; the cosine's end points) and torch's ``CosineAnnealingLR``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from hypothesis import strategies as st

from graders import compare, oracles
from graders import strategies as gen
from graders.props import Ref, prop, student

# --- strategies -----------------------------------------------------------------------

learning_rates = st.sampled_from([1e-3, 1e-2, 0.1, 0.5])


def _maybe(values: Sequence[Any]) -> st.SearchStrategy[Any]:
    """None (meaning "leave the default") or one of ``values``."""
    return st.sampled_from([None, *values])


@st.composite
def optimizer_runs(draw: Any, options: dict[str, st.SearchStrategy[Any]],
                   min_steps: int = 5, max_steps: int = 12) -> dict[str, Any]:
    """``{"theta0" (dim,), "grads" (T, dim), "opts"}``: a start point in [-5, 5], 5-12
    gradients (sometimes all tiny, 1e-12, or huge, 1e6; see ``gradient_sequences``) and the
    optional hyperparameters drawn from ``options`` (None entries are left at the default).
    Shrinks to 5 zero gradients of dimension 1 with every default."""
    grads = draw(gen.gradient_sequences(min_steps=min_steps, max_steps=max_steps))
    opts = {name: draw(s) for name, s in options.items()}
    return {"theta0": draw(gen.arrays((grads.shape[1],), -5.0, 5.0)), "grads": grads,
            "opts": {k: v for k, v in opts.items() if v is not None}}


ADAGRAD_OPTIONS = {"lr": learning_rates, "eps": _maybe([1e-10, 1e-6])}
RMSPROP_OPTIONS = {"lr": learning_rates, "alpha": _maybe([0.9, 0.5, 0.999]),
                   "eps": _maybe([1e-8, 1e-6])}
ADAM_OPTIONS = {"lr": _maybe([1e-3, 1e-2, 0.1]), "beta1": _maybe([0.9, 0.5, 0.0, 0.99]),
                "beta2": _maybe([0.999, 0.9, 0.5]), "eps": _maybe([1e-8, 1e-6])}

# explicit examples: a moderate one first, because the first failing example is the one the
# feedback (and misconception diagnosis) shows, and at the 1e-12 scale several mistakes
# give answers too close to tell apart
MODERATE = np.array([[1.0, -2.0], [0.5, 0.0], [-1.0, 1.0], [2.0, 0.5], [0.1, -0.3]])
TINY = np.full((8, 2), 1e-12) * np.array([1.0, -1.0])
HUGE = np.full((5, 3), 1e6) * np.array([1.0, -0.5, 0.25])


# --- judge-side helpers ----------------------------------------------------------------

def _atol(expected: Any, rel: float = 1e-12) -> float:
    """Absolute tolerance: ``rel`` of the largest entry of a whole run (rounding of terms
    that cancel is of the run's scale, not of the tiny result's)."""
    return rel * float(np.max(np.abs(np.asarray(expected, dtype=np.float64)), initial=0.0))


def torch_run(optimizer: str, theta0: np.ndarray, grads: np.ndarray, opts: dict[str, Any],
              state_keys: Sequence[str]) -> tuple[np.ndarray, list[np.ndarray]]:
    """A torch.optim optimizer fed ``grads``: the (T, dim) thetas and, per state key, the
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
    return np.array(thetas), [np.array(s) for s in zip(*states)]


def threaded_calls(make: Callable[..., Any], theta0: np.ndarray, grads: np.ndarray,
                   n_state: int) -> list[Any]:
    """Step k's call gets theta and the state returned by step k-1 (Ref), so the whole run
    uses the student's own outputs in one round trip.  ``make(k, theta, grad, *state)``."""
    zero = np.zeros_like(theta0)
    calls = [make(0, theta0, grads[0], *([zero] * n_state))]
    calls += [make(k, Ref(k - 1, 0), grads[k], *(Ref(k - 1, i + 1) for i in range(n_state)))
              for k in range(1, len(grads))]
    return calls


def run_values(values: list[Any], fn: str, names: Sequence[str],
               dim: int) -> list[np.ndarray]:
    """Validate each step's returned tuple; the (T, dim) arrays of each returned item."""
    columns: list[list[np.ndarray]] = [[] for _ in names]
    for k, value in enumerate(values):
        items = compare.sequence(value, f"{fn} at step {k + 1}", len(names))
        for col, name, item in zip(columns, names, items):
            col.append(compare.array(item, f"{name} returned by {fn} at step {k + 1}",
                                     shape=(dim,)))
    return [np.array(c) for c in columns]


def compare_run(got: Sequence[np.ndarray], expected: Sequence[np.ndarray],
                names: Sequence[str], what: str, hint: str = "") -> None:
    """State first (its error explains theta's), then theta; rows are steps 1..T."""
    order = list(range(1, len(names))) + [0]
    for i in order:
        compare.close(got[i], expected[i],
                      f"{names[i]} after each step of {what} (row r = step r + 1)",
                      rtol=1e-9, atol=_atol(expected[i]), hint=hint)


def _call_text(fn: str, params: str, opts: dict[str, Any]) -> str:
    """``adam_step(theta, grad, m, v, t, lr=0.1)``: the call with its non-default options."""
    return f"{fn}({', '.join([params, *(f'{k}={v}' for k, v in opts.items())])})"


# --- adagrad_step ----------------------------------------------------------------------

@prop("adaptive_lr.adagrad_step",
      "5-12 steps threading your (theta, sum_sq) follow torch.optim.Adagrad, incl. tiny "
      "gradients", points=2, given=optimizer_runs(ADAGRAD_OPTIONS),
      examples=[{"theta0": np.array([1.0, -1.0]), "grads": MODERATE, "opts": {"lr": 0.1}},
                {"theta0": np.array([1.0, -1.0]), "grads": TINY, "opts": {"lr": 0.1}},
                {"theta0": np.zeros(3), "grads": HUGE, "opts": {"lr": 0.5}}],
      expect=lambda theta0, grads, opts: torch_run("Adagrad", theta0, grads, opts, ["sum"]),
      hint="sum_sq accumulates grad**2 over all steps (a sum, not an average), including the "
           "current gradient before the update; eps goes outside the square root.")
def adagrad_matches_torch(theta0, grads, opts, expected):
    values = yield threaded_calls(
        lambda k, theta, g, s: student.adagrad_step(theta, g, s, **opts), theta0, grads, 1)
    names = ["theta", "sum_sq"]
    got = run_values(values, "adagrad_step", names, len(theta0))
    compare_run(got, [expected[0], *expected[1]], names,
                _call_text("adagrad_step", "theta, grad, sum_sq", opts))


# --- rmsprop_step ----------------------------------------------------------------------

@prop("adaptive_lr.rmsprop_step",
      "5-12 steps threading your (theta, sq_avg) follow torch.optim.RMSprop, incl. tiny "
      "gradients", points=2, given=optimizer_runs(RMSPROP_OPTIONS),
      examples=[{"theta0": np.array([1.0, -1.0]), "grads": MODERATE, "opts": {"lr": 0.01}},
                {"theta0": np.array([1.0, -1.0]), "grads": TINY, "opts": {"lr": 0.01}},
                {"theta0": np.zeros(3), "grads": HUGE, "opts": {"lr": 0.1, "alpha": 0.9}}],
      expect=lambda theta0, grads, opts: torch_run("RMSprop", theta0, grads, opts,
                                                   ["square_avg"]),
      hint="alpha is the weight of the old average; the average starts at 0 (not at the "
           "first grad**2); eps goes outside the square root.")
def rmsprop_matches_torch(theta0, grads, opts, expected):
    values = yield threaded_calls(
        lambda k, theta, g, s: student.rmsprop_step(theta, g, s, **opts), theta0, grads, 1)
    names = ["theta", "sq_avg"]
    got = run_values(values, "rmsprop_step", names, len(theta0))
    compare_run(got, [expected[0], *expected[1]], names,
                _call_text("rmsprop_step", "theta, grad, sq_avg", opts))


# --- adam_step -------------------------------------------------------------------------

ADAM_HINT = ("Return the raw moving averages m', v'; bias-correct copies of them with the "
             "1-based step t (1 - beta**t) only for the update; eps goes outside the square "
             "root of v_hat.")


@prop("adaptive_lr.adam_step",
      "5-12 steps threading your (theta, m, v), t = 1, 2, ..., follow torch.optim.Adam",
      points=1.5, given=optimizer_runs(ADAM_OPTIONS),
      examples=[{"theta0": np.array([1.0, -1.0]), "grads": MODERATE, "opts": {}},
                {"theta0": np.zeros(3), "grads": HUGE, "opts": {"lr": 0.1, "beta1": 0.5}}],
      expect=lambda theta0, grads, opts: torch_run("Adam", theta0, grads, opts,
                                                   ["exp_avg", "exp_avg_sq"]),
      hint=ADAM_HINT)
def adam_matches_torch(theta0, grads, opts, expected):
    values = yield threaded_calls(
        lambda k, theta, g, m, v: student.adam_step(theta, g, m, v, k + 1, **opts),
        theta0, grads, 2)
    names = ["theta", "m", "v"]
    got = run_values(values, "adam_step", names, len(theta0))
    compare_run(got, [expected[0], *expected[1]], names, _call_text("adam_step", "theta, grad, m, v, t", opts))


@prop("adaptive_lr.adam_step",
      "with tiny gradients (1e-12) eps dominates the step, as in torch.optim.Adam",
      points=1,
      given=optimizer_runs(ADAM_OPTIONS).map(
          lambda run: {**run, "grads": np.sign(run["grads"]) * 1e-12}),
      examples=[{"theta0": np.array([1.0, -1.0]), "grads": TINY, "opts": {}}],
      expect=lambda theta0, grads, opts: torch_run("Adam", theta0, grads, opts,
                                                   ["exp_avg", "exp_avg_sq"]),
      hint="theta' = theta - lr * m_hat / (sqrt(v_hat) + eps): with |grad| ~ 1e-12, "
           "sqrt(v_hat) ~ 1e-12 is far below eps = 1e-8, so the step is about "
           "lr * grad / eps, not lr * sign(grad).")
def adam_tiny_gradients(theta0, grads, opts, expected):
    values = yield threaded_calls(
        lambda k, theta, g, m, v: student.adam_step(theta, g, m, v, k + 1, **opts),
        theta0, grads, 2)
    names = ["theta", "m", "v"]
    got = run_values(values, "adam_step", names, len(theta0))
    # compare the movement: |theta| ~ 1 would hide a step of 1e-11 in theta's rounding
    steps, exp_steps = got[0] - theta0, expected[0] - theta0
    compare.close(steps, exp_steps,
                  "theta - theta0 after each step of "
                  + _call_text("adam_step", "theta, grad, m, v, t", opts) + " (row r = step r + 1)",
                  rtol=1e-6, atol=1e-6 * float(np.max(np.abs(exp_steps), initial=0.0))
                  + 4 * np.finfo(np.float64).eps * float(np.max(np.abs(theta0), initial=0.0)))
    compare_run(got, [expected[0], *expected[1]], names, _call_text("adam_step", "theta, grad, m, v, t", opts))


# --- noam_lr ---------------------------------------------------------------------------

@st.composite
def noam_cases(draw: Any) -> dict[str, int]:
    """d_model, warmup_steps in [1, 4000] and a step before, at or after the warm-up."""
    warmup = draw(st.integers(1, 4000))
    step = draw(st.one_of(st.integers(1, warmup), st.just(warmup),
                          st.integers(warmup, 100 * warmup)))
    return {"step": step, "d_model": draw(st.sampled_from([1, 16, 64, 512, 1024])),
            "warmup_steps": warmup}


@prop("adaptive_lr.noam_lr",
      "peaks at step = warmup_steps with (d_model*warmup_steps)**-0.5, rises linearly from 0 "
      "before and decays as 1/sqrt(step) after", points=1.5, given=noam_cases(),
      examples=[{"step": 1, "d_model": 512, "warmup_steps": 4000},
                {"step": 40000, "d_model": 512, "warmup_steps": 4000},
                {"step": 1, "d_model": 1, "warmup_steps": 1}],
      hint="Take the smaller (min) of the decay term and the warm-up term: they cross at "
           "step = warmup_steps, and both are scaled by d_model**-0.5.")
def noam_shape(step, d_model, warmup_steps):
    at, peak, first = yield [student.noam_lr(step, d_model, warmup_steps),
                             student.noam_lr(warmup_steps, d_model, warmup_steps),
                             student.noam_lr(1, d_model, warmup_steps)]
    args = f"d_model={d_model}, warmup_steps={warmup_steps}"
    peak = compare.scalar(peak, f"noam_lr({warmup_steps}, {d_model}, {warmup_steps})")
    first = compare.scalar(first, f"noam_lr(1, {d_model}, {warmup_steps})")
    at = compare.scalar(at, f"noam_lr({step}, {d_model}, {warmup_steps})")
    compare.close(peak, (d_model * warmup_steps) ** -0.5,
                  f"the peak noam_lr(step=warmup_steps, {args})", rtol=1e-12, atol=0)
    compare.close(first, peak / warmup_steps, f"noam_lr(1, {args}), expected peak / "
                  "warmup_steps on the linear ramp", rtol=1e-12, atol=0)
    if step <= warmup_steps:
        compare.close(at, peak * step / warmup_steps, f"noam_lr({step}, {args}) on the "
                      "linear warm-up ramp (peak * step / warmup_steps)", rtol=1e-12, atol=0)
    else:
        compare.close(at, peak * np.sqrt(warmup_steps / step), f"noam_lr({step}, {args}) "
                      "after the peak (peak * sqrt(warmup_steps / step))", rtol=1e-12, atol=0)


# --- warmup_cosine_lr ------------------------------------------------------------------

@st.composite
def cosine_schedules(draw: Any, with_step: bool = False, max_warmup: int = 50,
                     max_decay: int = 60) -> dict[str, Any]:
    """base_lr, warmup_steps in [1, 50], total_steps (1-60 decay steps) and min_lr (None =
    the default 0, or a fraction of base_lr other than 1/2, where dropping the 0.5 and
    ignoring min_lr give the same numbers); with ``with_step`` also a ``step`` in the warm-up.
    Shrinks to warmup_steps = 1, total_steps = 2."""
    warmup = draw(st.integers(1, max_warmup))
    base = draw(st.sampled_from([1e-4, 3e-3, 0.1, 1.0, 5.0]))
    case = {"base_lr": base, "warmup_steps": warmup,
            "total_steps": warmup + draw(st.integers(1, max_decay)),
            "min_lr": draw(st.sampled_from([None, None, 0.0, 0.1 * base, 0.3 * base]))}
    if with_step:
        case["step"] = draw(st.integers(0, warmup))
    return case


def _cosine_kwargs(min_lr: float | None) -> dict[str, float]:
    return {} if min_lr is None else {"min_lr": min_lr}


@prop("adaptive_lr.warmup_cosine_lr",
      "0 at step 0, rises linearly to base_lr at warmup_steps, ends at min_lr at total_steps",
      points=1, given=cosine_schedules(with_step=True),
      examples=[{"base_lr": 0.1, "warmup_steps": 10, "total_steps": 100, "min_lr": None,
                 "step": 3},
                {"base_lr": 1.0, "warmup_steps": 1, "total_steps": 2, "min_lr": 0.2,
                 "step": 0}],
      hint="During the warm-up, lr = base_lr * step / warmup_steps (0 at step 0); the decay "
           "starts at base_lr at step == warmup_steps.")
def cosine_end_points(base_lr, warmup_steps, total_steps, min_lr, step):
    kw = _cosine_kwargs(min_lr)

    def call(s: int) -> Any:
        return student.warmup_cosine_lr(s, base_lr, warmup_steps, total_steps, **kw)

    values = yield [call(0), call(step), call(warmup_steps), call(total_steps)]
    args = (f"base_lr={base_lr}, warmup_steps={warmup_steps}, total_steps={total_steps}"
            + (f", min_lr={min_lr}" if min_lr is not None else ""))
    zero, at, peak, end = (compare.scalar(v, f"warmup_cosine_lr({s}, {args})") for v, s in
                           zip(values, [0, step, warmup_steps, total_steps]))
    tol = 1e-12 * base_lr
    compare.close(zero, 0.0, f"warmup_cosine_lr(0, {args})", rtol=0, atol=tol)
    compare.close(peak, base_lr, f"warmup_cosine_lr({warmup_steps}, {args}) at the end of the "
                  "warm-up", rtol=1e-12, atol=tol)
    compare.close(end, min_lr or 0.0, f"warmup_cosine_lr({total_steps}, {args}) at the last "
                  "step", rtol=1e-12, atol=tol)
    compare.close(at, base_lr * step / warmup_steps, f"warmup_cosine_lr({step}, {args}) on "
                  "the linear warm-up from 0 to base_lr", rtol=1e-12, atol=tol)


def torch_cosine(base_lr: float, warmup_steps: int, total_steps: int,
                 min_lr: float | None) -> np.ndarray:
    """torch's CosineAnnealingLR(T_max = total - warmup, eta_min = min_lr) stepped from
    base_lr: the rates for steps warmup_steps..total_steps."""
    torch = oracles.torch()
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=base_lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(
        opt, T_max=total_steps - warmup_steps, eta_min=min_lr or 0.0)
    rates = [sched.get_last_lr()[0]]
    for _ in range(total_steps - warmup_steps):
        opt.step()
        sched.step()
        rates.append(sched.get_last_lr()[0])
    return np.array(rates)


@prop("adaptive_lr.warmup_cosine_lr",
      "after the warm-up it follows torch's CosineAnnealingLR(T_max = total - warmup) down "
      "to min_lr", points=1, given=cosine_schedules(),
      examples=[{"base_lr": 1.0, "warmup_steps": 5, "total_steps": 25, "min_lr": 0.1}],
      expect=torch_cosine,
      hint="The decay is half a cosine period spread over the total_steps - warmup_steps "
           "steps after the warm-up, from base_lr down to min_lr (mind the 0.5 in the "
           "docstring's formula).")
def cosine_decay_matches_torch(base_lr, warmup_steps, total_steps, min_lr, expected):
    kw = _cosine_kwargs(min_lr)
    args = (f"base_lr={base_lr}, warmup_steps={warmup_steps}, total_steps={total_steps}"
            + (f", min_lr={min_lr}" if min_lr is not None else ""))
    values = yield [student.warmup_cosine_lr(s, base_lr, warmup_steps, total_steps, **kw)
                    for s in range(warmup_steps, total_steps + 1)]
    got = np.array([compare.scalar(v, f"warmup_cosine_lr({s}, {args})")
                    for s, v in enumerate(values, start=warmup_steps)])
    compare.close(got, expected, f"warmup_cosine_lr(step, {args}) for step = "
                  f"{warmup_steps}..{total_steps} (index i = step {warmup_steps} + i)",
                  rtol=1e-9, atol=1e-12 * base_lr)
