"""``make demo`` / ``propgrade demo``: grade example submissions of every assignment.

Per assignment, three students are built from the bundled catalog into
``OUT/submissions/<id>/``: ``correct`` (a correct variant, written differently from the
reference), ``buggy`` (a catalog mistake with a named misconception) and ``broken`` (a
different way to break per assignment: a syntax error, an endless loop, ``sys.exit`` at
import, a crash, misnamed functions, wrong return types).  Built at run time, they can never
drift from the catalog, and the repository holds no extra copies of the reference.
"""

from __future__ import annotations

from pathlib import Path

from graders import mutants, registry, report

BROKEN: dict[str, tuple[str, str]] = {
    "classification": ("a syntax error", "def softmax(z)\n    return z\n"),
    "backprop": ("an endless loop in backward_pass",
                 "def backward_pass(params, x, y):\n    while True:\n        pass\n"),
    "critical_points": ("sys.exit() while being imported", "import sys\nsys.exit(0)\n"),
    "batch_momentum": ("a crash of the process inside momentum_step",
                       "def momentum_step(theta, grad, velocity, lr, momentum):\n"
                       "    import os\n    os._exit(1)\n"),
    "adaptive_lr": ("misnamed functions", None),  # type: ignore[dict-item]
    "batchnorm": ("lists instead of arrays",
                  "def batchnorm_forward(x, gamma, beta, eps=1e-5):\n"
                  "    return [[0.0] * x.shape[1]] * x.shape[0]\n"),
}


def example_sources(topic: str) -> dict[str, str]:
    """The three example students of ``topic``: {student: source}."""
    base = mutants.reference_source(topic)
    variant = mutants.variants(topic)[0]
    buggy = next(m for m in mutants.mutants(topic) if m.misconception)
    what, broken = BROKEN[topic]
    header = "# propgrade demo submission: {}\n"
    if broken is None:  # misnamed: every function gets a capitalised name
        spec = registry.get(topic)
        broken_src = base
        for f in spec.functions:
            broken_src = broken_src.replace(f"def {f}(", f"def {f.title().replace('_', '')}(")
    elif broken.startswith("def softmax(z)\n"):
        broken_src = base + "\n\n" + broken
    elif broken.startswith("def "):
        broken_src = mutants.splice(base, broken)
    else:  # module-level code runs at import, after the reference's definitions
        broken_src = base + "\n\n" + broken
    return {
        "correct": header.format(f"correct ({variant.title})") + mutants.splice(base,
                                                                               variant.source),
        "buggy": header.format(f"buggy ({buggy.title})") + mutants.splice(base, buggy.source),
        "broken": header.format(f"broken ({what})") + broken_src,
    }


def write_examples(topic: str, root: Path) -> Path:
    """Write ``topic``'s example students under ``root/<topic>/``; return that folder."""
    for student, source in example_sources(topic).items():
        path = root / topic / student / f"{topic}.py"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return root / topic


def run_demo(out: Path, jobs: int = 2, topics: list[str] | None = None) -> int:
    """Grade every assignment's examples into ``out/<id>/``; print one summary table."""
    from rich.table import Table

    from graders.grade.batch import grade_batch

    table = Table(title="propgrade demo: bundled example submissions")
    for col in ("assignment", "student", "score", "what the student is told first"):
        table.add_column(col, overflow="fold")
    warnings: set[str] = set()
    for topic in topics or list(registry.ASSIGNMENTS):
        report.console.print(f"grading [bold]{topic}[/] ...")
        subs = write_examples(topic, out / "submissions")
        batch = grade_batch(subs, topic, out / topic, jobs=jobs, regrade=True)
        warnings.update(batch.warnings)
        for r in sorted(batch.results, key=lambda r: r.student_id):
            first = r.messages[0] if r.messages else next(
                (t.output for t in r.tests if t.status != "passed"), "all checks pass")
            for t in r.tests:
                if t.misconception:
                    first = f"Likely mistake: {t.misconception}"
                    break
            table.add_row(topic, r.student_id, f"{r.score:g}/{r.max_score:g}",
                          report.escape(first.splitlines()[0][:160] if first else ""))
    report.console.print(table)
    for w in sorted(warnings):
        report.warn(w)
    report.console.print(
        f"Submissions: {out}/submissions/<assignment>/<student>/. Reports: "
        f"{out}/<assignment>/grades.csv, <student>/results.json (Gradescope), "
        f"<student>/feedback.html, summary.png and summary.md")
    return 0
