"""``graders.compare``: structure before values (missing → type → shape → finite → values),
and feedback messages in the documented format."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from graders import compare
from graders.compare import Failure
from graders.sandbox.protocol import Unsupported

EXPECTED = np.arange(6.0).reshape(2, 3)
#: the defects a returned value can have, in the order they must be reported
ORDER = ("none", "not_an_array", "shape", "finite", "value")
KIND = {
    "none": "type",
    "not_an_array": "type",
    "shape": "shape",
    "finite": "finite",
    "value": "value",
}


def _returned(defects: set[str]) -> object:
    """A value with exactly ``defects`` relative to EXPECTED."""
    if "none" in defects:
        return None
    v = EXPECTED + (1.0 if "value" in defects else 0.0)
    if "finite" in defects:
        v[0, 0] = np.nan
    if "shape" in defects:
        v = v[:, :2]
    return v.tolist() if "not_an_array" in defects else v


def _check(got: object) -> None:
    """What a property does: structure through ``array``, then the values."""
    plain = compare.array(got, "f(z)", shape=EXPECTED.shape)
    compare.close(plain, EXPECTED, "f(z)")


def _failure(fn, *args, **kwargs) -> Failure:
    with pytest.raises(Failure) as caught:
        fn(*args, **kwargs)
    return caught.value


@pytest.mark.parametrize(
    "defects",
    [set(c) for n in range(1, len(ORDER) + 1) for c in itertools.combinations(ORDER, n)],
    ids=lambda d: "+".join(sorted(d, key=ORDER.index)),
)
def test_the_first_defect_in_the_order_is_the_one_reported(defects):
    """Whatever combination of defects a value has, the earliest in the order is reported."""
    first = min(defects, key=ORDER.index)
    assert _failure(_check, _returned(defects)).kind == KIND[first]


def test_a_value_without_defects_passes():
    """The same checks accept the expected value itself (so the defects above are the cause)."""
    _check(_returned(set()))


def test_none_says_a_return_may_be_missing():
    """None names the expected array and shape and asks about a forgotten `return`."""
    f = _failure(compare.array, None, "softmax(z)", shape=(2, 3))
    assert f.message == (
        "softmax(z) returned None; expected a NumPy array of shape (2, 3). "
        "Did you forget a `return`?"
    )


def test_a_list_or_an_opaque_value_is_a_type_failure():
    """A list is told to use np.asarray; a non-data value is named by its type only."""
    f = _failure(compare.array, [1.0, 2.0], "f(z)")
    assert f.kind == "type" and "a list" in f.message and "np.asarray" in f.message
    f = _failure(compare.array, Unsupported("Tensor", "tensor([1.])"), "f(z)")
    assert f.message == "f(z) returned a Tensor object; expected a NumPy array"


def test_shape_message_names_both_shapes():
    """The shape failure states the shape returned and the one expected."""
    f = _failure(compare.array, np.zeros((3, 2)), "f(z)", shape=(2, 3))
    assert f.kind == "shape" and f.message == "f(z) has shape (3, 2); expected shape (2, 3)"


def test_finite_message_names_the_first_bad_entry_and_the_count():
    """A non-finite result names the value, the first index holding one, and how many."""
    x = np.array([[1.0, np.inf], [np.nan, np.nan]])
    f = _failure(compare.array, x, "f(z)")
    assert f.kind == "finite"
    assert f.message == (
        "f(z) contains inf at index (0, 1) (3 non-finite entries); expected finite numbers"
    )


def test_array_returns_a_plain_float64_copy():
    """The checked value is a new float64 ndarray: nothing returned takes part but numbers."""

    class Sub(np.ndarray):
        pass

    x = np.arange(3, dtype=np.int32).view(Sub)
    out = compare.array(x, "f(z)")
    assert type(out) is np.ndarray and out.dtype == np.float64 and not np.shares_memory(out, x)


def test_close_message_reports_the_largest_error_and_where():
    """got/expected at the worst entry, its index, the error, the tolerance, the count."""
    got, expected = np.array([1.0, 2.5, 3.1]), np.array([1.0, 2.0, 3.0])
    f = _failure(compare.close, got, expected, "f(z)")
    assert f.kind == "value"
    assert f.message == (
        "f(z): got 2.5, expected 2 at index (1,) (error 0.5; "
        "tolerance 1e-10 + 1e-07·|expected|); 2 of 3 entries differ"
    )


def test_close_shows_all_digits_when_six_do_not_differ():
    """Values equal to six significant digits are shown at full precision."""
    f = _failure(compare.close, 1.0000001, 1.0, "f(z)", rtol=1e-9)
    assert f.message.startswith("f(z): got 1.0000001, expected 1.0 (error")
    assert "at index" not in f.message  # a scalar has no index


def test_close_counts_nan_as_the_largest_error():
    """A NaN entry is the one reported, however large the other errors are."""
    f = _failure(compare.close, np.array([1e9, np.nan]), np.array([0.0, 0.0]), "f(z)")
    assert "got nan" in f.message and "at index (1,)" in f.message


def test_close_tolerance_is_atol_plus_rtol_times_expected():
    """The documented tolerance, atol + rtol·|expected|, is where passing stops."""
    compare.close(100.0 + 0.9e-5, 100.0, "f", rtol=1e-7, atol=0.0)
    _failure(compare.close, 100.0 + 1.1e-5, 100.0, "f", rtol=1e-7, atol=0.0)
    compare.close(np.inf, np.inf, "f")  # equal infinities agree


def test_within_bound_is_ulps_times_unit_roundoff_times_scale():
    """``within`` accepts up to ulps·u·scale entrywise and says the model when it fails."""
    u = 2.0**-53
    scale = np.array([1.0, 1e6])
    compare.within(np.array([0.0, 100 * u * 1e6]), np.zeros(2), "f", scale=scale, ulps=100)
    f = _failure(
        compare.within, np.array([0.0, 200 * u * 1e6]), np.zeros(2), "f", scale=scale, ulps=100
    )
    assert f.message.startswith(f"f: got {200 * u * 1e6!r}, expected 0.0 at index (1,)")
    assert "100 rounding errors of the scale 1e+06" in f.message
    assert f.message.endswith("; 1 of 2 entries differ")


def test_fmt_input_shows_every_digit_and_every_entry_up_to_400():
    """A failing input reproduces exactly: shortest round-trip floats, nothing elided."""
    assert compare.fmt_input(0.1 + 0.2) == "0.30000000000000004"
    text = compare.fmt_input(np.full(400, 0.1 + 0.2))
    assert text.count("0.30000000000000004") == 400 and "..." not in text
    assert compare.fmt_input(np.array([[1e-300, 2.5]])) == "array([[1e-300, 2.5]])"


def test_fmt_input_summarises_a_larger_array_never_cuts_it():
    """Past 400 entries an input is its shape and range, not a truncated listing."""
    x = np.linspace(-1.0, 2.0, 401)
    assert compare.fmt_input(x) == "<an array of shape (401,), values in [-1, 2]>"
    assert compare.fmt_input(np.full(500, np.nan)) == "<an array of shape (500,), no finite values>"


def test_fmt_input_renders_containers():
    """Tuples (a 1-tuple keeps its comma), lists and dicts of inputs, each entry in full."""
    assert compare.fmt_input((0.1,)) == "(0.1,)"
    assert compare.fmt_input([1, 0.5]) == "[1, 0.5]"
    assert compare.fmt_input({"lr": 0.1, "steps": 3}) == "{'lr': 0.1, 'steps': 3}"


def test_scalar_accepts_one_number_only():
    """A number or a one-element array passes; bool, None, two numbers, NaN do not."""
    assert compare.scalar(np.array([[2.5]]), "f") == 2.5
    assert _failure(compare.scalar, True, "f").kind == "type"
    assert _failure(compare.scalar, None, "f").kind == "type"
    assert _failure(compare.scalar, np.zeros(2), "f").kind == "shape"
    assert _failure(compare.scalar, float("nan"), "f").kind == "finite"


def test_sequence_checks_type_then_length():
    """A tuple of the wrong length is a shape failure; an array in its place a type one."""
    assert compare.sequence((1, 2), "f", length=2) == [1, 2]
    f = _failure(compare.sequence, (1, 2, 3), "f", length=2)
    assert f.kind == "shape" and f.message == "f returned 3 items; expected 2"
    assert _failure(compare.sequence, np.zeros(2), "f", length=2).kind == "type"


def test_equal_is_exact_and_typed():
    """Exact equality: an int answer is not a str answer, arrays must match in shape."""
    compare.equal("saddle", "saddle", "f")
    assert _failure(compare.equal, 1, "1", "f").message == "f: got 1, expected '1'"
    _failure(compare.equal, np.array([1, 2]), np.array([1, 2, 3]), "f")


# --- the fast paths (exact float64 arrays, no broadcast, all within) against the full ones


def _outcome(fn: object, *args: object, **kwargs: object) -> object:
    """What a check did: its returned array (as bytes, shape, dtype) or its failure."""
    try:
        value = fn(*args, **kwargs)  # type: ignore[operator]
    except Failure as f:
        return ("failure", f.kind, f.message)
    except ValueError as exc:  # shapes that do not broadcast
        return ("error", str(exc))
    if isinstance(value, np.ndarray):
        return ("array", value.shape, value.dtype.str, value.tobytes())
    return ("value", value)


_SPECIAL = np.array([0.0, -0.0, 1e-300, 1e300, 1.7e308, np.inf, -np.inf, np.nan])


def _floats(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random float64 entries of mixed magnitude, sometimes with a special value."""
    x = rng.normal(size=shape) * 10.0 ** rng.integers(-5, 5, size=shape)
    if x.size and rng.random() < 0.3:
        x.flat[rng.integers(x.size)] = rng.choice(_SPECIAL)
    return x


