"""The structural checks of ``batch_momentum``'s answers (judge side): a student's batches,
threaded momentum steps and trajectories read into arrays, shape and structure first."""

from __future__ import annotations

from typing import Any

import numpy as np

from graders import compare

INT64 = np.dtype(np.int64)  #: compared as a dtype, not as the type np.int64 (a conversion)


def batch_count(n: int, batch_size: int) -> int:
    """How many batches n samples make: ceil(n / batch_size)."""
    return -(-n // batch_size)


def structured_batches(value: Any, what: str, count: int) -> list[np.ndarray]:
    """The student's ``count`` batches as 1-D int64 arrays, after the structural checks
    (also used by the hidden properties).  The arrays are for reading only: plain 1-D int64
    arrays come back as they were decoded, not copied."""
    batches = compare.sequence(value, what, count)
    # a correct answer as the wire decodes it (plain native int64 arrays) passes every check
    # below as it is: one pass over the list instead of a compare.array (a copy and a type
    # dispatch) per batch, 354k of them in a 12-student batch; any other value takes the
    # checks one batch at a time, with their messages
    if all(type(b) is np.ndarray and b.dtype == INT64 and b.ndim == 1 for b in batches):
        return batches
    out = []
    for i, batch in enumerate(batches):
        arr = compare.array(batch, f"batch {i} of {what}", dtype="int")
        compare.holds(
            arr.ndim == 1,
            f"batch {i} of {what} has shape {arr.shape}; expected a 1-D array of sample indices",
        )
        out.append(arr)
    return out


def check_partition(batches: list[np.ndarray], n: int, batch_size: int, what: str) -> None:
    """Batch sizes batch_size, the last shorter but not empty; together each of 0..n-1 once."""
    count = len(batches)
    compare.equal(
        [len(b) for b in batches],
        [batch_size] * (count - 1) + [n - (count - 1) * batch_size],
        f"the batch sizes of {what}",
    )
    compare.equal(
        np.sort(np.concatenate(batches)),
        np.arange(n),
        f"the sorted indices of all batches of {what} together (each of 0..n-1 exactly once)",
    )


def momentum_trajectory(values: list[Any], dim: int) -> tuple[np.ndarray, np.ndarray]:
    """Validate a threaded run of momentum_step results: (T, dim) thetas and velocities."""
    thetas, velocities = [], []
    for k, value in enumerate(values):
        what = f"momentum_step at step {k}"
        theta, velocity = compare.sequence(value, what, 2)
        thetas.append(compare.array(theta, f"theta returned by {what}", shape=(dim,)))
        velocities.append(compare.array(velocity, f"velocity returned by {what}", shape=(dim,)))
    return np.array(thetas), np.array(velocities)


def check_trajectory(
    value: Any,
    A: np.ndarray,
    b: np.ndarray,
    theta0: np.ndarray,
    steps: int,
    expected: np.ndarray,
    what: str,
) -> None:
    """Shape, row 0, then the values."""
    traj = compare.array(value, what, shape=(steps + 1, len(theta0)))
    compare.close(traj[0], theta0, f"row 0 of {what} (must be theta0)", rtol=0, atol=0)
    compare.close(
        traj,
        expected,
        compare.Lazy(_on_the_quadratic, what, A, b),
        rtol=1e-9,
        atol=compare.scaled_atol(expected),
    )


def _on_the_quadratic(what: str, A: np.ndarray, b: np.ndarray) -> str:
    """The description of a trajectory on the quadratic (A, b); made only when it fails."""
    return (
        f"{what} (row = step) on the quadratic with gradient A @ theta - b, "
        f"A = {compare.fmt(A)}, b = {compare.fmt(b)}"
    )
