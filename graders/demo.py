"""``make demo`` / ``propgrade demo``: grade example submissions of every assignment.

Per assignment, three students are built from the course's catalog into
``OUT/submissions/<id>/``: ``correct`` (a correct variant, written differently from the
reference), ``buggy`` (a catalog mistake, one with a named misconception when there is one)
and ``broken``, broken the way the manifest's ``[demo]`` table says (``broken``, one of
:data:`BREAKAGES`, and the ``function`` it breaks, default the first): a syntax error, an
endless loop, ``sys.exit`` at import, a crash, misnamed functions, lists instead of arrays.
Built at run time, they can never drift from the catalog, and the repository holds no extra
copies of the reference.
"""

from __future__ import annotations

from pathlib import Path

from graders import course as courses
from graders import mutants, registry, report

#: kind -> (what the student did, its code; ``{f}`` is the function it breaks).  Code that
#: defines ``{f}`` replaces the reference's; other code is appended (it runs at import).
BREAKAGES: dict[str, tuple[str, str]] = {
    "syntax_error": ("a syntax error", "def {f}(x)\n    return x\n"),
    "endless_loop": (
        "an endless loop in {f}",
        "def {f}(*args, **kwargs):\n    while True:\n        pass\n",
    ),
    "exit_at_import": ("sys.exit() while being imported", "import sys\nsys.exit(0)\n"),
    "crash": (
        "a crash of the process inside {f}",
        "def {f}(*args, **kwargs):\n    import os\n    os._exit(1)\n",
    ),
    "misnamed": ("misnamed functions", ""),
    "lists": (
        "lists instead of arrays",
        "def {f}(*args, **kwargs):\n    import numpy\n"
        "    return numpy.zeros_like(args[0]).tolist()\n",
    ),
}


def _broken(topic: str, base: str) -> tuple[str, str]:
    """(what, source) of ``topic``'s broken student, as its manifest's ``[demo]`` says."""
    spec = registry.get(topic)
    demo = spec.course.manifest(topic).demo
    kind = demo.get("broken", "syntax_error")
    if kind not in BREAKAGES:
        raise courses.CourseError(
            f"{spec.course.path('manifest', topic)}: [demo] broken = "
            f"{kind!r} is not one of {', '.join(BREAKAGES)}"
        )
    function = demo.get("function", spec.functions[0])
    what, code = (part.format(f=function) for part in BREAKAGES[kind])
    if kind == "misnamed":  # every function gets a capitalised name
        for f in spec.functions:
            base = base.replace(f"def {f}(", f"def {f.title().replace('_', '')}(")
        return what, base
    if kind != "syntax_error" and code.startswith("def "):
        return what, mutants.splice(base, code)
    return what, base + "\n\n" + code  # runs (or fails to parse) after the definitions


def example_sources(topic: str) -> dict[str, str]:
    """The three example students of ``topic``: {student: source}."""
    base = mutants.reference_source(topic)
    variant = mutants.variants(topic)[0]
    found = mutants.mutants(topic)
    buggy = next((m for m in found if m.misconception), found[0])
    what, broken_src = _broken(topic, base)
    header = "# propgrade demo submission: {}\n"
    return {
        "correct": header.format(f"correct ({variant.title})")
        + mutants.splice(base, variant.source),
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

    from graders.diagnose import optional_diagnoser
    from graders.grade.batch import grade_batch

    table = Table(title="propgrade demo: bundled example submissions")
    for col in ("assignment", "student", "score", "what the student is told first"):
        table.add_column(col, overflow="fold")
    warnings: set[str] = set()
    for topic in topics or list(registry.ASSIGNMENTS):
        report.console.print(f"grading [bold]{topic}[/] ...")
        subs = write_examples(topic, out / "submissions")
        batch = grade_batch(
            subs, topic, out / topic, jobs=jobs, regrade=True, diagnoser_for=optional_diagnoser
        )
        warnings.update(batch.warnings)
        for r in sorted(batch.results, key=lambda r: r.student_id):
            first = (
                r.messages[0]
                if r.messages
                else next((t.output for t in r.tests if t.status != "passed"), "all checks pass")
            )
            for t in r.tests:
                if t.misconception:
                    first = f"Likely mistake: {t.misconception}"
                    break
            table.add_row(
                topic,
                r.student_id,
                f"{r.score:g}/{r.max_score:g}",
                report.escape(first.splitlines()[0][:160] if first else ""),
            )
    report.console.print(table)
    for w in sorted(warnings):
        report.warn(w)
    report.console.print(
        f"Submissions: {out}/submissions/<assignment>/<student>/. Reports: "
        f"{out}/<assignment>/grades.csv, <student>/results.json (Gradescope), "
        f"<student>/feedback.html, summary.png and summary.md"
    )
    return 0