def _near(rng: np.random.Generator, e: np.ndarray, scale: np.ndarray | float) -> np.ndarray:
    """``e`` moved by up to a few hundred roundings of ``scale``: some pass, some fail."""
    step = rng.integers(-400, 400, size=np.shape(e)) * compare.U * np.abs(scale)
    with np.errstate(all="ignore"):
        return e + step


SHAPES = [(), (1,), (5,), (2, 3), (3, 1, 2)]


def test_within_fast_path_agrees_with_the_full_path_on_generated_inputs() -> None:
    """``within`` passes or fails (with the same message) exactly as its full path does."""
    rng = np.random.default_rng(16)
    seen = set()
    for trial in range(3000):
        shape = SHAPES[trial % len(SHAPES)]
        e = _floats(rng, shape)
        mode = trial % 4  # scale: same shape, a number, a broadcast row, a mismatched shape
        scale: np.ndarray | float
        if mode == 0:
            scale = np.abs(_floats(rng, shape)) + 1.0
        elif mode == 1:
            scale = float(abs(rng.normal())) * 10.0
        elif mode == 2:
            scale = np.abs(_floats(rng, shape[-1:])) + 1.0
        else:
            scale = np.ones((4,) * max(1, len(shape)))
        g = _near(rng, e, scale if mode != 3 else 1.0)
        if trial % 7 == 0:
            e = np.asarray(e.flat[0] if e.size else 0.0)  # a 0-d expected broadcast
        ulps = float(rng.choice([1.0, 64.0, 256.0]))
        fast = _outcome(compare.within, g, e, "w(x)", scale=scale, ulps=ulps)
        full = _outcome(
            compare._within,
            np.asarray(g),
            np.asarray(e),
            np.abs(np.asarray(scale, dtype=np.float64)),
            "w(x)",
            ulps,
            "",
        )
        assert fast == full, (g, e, scale)
        seen.add(fast[0])
    assert {"value", "failure", "error"} <= seen  # every outcome was exercised


