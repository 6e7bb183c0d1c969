"""adaptive_lr's judge-side fast paths answer as the checked paths do: a plain run stacks to
the same histories, anything else reaches the step-by-step checks and their first message;
plain floats read as ``compare.scalar`` reads them; ``threaded_calls`` builds the calls the
per-step form built; the cached tolerances are ``SAFETY`` times the rounding model's bounds."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graders import compare
from graders import strategies as gen
from graders.kit import threaded
from graders.props import student
from graders.public.adaptive_lr import rounding, scalars, threaded_calls
from graders.public.adaptive_lr.rounding import (
    OPS,
    SAFETY,
    Run,
    _checked_run,
    _plain_run,
    _tolerances,
    check_run,
    rounding_bounds,
)
from graders.sandbox.protocol import Ref
from reference import adaptive_lr as ref

ADAGRAD, RMSPROP, ADAM = gen.OPTIMIZER_OPTIONS
STEP = {"adagrad_step": ref.adagrad_step, "rmsprop_step": ref.rmsprop_step}


def _reference_values(run: Run) -> list[tuple[np.ndarray, ...]]:
    """The reference's own step tuples along ``run``: what a correct student returns."""
    theta, state, values = run.theta0, list(run.state0), []
    for k, g in enumerate(run.grads):
        if run.fn == "adam_step":
            out = ref.adam_step(theta, g, *state, run.t0 + k, **run.opts)
        else:
            out = STEP[run.fn](theta, g, *state, **run.opts)
        theta, *state = out
        values.append(tuple(out))
    return values


def _history(values: list[tuple[np.ndarray, ...]]) -> list[np.ndarray]:
    return [np.array(column) for column in zip(*values)]


@st.composite
def runs(draw: Any) -> Run:
    """A run of any of the three optimizers on the public strategies' inputs."""
    fn, options = draw(
        st.sampled_from([("adagrad_step", ADAGRAD), ("rmsprop_step", RMSPROP), ("adam_step", ADAM)])
    )
    case = draw(gen.optimizer_runs(options))
    theta0 = case["theta0"]
    state0 = [np.zeros_like(theta0)] * (2 if fn == "adam_step" else 1)
    return Run(fn, case["opts"], theta0, case["grads"], state0)


def _message(fn: Any, *args: Any) -> str:
    """The Failure message ``fn(*args)`` raises."""
    with pytest.raises(compare.Failure) as failure:
        fn(*args)
    return failure.value.message


@settings(max_examples=60, deadline=None)
@given(runs())
def test_plain_run_stacks_what_the_checked_path_returns(run):
    """A well-formed run (tuples of finite float64 arrays) gives the checked path's histories, bit for bit."""
    values = _reference_values(run)
    fast, checked = _plain_run(values, run), _checked_run(values, run)
    assert fast is not None and fast.shape[1] == len(checked)
    for f, c in zip(np.moveaxis(fast, 1, 0), checked):
        assert f.dtype == c.dtype and f.shape == c.shape and f.tobytes() == c.tobytes()


def _spoil(values: list[tuple], k: int, i: int, how: str) -> list[Any]:
    """``values`` with item i of step k (or step k itself) changed in one way: malformed, of
    another legal type, or off by a relative 1e-6."""
    out: list[Any] = list(values)
    item = values[k][i]
    changed = {
        "nan": np.where(np.arange(item.size).reshape(item.shape) == 0, np.nan, item),
        "inf": np.full_like(item, np.inf),
        "float32": item.astype(np.float32),
        "int": np.zeros(item.shape, dtype=np.int64),
        "list": item.tolist(),
        "shape": np.append(item, 1.0),
        "none": None,
        "scalar": 0.5,
        "off": item * (1 + 1e-6) + 1e-300,
    }
    if how == "short":
        out[k] = values[k][:-1]
    elif how == "not a tuple":
        out[k] = values[k][0]
    else:
        out[k] = tuple(changed[how] if j == i else x for j, x in enumerate(values[k]))
    return out


HOW = ["nan", "inf", "float32", "int", "list", "shape", "none", "scalar", "off", "short"]


def _base_check_run(values, expected, run, moved=False):
    """check_run as it was before its fast paths (c24e728), verbatim but for the bounds
    (rounding_bounds itself, not its cache): the oracle of the rewrite."""
    columns: list[list[np.ndarray]] = [[] for _ in run.names]
    for k, value in enumerate(values):
        at = f"{run.fn} at step t={run.t0 + k}"
        for col, name, item in zip(columns, run.names, compare.sequence(value, at, len(run.names))):
            col.append(compare.array(item, f"{name} returned by {at}", shape=run.theta0.shape))
    got = [np.array(c) for c in columns]
    bounds = rounding_bounds(run, expected)
    checks = [(run.names[i], got[i], expected[i], bounds[i]) for i in range(1, len(got))]
    if moved:
        checks.append(
            (
                "theta - theta0",
                got[0] - run.theta0,
                expected[0] - run.theta0,
                bounds[0] + OPS * compare.U * np.abs(expected[0]),
            )
        )
    checks.append(("theta", got[0], expected[0], bounds[0]))
    for label, g, e, bound in checks:
        with np.errstate(all="ignore"):
            err, tol = np.abs(g - e), SAFETY * bound
            bad = ~((err <= tol) | (g == e))
        if bad.any():
            raise compare.Failure(rounding._message(label, g, e, err, tol, bad, run, expected))


