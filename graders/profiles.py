"""Named hypothesis settings profiles: every student and every regrade sees the same examples.

``derandomize=True`` makes generation a function of the property alone; ``database=None``
keeps nothing between runs; ``deadline=None`` because student code may be slow without being
wrong (time limits are the worker's job).  Profiles are always passed explicitly (never the
globally loaded one), so ``CI=true`` — which makes hypothesis load its own ``ci`` profile —
changes nothing.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, settings

_COMMON: dict[str, Any] = dict(
    derandomize=True,
    database=None,
    deadline=None,
    print_blob=False,
    verbosity=Verbosity.quiet,
    report_multiple_bugs=False,
    suppress_health_check=list(HealthCheck),
)

PROFILES: dict[str, settings] = {
    # `propgrade check` on a student's laptop: quick, public properties only.
    "student": settings(max_examples=40, **_COMMON),
    # `propgrade grade`: the full count, examples shared by every student of the batch.
    "grading": settings(max_examples=100, **_COMMON),
    # the test suite's quick runs of whole assignments.
    "quick": settings(max_examples=15, **_COMMON),
}
for _name, _profile in PROFILES.items():
    settings.register_profile(f"propgrade-{_name}", _profile)

GENERATE = (Phase.explicit, Phase.generate)
SHRINK = (Phase.explicit, Phase.generate, Phase.shrink)


def get(name: str) -> settings:
    try:
        return PROFILES[name]
    except KeyError:
        raise KeyError(f"unknown profile {name!r} (known: {', '.join(PROFILES)})") from None
