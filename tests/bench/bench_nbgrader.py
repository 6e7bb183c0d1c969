"""Benchmark (not a test): ``propgrade grade`` vs ``nbgrader autograde`` on the same notebooks.

``python -m tests.bench.bench_nbgrader [--assignment A] [-n N] [--reps R]`` builds an nbgrader
course in a temporary folder — the lecture notebook as ``source/``, nbgrader's own
``generate_assignment`` (with its gradebook), and N student notebooks in
``submitted/<student>/<A>/``: the release with the answers of the reference, of the catalog's
correct variants and of its mutants (one known bug each) typed into the solution cells, and
one unanswered release.  Then, in one run:

* ``nbgrader autograde`` (``NbGraderAPI.autograde``, one student at a time, as the command
  does): a fresh kernel executes each whole notebook — text, plots, and the quick ``assert``
  test cells (propgrade's check calls skip themselves under autograde);
* ``propgrade grade`` (``grade_batch``, ``--jobs 1``, the default sandbox), R times with
  ``regrade``: the solution cells only, in the worker, against every public and hidden
  property.

It prints seconds per submission (medians), the ratio, how many cases each checks, and the
two scores per student — which bugs the notebook's asserts let through.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nbformat

from graders import mutants, profiles, registry
from graders.assign.notebooks import build_notebook, fill_solutions, load_manifest
from graders.grade.batch import grade_batch
from graders.grade.examples import ExampleBank
from graders.nbgrader_env import db_url, nbgrader_env
from graders.sandbox.policy import choose_launcher


def submissions(assignment: str, n: int) -> dict[str, str | None]:
    """student id -> module source typed into the notebook (None: left unanswered)."""
    out: dict[str, str | None] = {"reference": mutants.reference_source(assignment)}
    for v in mutants.variants(assignment):
        out[f"variant-{v.id}"] = mutants.mutant_source(assignment, v)
    for m in mutants.mutants(assignment):
        out[f"bug-{m.id}"] = mutants.mutant_source(assignment, m)
    chosen = dict(list(out.items())[: max(1, n - 1)])
    chosen["unanswered"] = None
    return chosen


def build_course(root: Path, assignment: str, n: int) -> tuple[object, list[str]]:
    """An nbgrader course with ``n`` submitted notebooks; returns (NbGraderAPI, students)."""
    from nbgrader.apps import NbGraderAPI
    from traitlets.config import Config

    source = root / "source" / assignment
    source.mkdir(parents=True)
    shutil.copyfile(load_manifest(assignment).notebook, source / f"{assignment}.ipynb")
    config = Config()
    config.CourseDirectory.root = str(root)
    config.CourseDirectory.db_url = db_url(root / "gradebook.db")
    config.Execute.timeout = 300
    api = NbGraderAPI(config=config)
    with nbgrader_env():
        result = api.generate_assignment(assignment)
    if not result["success"]:
        raise RuntimeError(result.get("log", ""))
    released = nbformat.read(root / "release" / assignment / f"{assignment}.ipynb", 4)
    students = []
    for student, module in submissions(assignment, n).items():
        nb = released if module is None else fill_solutions(released, module)
        folder = root / "submitted" / student / assignment
        folder.mkdir(parents=True)
        nbformat.write(nb, folder / f"{assignment}.ipynb")
        students.append(student)
    return api, students


def nbgrader_scores(root: Path, assignment: str, students: list[str]) -> dict[str, float]:
    from nbgrader.api import Gradebook

    with nbgrader_env(), Gradebook(db_url(root / "gradebook.db")) as gb:
        return {s: gb.find_submission(assignment, s).score for s in students}


def assert_count(assignment: str) -> int:
    """``assert`` statements in the notebook's nbgrader test cells (what autograde checks)."""
    nb = build_notebook(assignment)
    return sum(
        isinstance(node, ast.Assert)
        for cell in nb.cells
        if cell.metadata.get("nbgrader", {}).get("grade")
        for node in ast.walk(ast.parse(cell.source))
    )


def generated_cases(assignment: str) -> int:
    """Inputs propgrade's properties try on a correct submission (examples per property)."""
    bank = ExampleBank(profiles.get("grading"))
    props = registry.properties(assignment)
    bank.warm(props)
    return sum(len(bank.get(p)) for p in props)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--assignment", "-a", default="classification", choices=list(registry.ASSIGNMENTS)
    )
    parser.add_argument("-n", type=int, default=12, help="notebook submissions")
    parser.add_argument("--reps", type=int, default=3, help="propgrade repetitions")
    parser.add_argument("--sandbox", default="auto", choices=["auto", "bwrap", "plain"])
    args = parser.parse_args()
    a = args.assignment
    with tempfile.TemporaryDirectory(prefix="bench-nbgrader-") as tmp:
        root = Path(tmp)
        api, students = build_course(root, a, args.n)
        n = len(students)
        print(f"{a}: {n} notebook submissions in {root}/submitted/<student>/{a}/")

        nb_times = []
        with nbgrader_env():
            for student in students:
                start = time.perf_counter()
                result = api.autograde(a, student)
                nb_times.append(time.perf_counter() - start)
                if not result["success"]:
                    print(f"  nbgrader autograde failed for {student}")
        nb_scores = nbgrader_scores(root, a, students)

        pg_runs, report = [], None
        for rep in range(args.reps):
            start = time.perf_counter()
            report = grade_batch(
                root / "submitted", a, root / "out", jobs=1, regrade=True, sandbox=args.sandbox
            )
            pg_runs.append((time.perf_counter() - start) / n)
            print(f"  propgrade grade run {rep + 1}: {pg_runs[-1]:.2f} s per submission")
        assert report is not None
        pg_scores = {r.student_id: r.score for r in report.results}
        total = registry.get(a).total_points
        nb_total = load_manifest(a).total_points

        nb_med = statistics.median(nb_times)
        pg_med = statistics.median(pg_runs)
        print()
        print(f"{'':28}{'nbgrader autograde':>20}{'propgrade grade':>18}")
        print(f"{'seconds per submission':28}{nb_med:>20.2f}{pg_med:>18.2f}")
        print(f"{'  (mean)':28}{statistics.mean(nb_times):>20.2f}{statistics.mean(pg_runs):>18.2f}")
        print(f"{'cases checked per notebook':28}{assert_count(a):>20}{generated_cases(a):>18}")
        print(f"{'propgrade speed-up':28}{nb_med / pg_med:>20.1f}x")
        print()
        print(f"{'student':40}{'nbgrader':>10}{'propgrade':>11}")
        for s in students:
            flag = (
                "  <- bug not caught by the asserts"
                if s.startswith("bug-") and nb_scores[s] == nb_total
                else ""
            )
            print(
                f"{s:40}{nb_scores[s]:>6.1f}/{nb_total:<3g}{pg_scores[s]:>7.1f}/{total:<3g}{flag}"
            )
        launcher = choose_launcher(args.sandbox)
        print(f"\npropgrade's sandbox: {launcher.name}; nbgrader: the student's kernel")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
