"""The bundled demo submissions stay in sync with the catalog and show what they claim."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders import registry
from graders.demo import example_sources

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("topic", list(registry.ASSIGNMENTS))
def test_committed_examples_equal_a_fresh_generation(topic):
    """assignments/<id>/examples/ is exactly `python -m graders.demo --write`'s output."""
    for student, source in example_sources(topic).items():
        path = ROOT / "assignments" / topic / "examples" / student / f"{topic}.py"
        assert path.read_text() == source, "regenerate with python -m graders.demo --write"
