"""Data functions: a judge function described as data is evaluated by the worker itself,
answering exactly as the judge would (values bit for bit, errors word for word)."""

from __future__ import annotations

import socket

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graders import strategies as gen
from graders.hidden import critical_points as hidden_critical_points
from graders.hidden.backprop import nasty_smooth_functions
from graders.hidden.batch_momentum.gradients import wavy_gradient
from graders.public.backprop.judge import smooth_function
from graders.public.batch_momentum.gradients import quadratic_gradient
from graders.public.critical_points import judge as critical_points
from graders.public.critical_points.cases import smooth_functions as vector_functions
from graders.sandbox import callbacks, client, protocol
from graders.sandbox.client import Worker
from graders.sandbox.kinds import KINDS, valid_spec
from graders.sandbox.limits import Limits
from graders.sandbox.plain import PlainLauncher
from graders.sandbox.protocol import Call
from graders.sandbox.worker.functions import FunctionArguments

#: a student module that calls its grad_fn on every kind of argument and reports what came
#: back (values, or the exception's type and words)
SRC = b"""
import numpy as np

class Sub(np.ndarray):
    pass

class Weird:
    pass

def hostile(n):
    t = np.random.default_rng(0).standard_normal(n)
    nan = t.copy()
    nan[0] = np.nan
    return [
        (t,), (t * 1e300,), (nan,), (np.full(n, np.inf),), (-0.0 * np.ones(n),),
        (t.astype(np.float32),), (np.arange(n),), (np.arange(n) > 0,), (t.tolist(),),
        (tuple(t),), (np.asfortranarray(np.outer(t, t)),), (t[::-1],), (t.view(Sub),),
        (t.astype(">f8"),), (np.zeros(n + 1),), (np.zeros((n, 1)),), (np.zeros((n, 3)),),
        (np.float64(1.0),), (1.0,), (3,), (True,), ("x",), (None,), (Weird(),),
        ([[1.0, 2.0], [3.0]],), (), (t, t),
    ]

def probe(grad_fn, n):
    out = []
    for args in hostile(n):
        try:
            out.append(["value", grad_fn(*args)])
        except Exception as e:
            out.append(["error", type(e).__name__, str(e)])
    try:
        grad_fn(theta=np.zeros(n))
    except Exception as e:
        out.append(["error", type(e).__name__, str(e)])
    return out

def strict(grad_fn, theta):
    inputs = [theta, theta * 1e308, np.full_like(theta, np.inf)]
    with np.errstate(all="raise"):  # the student's own error state
        return [grad_fn(t) for t in inputs]

def answers_stay_put(grad_fn, theta):
    first = grad_fn(theta)
    first[:] = 99.0  # the student's to change
    again = grad_fn(theta)
    mine = theta.copy()
    third = grad_fn(mine)
    mine[:] = 5.0  # an argument changed after the call
    return [again, third, grad_fn(theta) is grad_fn(theta), np.shares_memory(first, again)]
"""


@pytest.fixture(scope="module")
def worker():
    w = Worker(PlainLauncher(), Limits(call_seconds=2.0, message_seconds=10.0))
    w.start()
    yield w
    w.close()


@pytest.fixture
def asked(monkeypatch) -> list[int]:
    """Every callback the judge answers (one round trip each), by key."""
    seen: list[int] = []
    real = client.Session._answer_callback

    def answer(self, message, functions):
        seen.append(message.get("callback"))
        return real(self, message, functions)

    monkeypatch.setattr(client.Session, "_answer_callback", answer)
    return seen


def _same(a, b) -> bool:
    """Equal structure, and arrays of the same dtype, shape and bytes (NaN payloads too)."""
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            type(a) is type(b) is np.ndarray
            and a.dtype == b.dtype
            and a.shape == b.shape
            and a.tobytes() == b.tobytes()
        )
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(_same, a, b))
    if isinstance(a, float):  # bit for bit: NaN equals its own bits
        return _same_float(a, b)
    return type(a) is type(b) and a == b


def _judge_only(f):
    """The same function, but not data: the judge evaluates it."""
    return lambda *args: f(*args)


GRADIENTS = [
    quadratic_gradient(np.array([[2.0, -1.0], [-1.0, 3.0]]), np.array([1.0, -0.5])),
    wavy_gradient(np.array([[2.0, -1.0], [-1.0, 3.0]]), np.array([1.0, -0.5]), 0.5),
]
#: the scalar functions of numerical_gradient and numerical_hessian, at a 2-entry theta
_SINES = (np.array([[2.0, -1.0], [-1.0, 3.0]]), np.array([1.0, -0.5]), np.array([[0.7, -1.3]]))
SCALARS = [
    smooth_function(np.zeros(2), *_SINES, np.array([1.5]), np.array([0.3])),
    critical_points.smooth_function(np.zeros(2), *_SINES, np.array([-0.5]), np.array([2.0])),
    hidden_critical_points._function_of({"kind": "lecture", "x": -3.0, "y": 2.0}),
]


