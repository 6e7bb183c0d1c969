"""The on-disk example cache is keyed by every file that decides a property's examples."""

from __future__ import annotations

from pathlib import Path

import pytest

from graders import profiles, registry
from graders.course import Course
from graders.grade.examples import ExampleBank


def _key(prop) -> str:
    return ExampleBank(profiles.get("quick"), use_disk=False)._disk_key(prop)


@pytest.mark.parametrize("kind", ["public", "hidden", "reference"])
def test_editing_any_module_of_a_grader_package_changes_the_cache_key(
    kind, tmp_path: Path, monkeypatch
):
    """A change to a package's other module (e.g. ``public/landscape/cases.py``, which
    decides the drawn cases) must not reuse examples cached before it."""
    prop = registry.properties("landscape")[0]
    extra = tmp_path / "cases.py"
    extra.write_text("A = 1\n")
    files = Course.files

    def with_extra(self, k, assignment):
        return files(self, k, assignment) + ([extra] if k == kind else [])

    monkeypatch.setattr(Course, "files", with_extra)
    before = _key(prop)
    extra.write_text("A = 2\n")
    assert _key(prop) != before


def test_the_cache_key_covers_the_landscape_cases_module():
    """The public landscape package's cases module is among the files hashed."""
    from graders import course

    owner = course.find("landscape")
    assert owner is not None
    names = {p.name for p in owner.files("public", "landscape")}
    assert {"__init__.py", "cases.py"} <= names


def test_the_cache_key_covers_how_cases_are_drawn(tmp_path: Path, monkeypatch):
    """A change to ``graders/grade/draw.py`` (e.g. which constants hypothesis may use)
    redraws the examples rather than reusing the old ones."""
    import graders.grade.examples as examples

    prop = registry.properties("backprop")[0]
    before = _key(prop)
    real = Path.read_bytes

    def edited(self: Path) -> bytes:
        data = real(self)
        return data + b"# edited\n" if self.name == "draw.py" else data

    monkeypatch.setattr(examples.Path, "read_bytes", edited)
    assert _key(prop) != before
