"""The worker's value hygiene: what crosses is a copy, an input changed in place is reported.

``values.plain`` (returned values) is tested in-process on the worker's own module; the rest
goes through one real worker, since what matters is what the judge receives.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest

from graders.sandbox.client import Worker
from graders.sandbox.limits import Limits
from graders.sandbox.local import LocalSession
from graders.sandbox.plain import PlainLauncher
from graders.sandbox.protocol import Call, Ref
from graders.sandbox.worker import values

SRC = b"""
import numpy as np
_buffer = np.zeros(2)
def into_buffer(x):
    _buffer[:] = 2 * x
    return _buffer
def identity(x):
    return x
def set_first(x, value):
    x[0] = value
    return 0.0
def reshape_in_place(x):
    x.shape = (1, x.size)
    return 0.0
def retype_in_place(x):
    x.dtype = np.int64
    return 0.0
def nested(params):
    params[0][0][0, 0] = 7.0
    return 0.0
def read_only(x):
    return float(np.sum(x))
"""


@pytest.fixture(scope="module")
def session():
    w = Worker(PlainLauncher(), Limits(call_seconds=2.0, message_seconds=10.0))
    w.start()
    s = w.session({"m.py": SRC}, "m")
    yield s
    s.close()
    w.close()


# --- answers are copies ------------------------------------------------------------------


def test_a_reused_buffer_keeps_each_calls_own_answer(session):
    """Two calls returning the same module-level buffer: each reply holds its own answer."""
    first, second = session.map(
        [Call("into_buffer", (np.array([1.0, 1.0]),)), Call("into_buffer", (np.array([3.0, 3.0]),))]
    )
    np.testing.assert_array_equal(first.value, [2.0, 2.0])
    np.testing.assert_array_equal(second.value, [6.0, 6.0])


def test_a_later_call_cannot_change_an_earlier_answer(session):
    """A Ref'd result changed in place by the next call: the earlier answer stays, the change
    is reported on the call that made it."""
    first, second = session.map(
        [Call("identity", (np.array([1.0, 2.0]),)), Call("set_first", (Ref(0), 5.0))]
    )
    np.testing.assert_array_equal(first.value, [1.0, 2.0])
    assert not first.mutated and second.mutated


def test_plain_copies_even_an_exact_ndarray():
    """_plain never hands back the student's own array object."""
    a = np.arange(3.0)
    out = values.plain(a)
    assert type(out) is np.ndarray and out is not a and not np.shares_memory(out, a)
    np.testing.assert_array_equal(out, a)


def test_plain_reads_subclasses_through_base_methods():
    """A lying ndarray, float or tuple subclass becomes the exact base type with its true
    contents; none of the subclass's methods runs."""
    ran: list[str] = []

    class Liar(np.ndarray):
        def copy(self, *a, **k):
            ran.append("copy")
            return np.zeros(1)

        def view(self, *a, **k):
            ran.append("view")
            return np.zeros(1)

        def __array_finalize__(self, obj):
            ran.append("finalize")

    class LyingFloat(float):
        def __float__(self):
            ran.append("float")
            return 0.0

    class Pair(tuple):
        def __iter__(self):
            ran.append("iter")
            return iter(())

    arr = np.arange(4.0).view(Liar)
    ran.clear()
    out = values.plain((arr, LyingFloat(2.5), Pair((1, 2))))
    assert ran == []
    assert type(out) is tuple and type(out[0]) is np.ndarray and type(out[1]) is float
    np.testing.assert_array_equal(out[0], [0.0, 1.0, 2.0, 3.0])
    assert out[1] == 2.5 and type(out[2]) is tuple and out[2] == (1, 2)


def test_plain_leaves_only_a_type_name_of_an_unknown_dict():
    """A dict keyed by non-strings is not plain data: only an opaque stand-in crosses."""
    out = values.plain({1: "a"})
    assert not isinstance(out, dict) and type(out).__name__ == "dict"


# --- inputs changed in place are reported ------------------------------------------------


@pytest.mark.parametrize(
    "fn, args",
    [
        ("set_first", (np.zeros(2), 1.0)),
        ("reshape_in_place", (np.zeros(2),)),
        ("retype_in_place", (np.zeros(2),)),
        ("nested", ([(np.zeros((2, 2)), np.zeros(2))],)),
    ],
    ids=["values", "shape", "dtype", "inside_a_list_of_tuples"],
)
def test_every_kind_of_in_place_change_is_reported(session, fn, args):
    """New values, a new shape or dtype assigned in place, an array deep in the arguments."""
    reply = session.map([Call(fn, args)])[0]
    assert reply.error is None and reply.mutated


def test_an_unchanged_input_is_not_reported(session):
    """Reading an input, or returning it as it is, is no mutation."""
    replies = session.map([Call("read_only", (np.ones(3),)), Call("identity", (np.ones(3),))])
    assert [r.mutated for r in replies] == [False, False]


def test_the_judges_own_arrays_are_never_changed(session):
    """What the judge sent is still what it holds after the student changed its copy."""
    sent = np.zeros(2)
    assert session.map([Call("set_first", (sent, 9.0))])[0].mutated
    np.testing.assert_array_equal(sent, [0.0, 0.0])


def test_in_process_sessions_copy_inputs_too():
    """LocalSession (trusted catalog code, judge side) hands each call copies: a mutant that
    changes its input leaves the judge's example as it was."""
    module = ModuleType("m")
    exec(compile(SRC, "<m>", "exec"), module.__dict__)  # noqa: S102 - the test's own code
    sent = np.zeros(2)
    reply = LocalSession(module).map([Call("set_first", (sent, 9.0))])[0]
    assert reply.error is None and reply.value == 0.0
    np.testing.assert_array_equal(sent, [0.0, 0.0])