# the judge's own evaluations of NaN and inf warn on the judge's side, as they always did
@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
@pytest.mark.parametrize("grad_fn", GRADIENTS + SCALARS, ids=lambda g: g.callback_spec["kind"])
def test_worker_evaluated_calls_answer_as_the_judge_does(worker, asked, grad_fn):
    """On hostile arguments (NaN, inf, other dtypes and layouts, subclasses, wrong shapes,
    lists, strings, objects, wrong arity, keywords) a data function evaluated in the worker
    returns the judge's values bit for bit and raises the judge's errors word for word; only
    the calls that are not one argument are asked of the judge."""
    s = worker.session({"m.py": SRC}, "m")
    by_judge = s.call("probe", _judge_only(grad_fn), 2)
    judge_trips = len(asked)
    by_worker = s.call("probe", grad_fn, 2)
    s.close()
    assert by_judge.error is None and by_worker.error is None
    assert _same(by_worker.value, by_judge.value)
    assert by_worker.warnings == by_judge.warnings == ()  # NaN in matmul: the judge's, not yours
    kinds = [r[0] for r in by_judge.value]
    assert kinds.count("value") >= 12 and kinds.count("error") >= 8  # both roads taken
    assert judge_trips == len(kinds) - 1  # the keyword call never leaves the worker
    assert len(asked) - judge_trips == 2  # no argument, two arguments: the judge's TypeError
    assert "takes 2 positional arguments but 3 were given" in str(by_worker.value)


@pytest.mark.filterwarnings("ignore:invalid value:RuntimeWarning")
@pytest.mark.parametrize("grad_fn", GRADIENTS + SCALARS, ids=lambda g: g.callback_spec["kind"])
def test_the_students_error_state_does_not_reach_the_evaluation(worker, grad_fn):
    """Under the student's np.errstate(all="raise") the worker's evaluation of an overflow
    answers inf and NaN, as the judge's does, instead of raising in the student's call."""
    s = worker.session({"m.py": SRC}, "m")
    theta = np.array([0.5, -2.0])
    by_judge = s.call("strict", _judge_only(grad_fn), theta)
    by_worker = s.call("strict", grad_fn, theta)
    s.close()
    assert by_judge.error is None and by_worker.error is None
    assert _same(by_worker.value, by_judge.value)
    assert not np.isfinite(by_worker.value[2]).any()


def test_answers_are_fresh_arrays_the_student_may_change(worker, asked):
    """Each answer is a new array: changing one, or the argument, changes no later answer."""
    grad_fn = GRADIENTS[1]
    theta = np.array([0.3, -1.2])
    s = worker.session({"m.py": SRC}, "m")
    again, third, same_object, shared = s.call("answers_stay_put", grad_fn, theta).value
    s.close()
    assert again.tobytes() == third.tobytes() == grad_fn(theta).tobytes()
    assert same_object is False and shared is False
    assert asked == []


@settings(max_examples=200, deadline=None)
@given(
    q=gen.quadratics(max_dim=5),
    theta=st.integers(1, 5).flatmap(lambda n: gen.arrays((n,), -1e3, 1e3)),
    c=st.sampled_from([0.0, 0.5, -2.0, 1e300]),
)
def test_each_kind_runs_the_grader_functions_operations(q, theta, c):
    """The worker's kinds equal the graders' callables bit for bit (wrong dimensions raise
    the same error), for any quadratic, theta and wave."""
    for judge in (quadratic_gradient(q["A"], q["b"]), wavy_gradient(q["A"], q["b"], c)):
        spec = judge.callback_spec
        assert valid_spec(spec)
        evaluate = KINDS[spec["kind"]][0]
        try:
            want = judge(theta)
        except ValueError as exc:
            with pytest.raises(ValueError, match="matmul"):
                evaluate(spec, theta)
            assert "matmul" in str(exc)
            continue
        got = evaluate(spec, theta)
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()


def _same_float(got, want) -> bool:
    return (
        type(got) is type(want) is float and np.float64(got).tobytes() == np.float64(want).tobytes()
    )


def _shifted(theta: np.ndarray, scale: float) -> np.ndarray:
    """theta moved by a multiple of a fixed pattern (same shape, other values)."""
    return theta + scale * np.linspace(-1.0, 1.0, theta.size).reshape(theta.shape)


