"""The two-weight Hessian's tolerance follows its error model: correct orders of evaluation
pass where the answer is subnormal (the field case validate once failed), wrong ones fail.

The properties run in-process on catalog functions (our code, never a student's), fed the
way the judge feeds them: ``prop.run`` with the oracle's expected value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from graders import mutants, registry
from graders.hidden.critical_points import ORIGIN_AND_VALLEY
from graders.public.critical_points import F64_EPS, underflow_atol
from reference import critical_points as ref
from tests.conftest import failure_in_process

# the public property's oracle, torch.func.hessian, warns about torch.jit's own deprecation
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning"
)

TOPIC = "critical_points"
#: drawn by ``validate critical_points`` (hidden points): H[0, 0] = 2x²w2² = 1.2e-311
FIELD_CASE = {
    "w": np.array([2.5509623503294678e-157, -9.724767250511093]),
    "x": 2.5509623503294678e-157,
    "y": 2.5509623503294678e-157,
}
TINY = 2.0**-1074


def _hessian_props() -> list:
    return [p for p in registry.properties(TOPIC) if p.exercise == f"{TOPIC}.two_weight_hessian"]


def _entry(entry_id: str) -> Callable[..., Any]:
    entries = mutants.mutants(TOPIC) + mutants.variants(TOPIC)
    return next(e.code for e in entries if e.id == entry_id)


def _holds(prop, fn: Callable[..., Any], case: dict[str, Any]) -> bool:
    """Whether ``prop`` passes ``fn`` on ``case`` (each call answered by ``fn`` itself)."""
    return failure_in_process(prop, case, fn, prop.expect(**case)) is None


def _same_case(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)


def test_field_case_is_an_explicit_example_of_the_hidden_hessian_property():
    """Every run meets the field case first, whatever hypothesis draws."""
    hidden = next(p for p in _hessian_props() if p.visibility == "hidden")
    assert any(_same_case(dict(case), FIELD_CASE) for case in hidden.examples)
    assert any(_same_case(case, FIELD_CASE) for case in ORIGIN_AND_VALLEY)


@pytest.mark.parametrize("entry", ["two_weight_via_residual", "two_weight_hessian_factored"])
def test_correct_variants_pass_both_hessian_properties_on_the_field_case(entry):
    """2·(x·w2)² and 2JJᵀ - 2r∂²p earn full marks where H[0, 0] is subnormal."""
    props = _hessian_props()
    assert {p.visibility for p in props} == {"public", "hidden"}
    for prop in props:
        assert _holds(prop, _entry(entry), FIELD_CASE), prop.key


def test_the_field_case_needs_the_underflow_term_and_only_subnormals_do():
    """The variants are 14·2**-1074 from the reference at H[0, 0], more than the relative
    terms allow there (16 eps·scale underflows to 0); the underflow allowance is below
    1e-315 for any hidden point, so no normal answer gains tolerance from it."""
    w, x, y = FIELD_CASE["w"], FIELD_CASE["x"], FIELD_CASE["y"]
    expected = ref.two_weight_hessian(w, x, y)
    for entry in ("two_weight_via_residual", "two_weight_hessian_factored"):
        err = abs(_entry(entry)(w, x, y)[0, 0] - expected[0, 0])
        relative_only = 16 * F64_EPS * (6 * x * x * w[1] ** 2 + 2 * abs(x * y)) + 1e-12 * abs(
            expected[0, 0]
        )
        assert err == 14 * TINY and err > relative_only
        assert err <= underflow_atol(4, x, y, *w)
    assert underflow_atol(4, 50.0, 50.0, 1e3, 1e3) < 1e-315


def test_product_rule_mutant_still_fails_both_hessian_properties():
    """The closest wrong Hessian (off-diagonal 2x²w1w2 - 2xy) fails on each property's own
    explicit examples."""
    wrong = _entry("two_weight_hessian_no_product_rule")
    for prop in _hessian_props():
        assert not all(_holds(prop, wrong, dict(case)) for case in prop.examples), prop.key


def test_a_hessian_off_by_one_part_in_a_billion_fails_at_normal_scale():
    """The underflow term gives normal answers nothing: the reference scaled by 1 + 1e-9
    fails both properties at w = (2, 0.5)."""

    def off(w, x=1.0, y=1.0):
        return ref.two_weight_hessian(w, x, y) * (1.0 + 1e-9)

    case = {"w": np.array([2.0, 0.5]), "x": None, "y": None}
    for prop in _hessian_props():
        assert _holds(prop, ref.two_weight_hessian, case), prop.key
        assert not _holds(prop, off, case), prop.key
