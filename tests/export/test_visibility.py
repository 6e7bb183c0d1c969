"""One visibility policy: a hidden check shows its title and points only until staff release it,
in results.json, feedback.html and the checker's terminal output alike."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import markupsafe
import pytest

from graders import mutants, report
from graders.diagnose import optional_diagnoser
from graders.grade.batch import grade_batch
from graders.results import SubmissionResult

pytestmark = pytest.mark.slow  # end-to-end: grades whole batches

TOPIC = "classification"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "visibility"
#: students built from the catalog whose bugs the hidden checks catch, and one who prints
MUTANTS = {"no_max_shift": "softmax_no_max_shift", "sums_not_means": "cross_entropy_sum"}
PRINTS = "prints_its_inputs"


def _write_batch(subs: Path) -> None:
    for student, mutant_id in MUTANTS.items():
        wrong = next(m for m in mutants.mutants(TOPIC) if m.id == mutant_id)
        (subs / student).mkdir(parents=True)
        (subs / student / f"{TOPIC}.py").write_text(mutants.mutant_source(TOPIC, wrong))
    shutil.copytree(FIXTURES / PRINTS, subs / PRINTS)


def _files(out: Path) -> dict[str, tuple[dict, str]]:
    return {
        d.name: (json.loads((d / "results.json").read_text()), (d / "feedback.html").read_text())
        for d in sorted(out.iterdir())
        if (d / "results.json").exists()
    }


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """One graded batch exported twice from its store: as graded, then --release-hidden."""
    root = tmp_path_factory.mktemp("visibility")
    _write_batch(root / "subs")
    graded = grade_batch(
        root / "subs", TOPIC, root / "out", sandbox="plain", diagnoser_for=optional_diagnoser
    )
    before = _files(root / "out")
    released = grade_batch(
        root / "subs",
        TOPIC,
        root / "out",
        sandbox="plain",
        release_hidden=True,
        diagnoser_for=optional_diagnoser,
    )
    assert released.graded == 0  # the rerun only renders again: the store kept everything
    results = {r.student_id: r for r in graded.results}
    return results, before, _files(root / "out")


def _hidden_outputs(result: SubmissionResult) -> list[str]:
    """Feedback of hidden checks that no public check gives too ("no function f" is both)."""
    public = {t.output for t in result.tests if t.visibility == "public"}
    return [
        t.output
        for t in result.tests
        if t.visibility == "hidden" and t.output and t.output not in public
    ]


def test_batch_has_hidden_failures_to_withhold(batch):
    """The batch is a real trial: the catalog's students fail hidden checks with feedback,
    and the printing student printed a hidden check's input."""
    results, _, _ = batch
    for student in MUTANTS:
        assert _hidden_outputs(results[student]), student
    assert any(
        t.visibility == "hidden" and t.misconception  # a misconception to withhold
        for student in MUTANTS
        for t in results[student].tests
    )
    assert "1.e+04" in results[PRINTS].printed  # a hidden example's huge logit


def test_hidden_check_output_is_withheld_before_release(batch):
    """Before release no hidden check's output, misconception or printed text is anywhere in
    results.json or feedback.html."""
    results, before, _ = batch
    for student, (data, html) in before.items():
        text = json.dumps(data, ensure_ascii=False)
        for output in _hidden_outputs(results[student]):
            assert json.dumps(output, ensure_ascii=False)[1:-1] not in text
            assert str(markupsafe.escape(output)) not in html
        tests = results[student].tests
        shown = {t.misconception for t in tests if t.visibility == "public"}
        for t in tests:  # a misconception a public check names too is not the hidden check's
            if t.visibility == "hidden" and t.misconception and t.misconception not in shown:
                assert t.misconception not in text and t.misconception not in html
    printed = results[PRINTS].printed.splitlines()[0]
    assert printed not in json.dumps(before[PRINTS][0]) and printed not in before[PRINTS][1]


def test_release_hidden_shows_every_hidden_check_output(batch):
    """After --release-hidden every hidden check's output and the printed text are shown."""
    results, _, after = batch
    for student, (data, html) in after.items():
        outputs = {t["name"]: t["output"] for t in data["tests"]}
        for t in results[student].tests:
            if t.visibility == "hidden" and t.output:
                assert outputs[t.name] == t.output
                assert str(markupsafe.escape(t.output)) in html
    printed = results[PRINTS].printed.splitlines()[0]
    assert printed in after[PRINTS][0]["output"] and printed in after[PRINTS][1]


def test_results_json_uses_gradescopes_after_due_date(batch):
    """Hidden tests are `after_due_date` (Gradescope then hides them and the total until the
    due date), public ones `visible`; the grade itself is the same before and after release."""
    results, before, after = batch
    for student, (data, _) in before.items():
        kinds = {t.name: t.visibility for t in results[student].tests}
        for t in data["tests"]:
            assert t["visibility"] == (
                "after_due_date" if kinds[t["name"]] == "hidden" else "visible"
            )
            assert {"name", "score", "max_score", "output", "visibility", "status"} <= set(t)
        assert data["score"] == after[student][0]["score"] == results[student].score
        assert data["stdout_visibility"] == "hidden"


def test_feedback_shows_withheld_checks_by_title_and_points_only(batch):
    """Before release the page names each hidden check with its points, and gives scores
    only for the public checks; after release it gives the whole score."""
    results, before, after = batch
    result = results["no_max_shift"]
    html = before["no_max_shift"][1]
    public = sum(t.score for t in result.tests if t.visibility == "public")
    public_max = sum(t.max_score for t in result.tests if t.visibility == "public")
    for t in result.tests:
        if t.visibility == "hidden":
            section = html.split(str(markupsafe.escape(t.name)), 1)[1].split("</section>")[0]
            assert f"worth {t.max_score:g} point" in section
            assert "✓" not in section and "✗" not in section
    assert f"<strong>{public:g}</strong> / {public_max:g}" in html
    assert f"<strong>{result.score:g}</strong> / {result.max_score:g}" in after["no_max_shift"][1]


def test_checker_output_follows_the_same_policy(batch):
    """The terminal view withholds hidden outputs unless released, like the files."""
    results, _, _ = batch
    result = results["no_max_shift"]
    hidden = _words(_hidden_outputs(result)[0].splitlines()[0])
    with report.console.capture() as withheld:
        report.show_result(result)
    with report.console.capture() as released:
        report.show_result(result, release_hidden=True)
    assert hidden not in _words(withheld.get()) and hidden in _words(released.get())
    for t in result.tests:
        if t.visibility == "hidden":
            assert _words(t.name) in _words(withheld.get())


def _words(text: str) -> str:
    """Text with its whitespace normalised (the terminal wraps long lines)."""
    return " ".join(text.split())


def test_grade_command_withholds_unless_release_hidden_is_given():
    """`propgrade grade` renders withheld by default; --release-hidden releases."""
    from graders.cli import build_parser

    args = ["grade", "subs", "--assignment", TOPIC, "--out", "out"]
    assert build_parser().parse_args(args).release_hidden is False
    assert build_parser().parse_args([*args, "--release-hidden"]).release_hidden is True
