"""``propgrade autograder``: a Gradescope autograder zip for one assignment.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` there once when it
builds the image, and runs ``/autograder/run_autograder`` (a copy of ours) for every
submission, with the student's files in ``/autograder/submission``; the grade is whatever
``/autograder/results/results.json`` holds afterwards.  The zip holds::

    setup.sh               a Python >= 3.11, bubblewrap, the venv (torch CPU first, then the
                           pinned project's dependencies), then the examples drawn once
    run_autograder         bash: find the Python, run grade_submission.py
    grade_submission.py    calls ``grade_submission`` below on the one submission
                           (``--warm``: ``warm_examples``, from setup.sh)
    autograder.toml        what it grades: the assignment, its course folder, its max score
    requirements.txt       the project's pinned dependencies
    propgrade/             the project source: graders (with hidden graders), reference,
                           assignments/<id>/manifest.toml of a bundled assignment; no tests
    course/                a course's own assignment (not a bundled one): its manifest,
                           reference, public and hidden graders and catalog, in the layout

The first three are real files in ``graders/assign/templates/gradescope/``, and so is
``autograder.toml.in``, filled in with ``string.Template`` (``$name``: the one templating
convention of the generated files, as for the checker's ``pyproject.toml.in``).

The submission may be ``<id>.py``, a notebook, or both (SPEC's rules).  ``AUTOGRADER_ROOT``
moves ``/autograder`` elsewhere (tests run the zip in a temporary directory).

Student code never reads the reference or the hidden graders, with or without bubblewrap:
propgrade is not installed into the venv (an installed copy is readable by every user); the
bundled source is made root-only (0700) before every run, as is Gradescope's
``submission_metadata.json`` (it holds earlier results); and where bubblewrap cannot run, the
plain launcher runs student code as an unprivileged uid of its own (``graders.sandbox.plain``).
Each run first prints ``propgrade doctor``'s rows and the autograder's own (whether that uid
can read the private files or write the results) to the run's standard output, which
Gradescope shows to staff only; when student code could read them, the submission is not
graded at all.  results.json follows ``graders.export.visibility``; the hidden checks' full
feedback goes to the same staff-only output.
"""

from __future__ import annotations

import json
import os
import shutil
import string
import tempfile
import time
import zipfile
from pathlib import Path

from graders import course as courses
from graders import registry
from graders.assign.project import project
from graders.errors import EnvironmentProblem

ROOT = courses.BUNDLED_ROOT  #: the installation's own tree
SCRIPTS = Path(__file__).resolve().parent / "templates" / "gradescope"
COURSE_DIR = "course"  #: a course's files in the zip
#: what of a course's assignment the autograder needs (no stub, no lecture)
COURSE_KINDS = ("manifest", "reference", "public", "hidden", "mutants")
TIMESTAMP = (2024, 1, 1, 0, 0, 0)  #: fixed: the same sources give a byte-identical zip
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}


def protect(root: Path, source: Path) -> None:
    """Make what student code must not read root-only, whatever modes the unpacking gave:
    the bundled source (reference, hidden graders, mutant catalog, example cache) and
    Gradescope's submission metadata (earlier results); the results folder stays root's."""
    os.chmod(source, 0o700)
    metadata = root / "submission_metadata.json"
    if metadata.exists():
        os.chmod(metadata, 0o600)
    (root / "results").mkdir(exist_ok=True)
    os.chmod(root / "results", 0o755)


def _use_course(source: Path, course: Path | None) -> None:
    """The course of the zip's own files (``None``: the bundled one), and the example cache
    inside the root-only source (it holds expected values)."""
    if course is not None:
        courses.use(courses.Course(course))
    os.environ.setdefault("PROPGRADE_CACHE", str(source / ".propgrade-cache"))
    Path(os.environ["PROPGRADE_CACHE"]).mkdir(parents=True, exist_ok=True)


def warm_examples(assignment: str, source: Path, *, course: Path | None = None) -> None:
    """Draw every property's examples and expected values into the source's cache, as a
    grading would (same profile, same keys): setup.sh calls this once, when Gradescope builds
    the image, so that each submission starts warm (a cold draw costs tens of seconds)."""
    from graders import profiles
    from graders.grade.examples import ExampleBank

    _use_course(source, course)
    ExampleBank(profiles.get("grading")).warm(registry.properties(assignment))


def _private(assignment: str, root: Path, source: Path) -> list[Path]:
    owner = registry.get(assignment).course
    # every module of a package: the probe tries each file, not its folder
    return [
        *owner.files("reference", assignment),
        *owner.files("hidden", assignment),
        *owner.files("mutants", assignment),
        source / "grade_submission.py",
        Path(os.environ["PROPGRADE_CACHE"]),
        root / "submission_metadata.json",
    ]


