"""``propgrade autograder``: a Gradescope autograder zip for one assignment.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` there once when it
builds the image, and runs ``/autograder/run_autograder`` (a copy of ours) for every
submission, with the student's files in ``/autograder/submission``; the grade is whatever
``/autograder/results/results.json`` holds afterwards.  The zip holds::

    setup.sh               Python deps (torch CPU first, then the pinned project's), bubblewrap
    run_autograder         bash: find the Python, run grade_submission.py
    grade_submission.py    calls ``grade_submission`` below on the one submission
    requirements.txt       the project's pinned dependencies
    propgrade/             the project source: graders (with hidden graders), reference,
                           pyproject.toml, assignments/<id>/manifest.toml; no tests

The submission may be ``<id>.py``, a notebook, or both (SPEC's rules).  ``AUTOGRADER_ROOT``
moves ``/autograder`` elsewhere (tests run the zip in a temporary directory).

Student code never reads the reference or the hidden graders, with or without bubblewrap:
propgrade is not installed into the venv (an installed copy is readable by every user); the
bundled source is made root-only (0700) before every run, as is Gradescope's
``submission_metadata.json`` (it holds earlier results); and where bubblewrap cannot run, the
plain launcher runs student code as an unprivileged uid of its own (``graders.grade.sandbox``).
Each run first prints ``propgrade doctor``'s rows and the autograder's own (whether that uid
can read the private files or write the results) to the run's standard output, which
Gradescope shows to staff only; when student code could read them, the submission is not
graded at all.  results.json follows ``graders.export.visibility``; the hidden checks' full
feedback goes to the same staff-only output.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import tomllib
import zipfile
from pathlib import Path

from graders import registry
from graders.assign.notebooks import ROOT, load_manifest
from graders.errors import EnvironmentProblem

TIMESTAMP = (2024, 1, 1, 0, 0, 0)   #: fixed: the same sources give a byte-identical zip
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".ipynb_checkpoints"}

SETUP_SH = """\
#!/usr/bin/env bash
# Gradescope runs this once, as root, in /autograder/source.  Choose the Ubuntu 24.04 base
# image (Python 3.12; propgrade needs Python >= 3.11).
set -euo pipefail
cd "$(dirname "$0")"
ROOT="${AUTOGRADER_ROOT:-/autograder}"
if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = "0" ]; then
  apt-get update -q
  apt-get install -y -q python3 python3-venv python3-pip bubblewrap || true
