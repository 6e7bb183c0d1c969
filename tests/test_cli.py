"""The command line: exit codes, help hints and the check command's feedback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graders import mutants
from graders.cli import main

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "graders.cli", *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)


def test_console_script_is_installed():
    """`propgrade --help` lists the SPEC commands."""
    out = subprocess.run([str(Path(sys.executable).parent / "propgrade"), "--help"],
                         capture_output=True, text=True).stdout
    for command in ("check", "grade", "generate"):
        assert command in out


def test_usage_errors_exit_2_with_a_hint():
    """An unknown assignment is a usage error with a "Try --help" hint."""
    proc = _run("check", "nonsense")
    assert proc.returncode == 2 and "--help" in proc.stderr


def test_check_passes_on_the_reference(tmp_path):
    """check exits 0 when every public property passes."""
    (tmp_path / "classification.py").write_text(mutants.reference_source("classification"))
    proc = _run("check", "classification", str(tmp_path / "classification.py"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Score: 10 / 10" in proc.stdout


def test_check_fails_on_the_stub_and_says_why(tmp_path):
    """check exits 1 on the stub and tells the student each function is not implemented."""
    (tmp_path / "classification.py").write_text((ROOT / "exercises" / "classification.py")
                                                .read_text())
    proc = _run("check", "classification", cwd=tmp_path)
    assert proc.returncode == 1
    assert "softmax is not implemented yet" in proc.stdout


def test_grade_exits_0_whatever_the_scores(tmp_path):
    """grade returns 0 when the batch was graded, even with failing students."""
    (tmp_path / "subs" / "s1").mkdir(parents=True)
    (tmp_path / "subs" / "s1" / "classification.py").write_text("def softmax(:\n")
    code = main(["grade", str(tmp_path / "subs"), "--assignment", "classification",
                 "--out", str(tmp_path / "out"), "--sandbox", "plain"])
    assert code == 0 and (tmp_path / "out" / "grades.csv").exists()


def test_grade_on_a_missing_folder_is_a_usage_error(tmp_path):
    """A submissions path that does not exist exits 2."""
    assert main(["grade", str(tmp_path / "nope"), "-a", "classification",
                 "--out", str(tmp_path / "o")]) == 2
