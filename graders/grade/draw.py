"""Drawing cases with hypothesis: one way to run a property's strategy, for both phases.

The example bank (``examples``) collects the cases a property draws once for every student;
a failing student's shrink (``shrink``) replays the same draws before it starts shrinking.
Both run hypothesis through ``run_hypothesis``, with the same seed, so under the profiles'
``derandomize=True`` they see the same sequence: the shrink meets the shared examples again,
in order, and can answer them from what the batch already knows.

Draws depend on the seed and the strategy only.  Hypothesis (6.131 on) also mixes into its
choices the literal constants of every *local* module the process has loaded -- so the same
seed drew other cases in ``validate`` (which imports the catalog) than in ``grade``, in an
editable checkout than in an installed checker, in the Gradescope image than on a TA's
machine.  ``run_hypothesis`` therefore draws with no local constants (hypothesis's own global
constants stay): a student's ``propgrade check`` and the TA's grading meet the same examples.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
from hypothesis import example, given, seed, settings
from hypothesis.internal.conjecture import providers  # pinned: hypothesis==6.170.15

from graders.props import Property

#: The seed of every draw.  Under ``derandomize=True`` hypothesis seeds a run from a hash of
#: the test function's source; this is the value it derived for the module-level driver the
#: examples module had before this one, kept so that the driver's move redrew no example
#: (cached banks, frozen releases and shrink memos all stay valid).  A new value redraws
#: every example of every assignment.
DRAW_SEED = int(
    "d45a6f63430c75459995fe4af03d61862442d40ecd4762c1857f9504c6d3e4fa"
    "822fc9205a5982e32a8ac1c6ecac3ec9",
    16,
)


def run_hypothesis(
    prop: Property, profile: settings, phases: tuple, on_case: Callable[[dict[str, Any]], None]
) -> None:
    """Run ``prop``'s strategy under ``profile`` and ``phases``, its explicit examples first,
    handing each case to ``on_case`` (which raises to report a failure)."""

    def driver(case: dict[str, Any]) -> None:
        on_case(case)

    test = seed(DRAW_SEED)(given(prop.strategy)(driver))
    for case in reversed(prop.examples):
        test = example(dict(case))(test)
    count = prop.max_examples or profile.max_examples
    with no_local_constants():
        settings(profile, max_examples=count, phases=phases)(test)()


_NO_CONSTANTS = providers.Constants(
    integers=providers.SortedSet(),
    floats=providers.SortedSet(key=providers.float_to_int),
    bytes=providers.SortedSet(),
    strings=providers.SortedSet(),
)


@contextmanager
def no_local_constants() -> Iterator[None]:
    """Hypothesis draws as if no local module were loaded (see the module docstring).  Its
    permitted-constants cache is cleared on the way in and out, since it holds local constants
    filtered for each kind of choice."""
    found = providers._get_local_constants
    providers._get_local_constants = lambda: _NO_CONSTANTS
    providers.CONSTANTS_CACHE.cache.clear()
    try:
        yield
    finally:
        providers._get_local_constants = found
        providers.CONSTANTS_CACHE.cache.clear()


def same_case(a: Any, b: Any) -> bool:
    """Whether two drawn cases are the same value, bit for bit (arrays, floats, containers)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_case(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same_case(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b or (a != a and b != b)
    return bool(a == b)