def grade_submission(
    assignment: str,
    root: Path,
    source: Path,
    manifest: object = None,
    *,
    course: Path | None = None,
) -> None:
    """Grade ``root/submission`` and write ``root/results/results.json`` (Gradescope's run).

    ``course``: the folder of the course's own files in the zip (``None``: the bundled
    course).  The limits are the manifest's, read through the registry as ``grade`` reads
    them (``manifest``, the parsed manifest earlier callers passed, is not needed).
    Refuses (raises) before any student code runs when that code could read the private
    files; the doctor's rows and the hidden checks' feedback go to standard output (staff's).
    """
    from graders import report
    from graders.diagnose import optional_diagnoser  # the zip ships the catalog
    from graders.export.gradescope import dumps
    from graders.grade.batch import grade_batch
    from graders.sandbox import doctor
    from graders.sandbox.policy import choose_launcher

    started = time.monotonic()
    _use_course(source, course)
    protect(root, source)
    launcher = choose_launcher("auto")
    checks = doctor.private_files(
        launcher, _private(assignment, root, source), unwritable=[root / "results"]
    )
    report.console.print(
        doctor.render(doctor.report() + checks), markup=False, highlight=False, soft_wrap=True
    )
    if not all(ok for _, ok, _ in checks):
        raise EnvironmentProblem(
            "student code could read the autograder's private files "
            "here (see the rows above): not graded"
        )
    with tempfile.TemporaryDirectory(prefix="propgrade-") as tmp:
        batch = Path(tmp) / "batch"
        shutil.copytree(root / "submission", batch / "submission", symlinks=True)
        # no limit given: the manifest's, as `propgrade grade` without flags
        done = grade_batch(
            batch,
            assignment,
            Path(tmp) / "out",
            jobs=1,
            sandbox="auto",
            diagnoser_for=optional_diagnoser,
        )
    for warning in done.warnings:
        report.warn(warning)
    result = done.results[0]
    (root / "results").mkdir(exist_ok=True)
    document = json.loads(dumps(result))
    # Gradescope's optional field (whole seconds); the batch's own results.json has none, so
    # that regrading a batch gives byte-identical files
    document["execution_time"] = round(time.monotonic() - started)
    (root / "results" / "results.json").write_text(
        json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    )
    for t in result.tests:  # staff's copy of what the students see only once released
        if t.visibility == "hidden" and t.output:
            report.console.print(
                f"hidden check {t.name} ({t.status}):\n{t.output}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )


def _project_files(assignment: str) -> list[tuple[Path, str]]:
    """(file, name in the zip) of what the autograder needs: the engine and the bundled
    reference (checkout or wheel alike), and the assignment's content, from its course."""
    files = [
        (ROOT / name, f"propgrade/{name}")
        for name in ("pyproject.toml", "README.md")
        if (ROOT / name).is_file()
    ]
    for package in ("graders", "reference"):
        for path in sorted((ROOT / package).rglob("*")):
            rel = path.relative_to(ROOT)
            if path.is_file() and not SKIP_PARTS & set(rel.parts) and path.suffix != ".pyc":
                files.append((path, f"propgrade/{rel.as_posix()}"))
    owner = registry.get(assignment).course
    if owner.bundled:
        files.append(
            (
                owner.path("manifest", assignment),
                f"propgrade/{courses.LAYOUT['manifest'].format(id=assignment)}",
            )
        )
    else:
        files.append((owner.root / courses.MARKER, f"{COURSE_DIR}/{courses.MARKER}"))
        files += [
            (path, f"{COURSE_DIR}/{path.relative_to(owner.root).as_posix()}")
            for kind in COURSE_KINDS
            for path in owner.files(kind, assignment)
            if path.is_file()
        ]
    return [(path, name) for path, name in files if path.is_file()]


def _config(assignment: str) -> bytes:
    """``autograder.toml``: what grade_submission.py grades (``autograder.toml.in`` filled
    in; an assignment id is a Python identifier, safe inside a TOML string)."""
    spec = registry.get(assignment)
    template = string.Template((SCRIPTS / "autograder.toml.in").read_text())
    return template.substitute(
        assignment=assignment,
        course="" if spec.course.bundled else COURSE_DIR,
        max_score=repr(float(spec.total_points)),
    ).encode()


def _add(zf: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, date_time=TIMESTAMP)
    info.external_attr = (0o100755 if executable else 0o100644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    zf.writestr(info, data)


def build_autograder(assignment: str, out: Path) -> Path:
    """Write the autograder zip of ``assignment`` to ``out`` (a ``.zip`` path or a folder)."""
    registry.get(assignment)
    if out.suffix != ".zip":
        out = out / f"{assignment}-autograder.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    deps = project().dependencies
    with zipfile.ZipFile(out, "w") as zf:
        for name in ("setup.sh", "run_autograder"):
            _add(zf, name, (SCRIPTS / name).read_bytes(), executable=True)
        _add(zf, "grade_submission.py", (SCRIPTS / "grade_submission.py").read_bytes())
        _add(zf, "autograder.toml", _config(assignment))
        _add(zf, "requirements.txt", ("\n".join(deps) + "\n").encode())
        for path, name in _project_files(assignment):
            _add(zf, name, path.read_bytes())
    return out
