"""The command line: exit codes, one-line errors, help that answers, the progress display."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from graders import cli, mutants, registry, report
from graders.assign.release import copy_checker
from graders.cli import main
from graders.errors import InputError, UsageError
from graders.grade.discover import discover
from tests.assign.test_release import CLEAN

ROOT = Path(__file__).resolve().parents[1]
IDS = list(registry.ASSIGNMENTS)
WITH_ASSIGNMENT = ("check", "grade", "generate", "validate", "autograder")


def _run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "graders.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _one_error(stderr: str, hint: bool | None = None) -> str:
    """The error line of ``stderr``, asserting it is the only line (besides a "Try" hint)."""
    assert "Traceback" not in stderr, stderr
    lines = stderr.strip().splitlines()
    assert lines and lines[0].startswith("error: "), stderr
    rest = lines[1:]
    assert len(rest) <= 1 and all(r.startswith("Try 'propgrade") for r in rest), stderr
    if hint is not None:
        assert bool(rest) == hint, stderr
    return lines[0]


def _fails(capsys, argv: list[str], code: int, hint: bool | None = None) -> str:
    """Run ``main(argv)``; assert it exits ``code`` with one error line; return that line."""
    assert main(argv) == code
    captured = capsys.readouterr()
    return _one_error(captured.err, hint)


@pytest.fixture
def batch(tmp_path) -> Path:
    """A batch of two students whose modules do not even parse (graded in no time)."""
    for student in ("s1", "s2"):
        (tmp_path / "subs" / student).mkdir(parents=True)
        (tmp_path / "subs" / student / "classification.py").write_text("def softmax(:\n")
    return tmp_path / "subs"


# --- exit codes --------------------------------------------------------------------------


@pytest.mark.slow
def test_console_script_is_installed():
    """`propgrade --help` lists the SPEC commands."""
    out = subprocess.run(
        [str(Path(sys.executable).parent / "propgrade"), "--help"], capture_output=True, text=True
    ).stdout
    for command in ("check", "grade", "generate"):
        assert command in out


def test_usage_errors_exit_2_with_a_hint():
    """An unknown assignment is a usage error: one line, then the subcommand's "Try --help"."""
    proc = _run("check", "nonsense")
    assert proc.returncode == 2
    assert "unknown assignment 'nonsense'" in _one_error(proc.stderr, hint=True)
    assert "Try 'propgrade check --help' for help." in proc.stderr


@pytest.mark.parametrize("command", ["grade", "generate", "validate", "autograder"])
def test_an_unknown_assignment_is_one_line_naming_the_known_ones(command, capsys, batch):
    """Every command taking an assignment rejects an unknown id in one line listing the ids."""
    argv = {
        "grade": ["grade", str(batch), "-a", "nonsense", "--out", str(batch.parent / "o")],
        "generate": ["generate", "nonsense", "--out", str(batch.parent / "o")],
        "validate": ["validate", "nonsense"],
        "autograder": ["autograder", "nonsense", "--out", str(batch.parent / "o")],
    }[command]
    line = _fails(capsys, argv, 2, hint=True)
    assert "unknown assignment 'nonsense'" in line and all(i in line for i in IDS)


def test_registry_get_of_an_unknown_assignment_is_a_usage_error():
    """The library raises UsageError (not a bare KeyError) for an unknown assignment id."""
    with pytest.raises(UsageError, match="unknown assignment 'nonsense'"):
        registry.get("nonsense")