def test_array_fast_path_agrees_with_the_full_path_on_generated_inputs() -> None:
    """``array`` of an exact float64 array returns the same copy or the same failure as the
    general path."""
    rng = np.random.default_rng(13)
    seen = set()
    for trial in range(2000):
        shape = SHAPES[trial % len(SHAPES)]
        x = _floats(rng, shape)
        want = shape if trial % 3 else SHAPES[(trial + 1) % len(SHAPES)]
        finite = trial % 5 != 0
        fast = _outcome(compare.array, x, "a(x)", shape=want, finite=finite)
        full = _outcome(compare._any_array, x, "a(x)", want, finite, "float")
        assert fast == full, (x, want, finite)
        seen.add(fast[1] if fast[0] == "failure" else fast[0])
    assert {"array", "shape", "finite"} <= seen


def test_array_returns_a_copy_on_the_fast_path() -> None:
    """The fast path's result is a new array: changing it leaves the student's value alone."""
    x = np.arange(3.0)
    got = compare.array(x, "a(x)", shape=(3,))
    got[0] = 9.0
    assert x[0] == 0.0


def test_a_lazy_description_is_made_only_when_the_check_fails():
    """compare.Lazy: a passing check never renders its description; a failing one reads as
    the text the function makes, word for word, in every helper's message."""
    made: list[int] = []

    def describe(t: int) -> str:
        made.append(t)
        return f"x after step {t}"

    compare.within(np.ones(3), np.ones(3), compare.Lazy(describe, 1), scale=1.0)
    compare.close(2.0, 2.0, compare.Lazy(describe, 2))
    compare.holds(True, compare.Lazy(describe, 3))
    assert made == []
    with pytest.raises(compare.Failure) as lazy:
        compare.within(np.ones(3), np.zeros(3), compare.Lazy(describe, 4), scale=1.0)
    with pytest.raises(compare.Failure) as eager:
        compare.within(np.ones(3), np.zeros(3), "x after step 4", scale=1.0)
    assert lazy.value.message == eager.value.message
    with pytest.raises(compare.Failure, match="^x after step 5$"):
        compare.holds(False, compare.Lazy(describe, 5))
    assert made == [4, 5]
