"""propgrade from a built wheel in a fresh venv: a course of one's own, and the bundled one.

The wheel is built from a copy of this checkout (``pip wheel --no-deps --no-build-isolation``,
offline) and installed with ``--no-deps`` into a new venv; the dependencies come from this
venv's site-packages through a ``.pth`` file, which puts them *after* the new venv's own
site-packages (and, not being a site directory, runs none of their ``.pth`` files: the dev
venv's editable hook stays out).  Every command runs as the fresh venv's ``propgrade``, from
folders outside the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import edit, run_autograder

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parents[2]
ID = "scaling"
#: a small assignment written into the scaffold: its reference, one property, one mutant
REFERENCE = '''"""Scaling: one function."""

from __future__ import annotations

import numpy as np


def scale(x, factor):
    """``x * factor``, a new float64 array of ``x``'s shape."""
    ### BEGIN SOLUTION
    return np.asarray(x, dtype=np.float64) * factor
    ### END SOLUTION
'''
PUBLIC = '''"""The public property of scaling."""

from __future__ import annotations

import numpy as np

from graders import compare
from graders import strategies as gen
from graders.props import prop, student


@prop("scaling.scale", "equals x * factor", points=4,
      given={"x": gen.vectors(), "factor": gen.floats(-5.0, 5.0)},
      examples=[{"x": np.array([1.0, -2.0]), "factor": 3.0}])
def scale_multiplies(x, factor):
    got = compare.array((yield student.scale(x, factor)), "scale(x, factor)", shape=x.shape)
    compare.close(got, x * factor, "scale(x, factor)")
'''
MUTANTS = '''"""The catalog of scaling: one bug, a real function."""

from __future__ import annotations

import numpy as np

from graders.mutants import Catalog

catalog = Catalog("scaling")


@catalog.mutant("scale", "adds the factor",
                misconception="your scale adds the factor instead of multiplying")
def scale_adds(x, factor):
    return np.asarray(x, dtype=np.float64) + factor


