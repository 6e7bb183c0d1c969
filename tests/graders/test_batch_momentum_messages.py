"""batch_momentum's failure messages still name the values that decide a check (the ones
now written only when the check fails), and the batches' structural checks still apply to
every answer that is not a plain 1-D int64 array."""

from __future__ import annotations

import re

import numpy as np
import pytest

from graders.compare import Failure
from graders.public.batch_momentum.structure import structured_batches
from tests.conftest import grade_mutant

TOPIC = "batch_momentum"


@pytest.fixture(scope="module")
def outputs(judge):
    """Mutant id -> the outputs of its failed tests (hidden ones included), in order."""
    ids = [
        "shuffle_ignores_seed",
        "shuffle_missing",
        "shuffle_batch_order_only",
        "gd_gradient_at_theta0",
    ]
    return {
        i: [t.output for t in grade_mutant(judge, TOPIC, i).tests if t.status == "failed"]
        for i in ids
    }


def _one(outputs: list[str], pattern: str) -> str:
    found = [m.group(0) for out in outputs if (m := re.search(pattern, out))]
    assert found, f"no failed test's output matches {pattern!r}"
    return found[0]


@pytest.mark.slow
def test_the_same_order_for_two_seeds_is_shown(outputs):
    """The seed property names both seeds and shows the order they share."""
    _one(
        outputs["shuffle_ignores_seed"],
        r"seeds 0 and 1 give the same order array\(\[(\d+, ){9}\d+\]\); a new epoch",
    )


@pytest.mark.slow
def test_a_position_that_never_moves_is_shown_with_its_samples(outputs):
    """The hidden reshuffle statistics name the position, its count and its samples."""
    _one(
        outputs["shuffle_ignores_seed"],
        r"over seeds 0\.\.29, position \d+ of the epoch only ever holds 1 different samples "
        r"\(\[\d+\]\); a reshuffle should move every sample around",
    )


@pytest.mark.slow
def test_the_unshuffled_order_names_the_seed(outputs):
    """range(n) in order is reported as the identity, with n and the first seed."""
    _one(
        outputs["shuffle_missing"],
        re.escape("shuffled_batches(20, 2, seed) returns the unshuffled order 0, 1, ..., 19 ")
        + re.escape("for seed [0]"),
    )


@pytest.mark.slow
def test_fixed_groups_are_shown(outputs):
    """Batches whose order alone is shuffled are reported with three of their groups."""
    _one(
        outputs["shuffle_batch_order_only"],
        r"over seeds 0\.\.29 the batches always contain the same groups of samples, e\.g\. "
        r"\[array\(\[\d+, \d+\]\), array\(\[\d+, \d+\]\), array\(\[\d+, \d+\]\)\]; "
        r"only their order changes",
    )


@pytest.mark.slow
def test_a_wrong_trajectory_shows_the_quadratic(outputs):
    """A wrong trajectory names the quadratic it ran on: A and b as arrays."""
    _one(
        outputs["gd_gradient_at_theta0"],
        re.escape(
            "gradient_descent(grad_fn, theta0, lr=0.1, steps=3, momentum=0.9) (row = step) "
            "on the quadratic with gradient A @ theta - b, A = array([[1.]]), b = array([0.]): "
            "got "
        ),
    )


def test_plain_int64_batches_come_back_as_they_are():
    """Plain 1-D int64 batches pass the structural checks with their values."""
    batches = [np.array([2, 0]), np.array([1])]
    got = structured_batches(batches, "shuffled_batches(3, 2, 0)", 2)
    assert [b.tolist() for b in got] == [[2, 0], [1]]


def test_other_integer_batches_are_read_as_int64():
    """int32 batches and integral floats (a tuple of them) are read as int64 arrays."""
    got = structured_batches(
        (np.array([2, 0], dtype=np.int32), np.array([1.0])), "shuffled_batches(3, 2, 0)", 2
    )
    assert [b.dtype for b in got] == [np.int64, np.int64]
    assert [b.tolist() for b in got] == [[2, 0], [1]]


@pytest.mark.parametrize(
    ("batches", "message"),
    [
        (
            [np.array([0, 1]), np.array([[2], [3]])],
            "batch 1 of f() has shape (2, 1); expected a 1-D array of sample indices",
        ),
        (
            [[0, 1], np.array([2, 3])],
            "batch 0 of f() returned a list; expected a NumPy array "
            "(wrap it with np.asarray / np.array)",
        ),
        (
            [np.array([0, 1]), np.array([2.5, 3.0])],
            "batch 1 of f() returned an array of dtype float64; expected integer indices",
        ),
        ([np.array([0, 1])], "f() returned 1 items; expected 2"),
    ],
)
def test_batches_that_are_not_plain_int64_get_the_structural_message(batches, message):
    """A batch that is not a plain 1-D int64 array still meets every check and its message."""
    with pytest.raises(Failure) as info:
        structured_batches(batches, "f()", 2)
    assert info.value.message == message