def _outcome(check: Any, *args: Any, **kwargs: Any) -> tuple[str, str] | None:
    """None when ``check`` passes, else its Failure's kind and message."""
    try:
        check(*args, **kwargs)
    except compare.Failure as failure:
        return failure.kind, failure.message
    return None


@settings(max_examples=150, deadline=None)
@given(runs(), st.data())
def test_check_run_judges_every_answer_as_before(run, data):
    """Correct, malformed (NaN, a list, wrong shape, a short tuple ...), other-typed (float32, int) or slightly wrong answers: check_run passes or raises word for word as the pre-fast-path code."""
    values = _reference_values(run)
    expected = _history(values)
    how = data.draw(st.sampled_from([None, *HOW]))
    if how is not None:
        k = data.draw(st.integers(0, len(values) - 1))
        values = _spoil(values, k, data.draw(st.integers(0, len(run.names) - 1)), how)
    moved = data.draw(st.booleans())
    want = _outcome(_base_check_run, values, expected, run, moved=moved)
    assert _outcome(check_run, values, expected, run, moved=moved) == want
    if how in ("nan", "shape", "none", "scalar", "short", "list"):
        assert want is not None  # the oracle itself fails these: the comparison has teeth


@settings(max_examples=40, deadline=None)
@given(runs())
def test_a_list_per_step_stacks_like_a_tuple(run):
    """Steps returned as lists (a tuple's other legal form) pass the fast path with the checked path's histories."""
    values = [list(v) for v in _reference_values(run)]
    fast, checked = _plain_run(values, run), _checked_run(values, run)
    assert fast is not None
    assert all(f.tobytes() == c.tobytes() for f, c in zip(np.moveaxis(fast, 1, 0), checked))


@settings(max_examples=60, deadline=None)
@given(runs())
def test_tolerances_are_safety_times_the_rounding_bounds(run):
    """The cached tolerances are SAFETY x rounding_bounds per item, then SAFETY x (theta's bound + OPS u |theta|)."""
    expected = _history(_reference_values(run))
    bounds = rounding_bounds(run, expected)
    tols, stacked_expected, stacked_tol = _tolerances(run, expected)
    assert len(tols) == len(bounds) + 1
    for t, b in zip(tols, bounds):
        assert t.tobytes() == (SAFETY * b).tobytes()
    moved = SAFETY * (bounds[0] + OPS * compare.U * np.abs(expected[0]))
    assert tols[-1].tobytes() == moved.tobytes()
    for i, (e, t) in enumerate(zip(expected, tols[:-1])):
        assert stacked_expected[:, i].tobytes() == e.tobytes()
        assert stacked_tol[:, i].tobytes() == t.tobytes()


@pytest.mark.parametrize(
    "values",
    [
        [0.1, 0.2, 0.3],
        [0.0, -0.0, 1e-300],
    ],
)
def test_plain_floats_read_as_compare_scalar_reads_them(values):
    """Finite floats give compare.scalar's floats, bit for bit."""
    got = scalars(values, lambda i: f"value {i}")
    want = np.array([compare.scalar(v, f"value {i}") for i, v in enumerate(values)])
    assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


@pytest.mark.parametrize(
    "values",
    [
        [0.1, float("nan"), 0.3],
        [0.1, 0.2, float("inf")],
        [0.1, None, 0.3],
        [0.1, True, 0.3],
        [0.1, np.array([1.0, 2.0]), 0.3],
        [0, 0.2, float("nan")],
        ["0.1", 0.2],
    ],
)
def test_anything_else_fails_with_compare_scalars_first_message(values):
    """A non-finite, None, bool, array or string value raises the message compare.scalar raises at the first bad one."""
    want = _message(lambda: [compare.scalar(v, f"value {i}") for i, v in enumerate(values)])
    assert _message(scalars, values, lambda i: f"value {i}") == want


def test_other_numbers_read_as_compare_scalar_reads_them():
    """Ints and one-element arrays (the checked path's business) give compare.scalar's floats."""
    values = [0, np.array([0.5]), 2.0]
    assert scalars(values, str).tolist() == [0.0, 0.5, 2.0]


def _fields(call: Any) -> tuple:
    """A call's content, its Refs by what they point at."""

    def plain(a: Any) -> Any:
        if isinstance(a, Ref):
            return ("Ref", a.call, a.item)
        if isinstance(a, np.ndarray):
            return ("array", a.dtype.str, a.shape, a.tobytes())
        return (type(a).__name__, a)

    return (call.fn, tuple(plain(a) for a in call.args), call.kwargs, call.base)


@pytest.mark.parametrize("t0", [None, 1, 7])
def test_threaded_calls_builds_the_per_step_forms_calls(t0):
    """threaded_calls(student.f, ...) builds, step by step, the Calls the old make(k, theta, grad, *state) form built."""
    theta0, grads, opts = np.zeros(2), np.ones((5, 2)), {"lr": 0.1}
    state0 = [np.zeros(2), np.zeros(2)]
    if t0 is None:
        new = threaded_calls(student.rmsprop_step, theta0, grads, state0[:1], opts)
        old = threaded(
            lambda k, th, s: student.rmsprop_step(th, grads[k], s, **opts), (theta0, state0[0]), 5
        )
    else:
        new = threaded_calls(student.adam_step, theta0, grads, state0, opts, t0=t0)
        old = threaded(
            lambda k, th, m, v: student.adam_step(th, grads[k], m, v, t0 + k, **opts),
            (theta0, *state0),
            5,
        )
    assert [_fields(c) for c in new] == [_fields(c) for c in old]
    assert all(c.kwargs is not opts for c in new)  # each call its own keywords, as before