MUTANTS = catalog.mutants
VARIANTS = catalog.variants
'''
LECTURE = """# Scaling

```python
import numpy as np
from graders.notebook import check
```

```python solution scale
```

```python check scale
```

```python check
```
"""


def _env(venv: Path) -> dict[str, str]:
    """The fresh venv first on PATH, no PYTHONPATH, an example cache of its own."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(
        PATH=str(venv / "bin") + os.pathsep + env["PATH"],
        PROPGRADE_CACHE=str(venv.parent / "cache"),
    )
    return env


def _run(venv: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = _env(venv)
    proc = subprocess.run(
        [str(venv / "bin" / "propgrade"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    return proc


def _ok(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    """A fresh venv with propgrade installed from a wheel built from this checkout."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    shutil.copytree(
        CHECKOUT,
        source,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "tests",
            "__pycache__",
            "*.egg-info",
            "build",
            "dist",
            "demo-out",
            ".pytest_cache",
            ".ruff_cache",
            ".hypothesis",
            "*.pyc",
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--no-index",
            "-q",
            "-w",
            str(root / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = (root / "dist").glob("propgrade-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "assignments/classification/manifest.toml" in names
    assert "graders/assign/templates/gradescope/run_autograder" in names
    assert "graders/assign/templates/gradescope/autograder.toml.in" in names
    venv = root / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv), "platbase": str(venv)}))
    deps = sysconfig.get_path("purelib")  # this venv's: numpy, hypothesis, nbgrader, torch
    (site / "zz-propgrade-dependencies.pth").write_text(deps + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(venv / "bin" / "python"),
            "install",
            "--no-deps",
            "--no-index",
            "-q",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return venv


def test_propgrade_is_imported_from_the_wheel_not_the_checkout(venv, tmp_path):
    """The fresh venv's graders, reference and assignments are the installed ones."""
    code = (
        "import graders, reference, graders.course as c; "
        "print(graders.__file__); print(reference.__file__); print(c.BUNDLED_ROOT)"
    )
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
    )
    paths = [Path(p) for p in _ok(proc).split()]
    assert all(p.is_relative_to(venv) for p in paths), paths
    assert not any(p.is_relative_to(CHECKOUT) for p in paths)


def test_bubblewrap_hides_the_installed_content(venv, tmp_path):
    """In a regular install the bundled course sits in site-packages, inside the Python prefix
    the sandbox mounts: its folders (assignments/ holds the source notebooks, solutions
    included) are among those bubblewrap covers."""
    code = "from graders.sandbox import bwrap; print('\\n'.join(bwrap.python_mounts()[2]))"
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-c", code],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=_env(venv),
    )
    hidden = {Path(p).name for p in _ok(proc).split() if Path(p).is_relative_to(venv)}
    assert {"graders", "reference", "exercises", "assignments"} <= hidden


def test_a_course_of_ones_own_from_the_wheel(venv, tmp_path):
    """init, new, a small assignment written in, then validate, check, grade, generate and
    autograder (the zip run too), all from the installed wheel."""
    course = tmp_path / "course"
    _ok(_run(venv, "init", str(course), cwd=tmp_path))
    _ok(_run(venv, "new", ID, "--course", str(course), cwd=tmp_path))
    (course / "reference" / f"{ID}.py").write_text(REFERENCE)
    (course / "graders" / "public" / f"{ID}.py").write_text(PUBLIC)
    (course / "graders" / "hidden" / f"{ID}.py").unlink()
    (course / "graders" / "mutants" / f"{ID}.py").write_text(MUTANTS)
    manifest = course / "assignments" / ID / "manifest.toml"
    edit(manifest, '["relu"]', '["scale"]')
    (course / "assignments" / ID / "source" / "lecture.md").write_text(LECTURE)
    out = _ok(_run(venv, "validate", ID, cwd=course))  # the current folder: the course
    assert "every check holds" in out and "public 4 + hidden 0 = 4" in " ".join(out.split())
    (tmp_path / "subs" / "ada").mkdir(parents=True)
    (tmp_path / "subs" / "ada" / f"{ID}.py").write_text(REFERENCE)
    _ok(
        _run(
            venv,
            "check",
            ID,
            str(tmp_path / "subs" / "ada" / f"{ID}.py"),
            "--course",
            str(course),
            "--sandbox",
            "plain",
            cwd=tmp_path,
        )
    )
    _ok(
        _run(
            venv,
            "grade",
            str(tmp_path / "subs"),
            "-a",
            ID,
            "--out",
            str(tmp_path / "o"),
            "--course",
            str(course),
            "--sandbox",
            "plain",
            cwd=tmp_path,
        )
    )
    assert '"ada","4","4"' in (tmp_path / "o" / "grades.csv").read_text()
    _ok(
        _run(
            venv,
            "generate",
            ID,
            "--out",
            str(tmp_path / "release"),
            "--course",
            str(course),
            cwd=tmp_path,
        )
    )
    assert (tmp_path / "release" / f"{ID}.ipynb").is_file()
    released = tmp_path / "release" / "checker" / "graders" / "released"
    assert (released / "graders" / "public" / f"{ID}.py").is_file()
    assert not (released / "reference").exists()
    _ok(
        _run(
            venv,
            "autograder",
            ID,
            "--out",
            str(tmp_path / "ag.zip"),
            "--course",
            str(course),
            cwd=tmp_path,
        )
    )
    results = _gradescope(
        venv, tmp_path / "ag.zip", tmp_path / "autograder", {f"{ID}.py": REFERENCE}
    )
    assert results["score"] == results["max_score"] == 4


def test_the_bundled_course_from_the_wheel(venv, tmp_path):
    """generate and autograder of a bundled assignment work from a regular install."""
    _ok(_run(venv, "generate", "classification", "--out", str(tmp_path / "release"), cwd=tmp_path))
    assert (tmp_path / "release" / "classification.ipynb").is_file()
    _ok(_run(venv, "autograder", "classification", "--out", str(tmp_path / "ag.zip"), cwd=tmp_path))
    with zipfile.ZipFile(tmp_path / "ag.zip") as zf:
        names = set(zf.namelist())
    assert {
        "propgrade/assignments/classification/manifest.toml",
        "propgrade/graders/hidden/classification.py",
        "propgrade/reference/classification.py",
    } <= names


def _gradescope(venv: Path, zip_path: Path, root: Path, files: dict[str, str]) -> dict:
    """Gradescope's run of the zip the wheel built.  The zip brings its own propgrade source;
    the image's Python is this venv's (as in test_autograder.py): the fresh venv reaches its
    dependencies through a .pth file that bubblewrap's sandbox does not mount."""
    env = {**_env(venv), "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    return run_autograder(zip_path, root, dict(files), env)[0]