@pytest.mark.slow
def test_check_passes_on_the_reference(tmp_path):
    """check exits 0 when every public property passes."""
    (tmp_path / "classification.py").write_text(mutants.reference_source("classification"))
    proc = _run("check", "classification", str(tmp_path / "classification.py"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Score: 10 / 10" in proc.stdout


@pytest.mark.slow
def test_check_fails_on_the_stub_and_says_why(tmp_path):
    """check exits 1 on the stub and tells the student each function is not implemented."""
    (tmp_path / "classification.py").write_text(
        (ROOT / "exercises" / "classification.py").read_text()
    )
    proc = _run("check", "classification", cwd=tmp_path)
    assert proc.returncode == 1
    assert "softmax is not implemented yet" in proc.stdout


def test_check_of_a_path_that_does_not_exist_is_an_input_error(capsys, tmp_path):
    """`check ASSIGNMENT PATH` with a mistyped PATH exits 3 in one line naming it."""
    line = _fails(capsys, ["check", "classification", str(tmp_path / "clasification.py")], 3)
    assert "clasification.py does not exist" in line


@pytest.mark.slow
def test_grade_exits_0_whatever_the_scores(tmp_path):
    """grade returns 0 when the batch was graded, even with failing students."""
    (tmp_path / "subs" / "s1").mkdir(parents=True)
    (tmp_path / "subs" / "s1" / "classification.py").write_text("def softmax(:\n")
    code = main(
        [
            "grade",
            str(tmp_path / "subs"),
            "--assignment",
            "classification",
            "--out",
            str(tmp_path / "out"),
            "--sandbox",
            "plain",
        ]
    )
    assert code == 0 and (tmp_path / "out" / "grades.csv").exists()


@pytest.mark.parametrize("situation", ["missing", "a_file"])
def test_submissions_that_are_not_a_folder_are_one_line_exit_3(situation, capsys, tmp_path):
    """A SUBMISSIONS path that does not exist, or is a file, exits 3 before anything is written."""
    subs = tmp_path / "subs"
    if situation == "a_file":
        subs.write_text("not a folder")
    line = _fails(
        capsys, ["grade", str(subs), "-a", "classification", "--out", str(tmp_path / "o")], 3
    )
    assert str(subs) in line and not (tmp_path / "o").exists()


def test_discover_on_a_file_raises_an_input_error(tmp_path):
    """The library's discovery says "not a folder of submissions" as an InputError."""
    (tmp_path / "subs").write_text("")
    with pytest.raises(InputError, match="not a folder of submissions"):
        discover(tmp_path / "subs", "classification")


@pytest.mark.parametrize("where", ["is_a_file", "under_a_file"])
@pytest.mark.parametrize("command", ["grade", "generate", "autograder"])
def test_out_that_cannot_be_a_folder_is_one_line_exit_3(command, where, capsys, batch):
    """--out naming a file (or a path under a file) exits 3 in one line, for every command."""
    blocker = batch.parent / "blocker"
    blocker.write_text("a file")
    out = blocker if where == "is_a_file" else blocker / "out"
    argv = {
        "grade": ["grade", str(batch), "-a", "classification", "--sandbox", "plain"],
        "generate": ["generate", "classification"],
        "autograder": ["autograder", "classification"],
    }[command]
    line = _fails(capsys, [*argv, "--out", str(out)], 3)
    assert str(blocker) in line and "is a file" in line
    assert blocker.read_text() == "a file"


@pytest.mark.slow
def test_out_as_a_subprocess_has_no_traceback(batch):
    """The real process (rich console, exit status) says the --out mistake in one line."""
    (batch.parent / "o").write_text("")
    proc = _run("grade", str(batch), "-a", "classification", "--out", str(batch.parent / "o"))
    assert proc.returncode == 3
    _one_error(proc.stderr)


# psycopg is installed (make install): its absence, and a PostgreSQL server's refusals, are
# tested in tests/grade/test_store.py
@pytest.mark.parametrize(
    ("url", "code", "says"),
    [
        ("not a url", 2, "not a database URL"),
        ("nosuchdb://host/db", 2, "unknown kind of database 'nosuchdb'"),
        ("postgresql+psycopg2://ta:s3cret@db.example.org/grades", 4, "pip install psycopg2-binary"),
        ("mysql://ta@db.example.org/grades", 4, "pip install mysqlclient"),
        ("sqlite:////no/such/folder/grades.sqlite", 4, "cannot connect to the results database"),
    ],
    ids=["unparseable", "unknown_dialect", "psycopg2_absent", "mysqldb_absent", "unreachable"],
)
def test_a_bad_db_url_is_one_line(url, code, says, capsys, batch):
    """--db: unparseable or unknown (2), no driver or no server (4); a password is never shown."""
    line = _fails(
        capsys,
        [
            "grade",
            str(batch),
            "-a",
            "classification",
            "--sandbox",
            "plain",
            "--out",
            str(batch.parent / "o"),
            "--db",
            url,
        ],
        code,
    )
    assert says in line and "s3cret" not in line


@pytest.mark.parametrize("command", ["grade", "validate", "demo"])
def test_jobs_below_1_is_a_usage_error(command, capsys, batch):
    """--jobs 0 exits 2 in one line with the hint, for every command that takes --jobs."""
    argv = {
        "grade": ["grade", str(batch), "-a", "classification", "--out", str(batch.parent / "o")],
        "validate": ["validate", "classification"],
        "demo": ["demo"],
    }[command]
    line = _fails(capsys, [*argv, "--jobs", "0"], 2, hint=True)
    assert "--jobs" in line and "at least 1" in line


@pytest.mark.parametrize(
    "argv", [["validate"], ["validate", "classification", "--all"]], ids=["neither", "both"]
)
def test_validate_needs_one_assignment_or_all(argv, capsys):
    """validate with no assignment and no --all (or both) is a usage error with the hint."""
    assert "pass --all" in _fails(capsys, argv, 2, hint=True)


def test_an_internal_error_is_reported_as_a_bug_exit_70(capsys, monkeypatch):
    """A built-in exception escaping a command is a bug: its traceback, exit 70, no "Try"."""

    def broken(ns):
        raise KeyError("bug")

    monkeypatch.setitem(cli.COMMANDS, "doctor", broken)
    assert main(["doctor"]) == 70
    err = capsys.readouterr().err
    assert "propgrade: internal error (a bug, please report it)" in err
    assert "Traceback" in err and "KeyError: 'bug'" in err and "Try" not in err


# --- validate --jobs ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [["validate", "batchnorm", "--jobs", "3"], ["validate", "--all", "-j", "3"]],
    ids=["one", "all"],
)
def test_validate_passes_jobs_on(argv, capsys, monkeypatch):
    """`validate --jobs N` (with one assignment or --all) reaches validate(jobs=N)."""
    import graders.validate as validate_module

    calls: list[tuple[str, int]] = []

    class Matrix:
        ok = True

    def fake(assignment, **kwargs):
        calls.append((assignment, kwargs.get("jobs")))
        return Matrix()

    monkeypatch.setattr(validate_module, "validate", fake)
    monkeypatch.setattr(validate_module, "render", lambda matrix: "matrix")
    assert main(argv) == 0
    expected = IDS if "--all" in argv else ["batchnorm"]
    assert calls == [(a, 3) for a in expected]


# --- help that answers -------------------------------------------------------------------


def _help(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as stop:
        main([*argv, "--help"])
    assert stop.value.code == 0
    return capsys.readouterr().out


def _option_blocks(text: str) -> dict[str, str]:
    """Option name -> its help text (joined across wrapped lines) from an argparse --help."""
    blocks: dict[str, str] = {}
    current = None
    section = text.split("options:", 1)[1]
    for line in section.splitlines():
        if line.startswith("  -"):
            current = line.split()[0].rstrip(",")
            blocks[current] = line
        elif current and line.startswith("   "):
            blocks[current] += " " + line.strip()
        else:
            current = None
    return {k: " ".join(v.split()) for k, v in blocks.items() if k not in ("-h", "--help")}


@pytest.mark.parametrize("command", list(cli.COMMANDS))
def test_every_option_in_help_shows_its_default(command, capsys):
    """Each option of each subcommand's --help says its default (or that it is required)."""
    blocks = _option_blocks(_help(capsys, command))
    assert blocks or command == "doctor"
    for option, text in blocks.items():
        assert "(default: " in text or "(required)" in text, (option, text)


def test_help_defaults_are_the_apis_defaults(capsys):
    """The defaults shown are grade_batch's own keyword defaults (one fact, one place)."""
    blocks = _option_blocks(_help(capsys, "grade"))
    assert "(default: 5.0)" in blocks["--call-seconds"]
    assert "(default: 1)" in blocks["--jobs"] and "(required)" in blocks["--out"]


@pytest.mark.parametrize("command", WITH_ASSIGNMENT)
def test_help_lists_the_available_assignments(command, capsys):
    """Every command that takes an assignment lists the ids it accepts."""
    text = " ".join(_help(capsys, command).split())
    assert all(i in text for i in IDS)


@pytest.mark.parametrize("command", ["check", "grade"])
def test_help_documents_the_example_cache(command, capsys):
    """check and grade --help say where examples are cached, how to move and clear it."""
    text = " ".join(_help(capsys, command).split())
    assert "PROPGRADE_CACHE" in text and "~/.cache/propgrade" in text and "rm -rf" in text


def test_readme_documents_exit_codes_and_the_cache():
    """The README has the exit-code table and the example cache."""
    readme = (ROOT / "README.md").read_text()
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |", "| 4 |", "| 70 |"):
        assert code in readme
    assert "PROPGRADE_CACHE" in readme


# --- the student checker -----------------------------------------------------------------


@pytest.fixture(scope="module")
def checker(tmp_path_factory) -> Path:
    """The checker package exactly as `propgrade generate` ships it (no hidden graders)."""
    return copy_checker(tmp_path_factory.mktemp("release"))


def _in_checker(checker: Path, *argv: str) -> subprocess.CompletedProcess:
    """Run the CLI from the student checker alone (no repository on the path)."""
    env = {**os.environ, "PYTHONPATH": str(checker)}
    code = CLEAN + "from graders.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run(
        [sys.executable, "-c", code, *argv],
        cwd=checker.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.slow
def test_student_checker_help_lists_only_what_works_there(checker):
    """In a student release `propgrade --help` offers check and doctor, no staff command."""
    proc = _in_checker(checker, "--help")
    assert proc.returncode == 0, proc.stderr
    commands = proc.stdout.split("{", 1)[1].split("}", 1)[0].split(",")
    assert commands == ["check", "doctor"]
    for staff in cli.STAFF_COMMANDS:
        assert f"    {staff} " not in proc.stdout


@pytest.mark.slow
def test_a_staff_command_in_the_student_checker_says_it_is_for_staff(checker):
    """Each staff command there exits 4 in one line saying so, never ModuleNotFoundError."""
    for command in cli.STAFF_COMMANDS:
        proc = _in_checker(checker, command, "classification", "--out", "o")
        assert proc.returncode == 4, (command, proc.stderr)
        line = _one_error(proc.stderr, hint=False)
        assert f"'propgrade {command}' is for course staff" in line
        assert "ModuleNotFoundError" not in proc.stderr


@pytest.mark.slow
def test_check_hidden_in_the_student_checker_is_refused(checker):
    """`check --hidden` cannot silently run the public checks only: one line, exit 4."""
    proc = _in_checker(checker, "check", "classification", "--hidden")
    assert proc.returncode == 4
    assert "for course staff" in _one_error(proc.stderr, hint=False)


# --- progress ----------------------------------------------------------------------------


def _recording_progress(monkeypatch) -> list[tuple[int, int, frozenset[str]]]:
    seen: list[tuple[int, int, frozenset[str]]] = []

    def bar():
        return (
            lambda done, total, result, grading: seen.append((done, total, grading)),
            lambda: None,
        )

    monkeypatch.setattr(cli.report, "progress_bar", bar)
    return seen


@pytest.mark.slow
@pytest.mark.parametrize("jobs", [1, 2])
def test_grade_progress_names_the_students_being_graded_now(jobs, monkeypatch, batch):
    """The progress callback gets the in-flight student ids: both at once with --jobs 2, one
    at a time with --jobs 1, none when the batch is done."""
    seen = _recording_progress(monkeypatch)
    assert (
        main(
            [
                "grade",
                str(batch),
                "-a",
                "classification",
                "--sandbox",
                "plain",
                "--out",
                str(batch.parent / "o"),
                "--jobs",
                str(jobs),
            ]
        )
        == 0
    )
    in_flight = {grading for _, _, grading in seen}
    if jobs == 2:
        assert frozenset({"s1", "s2"}) in in_flight
    else:
        assert {frozenset({"s1"}), frozenset({"s2"})} <= in_flight
        assert all(len(grading) <= 1 for grading in in_flight)
    assert seen[-1] == (2, 2, frozenset())


def test_progress_line_names_in_flight_students_then_the_last_one():
    """The bar's text: who is being graded now, then the last finished with its score."""
    assert (
        report.progress_line(frozenset({"bob", "alice"}), "carol 18/20")
        == "alice, bob · last: carol 18/20"
    )
    assert report.progress_line(frozenset(), "") == ""


def test_validate_jobs_default_is_validates_own():
    """`validate --jobs` defaults to validate()'s keyword default (the two cannot drift)."""
    import inspect

    from graders.cli import build_parser
    from graders.validate import validate

    ns = build_parser().parse_args(["validate", "classification"])
    assert ns.jobs == inspect.signature(validate).parameters["jobs"].default
