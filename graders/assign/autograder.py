"""``propgrade autograder``: a Gradescope autograder zip for one assignment.

Gradescope unpacks the zip into ``/autograder/source``, runs ``setup.sh`` there once when it
builds the image, and runs ``/autograder/run_autograder`` (a copy of ours) for every
submission, with the student's files in ``/autograder/submission``; the grade is whatever
``/autograder/results/results.json`` holds afterwards.  The zip holds::

    setup.sh               Python deps (torch CPU first, then the pinned project), bubblewrap
    run_autograder         bash: find the Python, run grade_submission.py
    grade_submission.py    the real pipeline (grade_batch, sandboxed worker) on one submission
    requirements.txt       the project's pinned dependencies
    propgrade/             the project source: graders (with hidden graders), reference,
                           pyproject.toml, assignments/<id>/manifest.toml; no tests

The submission may be ``<id>.py``, a notebook, or both (SPEC's rules).  ``AUTOGRADER_ROOT``
moves ``/autograder`` elsewhere (tests run the zip in a temporary directory).
"""

from __future__ import annotations

import tomllib
import zipfile
from pathlib import Path

from graders import registry
from graders.assign.notebooks import ROOT, load_manifest

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
"$ROOT/venv/bin/pip" install --quiet --no-deps ./propgrade
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
import shutil
import sys
import tempfile
import tomllib
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "propgrade"))  # the bundled source, whatever is installed

ROOT = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))
SUBMISSION, RESULTS = ROOT / "submission", ROOT / "results" / "results.json"


def fail(message: str, max_score: float) -> None:
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({"score": 0.0, "max_score": max_score, "output": message,
                                   "visibility": "visible", "tests": []}, indent=2))


def main(assignment: str) -> int:
    manifest = tomllib.loads(
        (HERE / "propgrade" / "assignments" / assignment / "manifest.toml").read_text())
    limits = manifest.get("limits", {})
    total = float(sum(manifest["points"].values()))
    try:
        from graders.grade.batch import grade_batch

        with tempfile.TemporaryDirectory(prefix="propgrade-") as tmp:
            batch = Path(tmp) / "batch"
            shutil.copytree(SUBMISSION, batch / "submission", symlinks=True)
            out = Path(tmp) / "out"
            report = grade_batch(batch, assignment, out, jobs=1, sandbox="auto",
                                 memory_mb=int(limits.get("memory_mb", 2048)),
                                 call_seconds=float(limits.get("call_seconds", 5.0)),
                                 submission_seconds=float(limits.get("submission_seconds", 180.0)))
            for warning in report.warnings:
                print(f"propgrade: {warning}", file=sys.stderr)
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / "submission" / "results.json", RESULTS)
    except Exception:  # noqa: BLE001 - Gradescope must always get a results.json
        traceback.print_exc()
        fail("The autograder could not grade this submission; the course staff have been "
             "notified by this message.  Please contact them.", total)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
'''


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