@settings(max_examples=200, deadline=None)
@given(
    case=st.one_of(nasty_smooth_functions(), vector_functions()),
    scale=st.sampled_from([0.0, 1e-4, 0.5, 1e300]),
)
def test_the_scalar_kinds_run_the_grader_functions_operations(case, scale):
    """The worker's smooth kinds equal the graders' scalar functions bit for bit, a Python
    float each, at any case's theta (0 to 3 dimensions; 1-D for numerical_hessian) and moved
    points; an argument of another shape raises the judge's error word for word."""
    args = [case[k] for k in ("theta", "A", "b", "V", "alpha", "phi")]
    judges = [smooth_function(*args)]
    if np.ndim(case["theta"]) == 1:
        judges.append(critical_points.smooth_function(*args))
    for judge in judges:
        spec = judge.callback_spec
        assert valid_spec(spec)
        evaluate = KINDS[spec["kind"]][0]
        t = _shifted(np.asarray(case["theta"], dtype=np.float64), scale)
        with np.errstate(all="ignore"):
            assert _same_float(evaluate(spec, t), judge(t))
        for wrong in (np.zeros(t.size + 1), np.zeros((1, *t.shape)), 1.0)[: 3 if t.ndim else 2]:
            with pytest.raises(ValueError) as by_judge:
                judge(wrong)
            with pytest.raises(ValueError) as by_kind:
                evaluate(spec, wrong)
            assert str(by_kind.value) == str(by_judge.value) and "f expects" in str(by_judge.value)


def test_a_message_carries_the_specs_and_caches_only_when_all_are_data():
    """encode_map numbers the functions as the encoder meets them and sends one spec per key
    (None for a plain judge function); only an all-data message is cacheable."""
    data, plain = GRADIENTS[0], _judge_only(GRADIENTS[0])
    frame, functions = callbacks.encode_map([Call("probe", (data, 2)), Call("probe", (plain, 2))])
    message = protocol.decode(frame)
    assert functions == [data, plain]
    spec, none = message["functions"]
    assert none is None and spec["kind"] == "quadratic"
    assert spec["A"].tobytes() == data.callback_spec["A"].tobytes()
    assert [callbacks.is_data(f) for f in functions] == [True, False]
    only_plain, _ = callbacks.encode_map([Call("probe", (plain, 2))])
    assert "functions" not in protocol.decode(only_plain)


def test_cached_all_data_messages_are_preloaded_and_answered_in_the_worker(worker, asked):
    """A shared first round whose functions are data is cached, preloaded into the zygote,
    and answered by later sessions without asking the judge."""
    calls = [Call("answers_stay_put", (GRADIENTS[0], np.array([1.0, 2.0])))]
    first = worker.session({"m.py": SRC}, "m")
    want = first.map(calls, cache_key="data-preload")[0].value
    first.close()
    assert "data-preload" in worker.frames and "data-preload" in worker.preloaded
    later = worker.session({"m.py": SRC}, "m")
    got = later.map(calls, cache_key="data-preload")[0].value
    later.close()
    assert _same(got, want) and asked == []


@pytest.mark.parametrize(
    "spec",
    [
        {"kind": "cubic", "A": np.eye(2), "b": np.zeros(2)},
        {"kind": "quadratic", "A": np.eye(2, dtype=np.int64), "b": np.zeros(2)},
        {"kind": "quadratic", "A": np.eye(2)},
        {"kind": "wavy_quadratic", "A": np.eye(2), "b": np.zeros(2), "c": 1},
        {**SCALARS[0].callback_spec, "shape": (2,)},
        {**SCALARS[1].callback_spec, "shape": [2, 1]},
        {**SCALARS[1].callback_spec, "shape": [2.0]},
        ["quadratic"],
        None,
    ],
)
def test_a_spec_the_worker_does_not_know_is_asked_of_the_judge(spec):
    """An unknown kind or malformed spec falls back to the judge: the stand-in sends the call."""
    ours, theirs = socket.socketpair()
    with ours, theirs:
        stand_in = FunctionArguments(ours, [spec])(0)
        protocol.send(theirs, {"value": 7.0})  # the judge's answer, waiting to be read
        assert stand_in(np.ones(2)) == 7.0
        sent = protocol.recv(theirs)
        assert sent["callback"] == 0 and sent["args"][0].tolist() == [1.0, 1.0]


@settings(max_examples=200, deadline=None)
@given(
    x=st.floats(-50, 50) | st.just(1e-310),
    y=st.floats(-50, 50),
    w=st.lists(st.floats(-1e3, 1e3), min_size=2, max_size=2),
)
def test_the_lecture_kind_is_the_two_weight_loss(x, y, w):
    """The hidden numerical_hessian's lecture function, now a data kind, is the two-weight
    network's loss (y - w1·w2·x)² as the lecture writes it, a Python float, bit for bit;
    a w of another shape raises the error the student saw before, word for word."""
    f = hidden_critical_points._function_of({"kind": "lecture", "x": x, "y": y})
    assert valid_spec(f.callback_spec)
    t = np.array(w)
    assert _same_float(f(t), float((y - t[0] * t[1] * x) ** 2))
    with pytest.raises(ValueError, match=r"^f expects an array of shape \(2,\), got shape \(3,\)$"):
        f(np.zeros(3))