fi
python3 -m venv "$ROOT/venv"
"$ROOT/venv/bin/pip" install --quiet --upgrade pip
# torch first, exactly the pinned CPU build: any other torch pulls gigabytes of CUDA wheels
"$ROOT/venv/bin/pip" install --quiet "{torch}" --index-url https://download.pytorch.org/whl/cpu
"$ROOT/venv/bin/pip" install --quiet -r requirements.txt
# propgrade itself is not installed: grade_submission.py imports the bundled source, which it
# keeps root-only (an installed copy would be readable by the unprivileged student uid)
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# Gradescope runs this as /autograder/run_autograder for each submission.
set -uo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="$ROOT/venv/bin/python"
[ -x "$PYTHON" ] || PYTHON="$(command -v python3)"
mkdir -p "$ROOT/results"
exec "$PYTHON" "$ROOT/source/grade_submission.py" {assignment}
"""

GRADE_SUBMISSION = '''\
"""Grade /autograder/submission with propgrade; write /autograder/results/results.json."""

from __future__ import annotations

import json
import os
import sys
import tomllib
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "propgrade"))  # the bundled source, whatever is installed

ROOT = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
RESULTS = ROOT / "results" / "results.json"


def fail(message: str, max_score: float) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"score": 0.0, "max_score": max_score, "output": message,
                                   "visibility": "visible", "tests": []}, indent=2))


def main(assignment: str) -> int:
    manifest = tomllib.loads(
        (HERE / "propgrade" / "assignments" / assignment / "manifest.toml").read_text())
    try:
        from graders.assign.autograder import grade_submission

        grade_submission(assignment, ROOT, HERE, manifest)
    except Exception:  # noqa: BLE001 - Gradescope must always get a results.json
        traceback.print_exc()
        fail("The autograder could not grade this submission; the course staff have been "
             "notified by this message.  Please contact them.",
             float(sum(manifest["points"].values())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
'''


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


def _private(assignment: str, root: Path, source: Path) -> list[Path]:
    code = source / "propgrade"
    return [code / "reference" / f"{assignment}.py",
            code / "graders" / "hidden" / f"{assignment}.py",
            code / "graders" / "mutants" / f"{assignment}.py",
            source / "grade_submission.py",
            Path(os.environ["PROPGRADE_CACHE"]),
            root / "submission_metadata.json"]


def grade_submission(assignment: str, root: Path, source: Path, manifest: dict) -> None:
    """Grade ``root/submission`` and write ``root/results/results.json`` (Gradescope's run).

    Refuses (raises) before any student code runs when that code could read the private
    files; the doctor's rows and the hidden checks' feedback go to standard output (staff's).
    """
    from graders import report
    from graders.export.gradescope import dumps
    from graders.grade import doctor
    from graders.grade.batch import grade_batch
    from graders.grade.sandbox import choose_launcher

    protect(root, source)
    # the example cache holds expected values: keep it inside the root-only source
    os.environ.setdefault("PROPGRADE_CACHE", str(source / ".propgrade-cache"))
    Path(os.environ["PROPGRADE_CACHE"]).mkdir(parents=True, exist_ok=True)
    launcher = choose_launcher("auto")
    checks = doctor.private_files(launcher, _private(assignment, root, source),
                                  unwritable=[root / "results"])
    report.console.print(doctor.render(doctor.report() + checks), markup=False,
                         highlight=False, soft_wrap=True)
    if not all(ok for _, ok, _ in checks):
        raise EnvironmentProblem("student code could read the autograder's private files "
                                 "here (see the rows above): not graded")
    limits = manifest.get("limits", {})
    with tempfile.TemporaryDirectory(prefix="propgrade-") as tmp:
        batch = Path(tmp) / "batch"
        shutil.copytree(root / "submission", batch / "submission", symlinks=True)
        done = grade_batch(batch, assignment, Path(tmp) / "out", jobs=1, sandbox="auto",
                           memory_mb=int(limits.get("memory_mb", 2048)),
                           call_seconds=float(limits.get("call_seconds", 5.0)),
                           submission_seconds=float(limits.get("submission_seconds", 180.0)))
    for warning in done.warnings:
        report.warn(warning)
    result = done.results[0]
    (root / "results").mkdir(exist_ok=True)
    (root / "results" / "results.json").write_text(dumps(result))
    for t in result.tests:  # staff's copy of what the students see only once released
        if t.visibility == "hidden" and t.output:
            report.console.print(f"hidden check {t.name} ({t.status}):\n{t.output}",
                                 markup=False, highlight=False, soft_wrap=True)


def _project_files(assignment: str) -> list[tuple[Path, str]]:
    """(file, name in the zip) of the project source the autograder needs."""
    files = [(ROOT / "pyproject.toml", "propgrade/pyproject.toml")]
    if (ROOT / "README.md").exists():
        files.append((ROOT / "README.md", "propgrade/README.md"))
    for package in ("graders", "reference"):
        for path in sorted((ROOT / package).rglob("*")):
            rel = path.relative_to(ROOT)
            if path.is_file() and not SKIP_PARTS & set(rel.parts) and path.suffix != ".pyc":
                files.append((path, f"propgrade/{rel.as_posix()}"))
    manifest = load_manifest(assignment).folder / "manifest.toml"
    files.append((manifest, f"propgrade/assignments/{assignment}/manifest.toml"))
    return files


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
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    torch = next((d for d in deps if d.startswith("torch")), "torch")
    with zipfile.ZipFile(out, "w") as zf:
        _add(zf, "setup.sh", SETUP_SH.replace("{torch}", torch).encode(), executable=True)
        _add(zf, "run_autograder", RUN_AUTOGRADER.format(assignment=assignment).encode(),
             executable=True)
        _add(zf, "grade_submission.py", GRADE_SUBMISSION.encode())
        _add(zf, "requirements.txt", ("\n".join(deps) + "\n").encode())
        for path, name in _project_files(assignment):
            _add(zf, name, path.read_bytes())
    return out
