"""``propgrade validate``: prove an assignment's graders before students see them.

Grades, through the real pipeline (worker process, grading profile), the reference (must get
full marks), the generated stub (must get zero), every catalog mutant (must lose points on the
function it breaks, and only there) and every correct variant (must get full marks).  The
matrix has one row per submission and one column per exercise function; the mutation score
of a function's graders is the fraction of its mutants they catch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.table import Table

from graders import mutants, profiles, registry
from graders.assign.stubs import stub_for
from graders.grade.client import Worker
from graders.grade.runner import Judge, Submission
from graders.grade.sandbox import choose_launcher
from graders.results import SubmissionResult


@dataclass
class Row:
    name: str
    kind: str                       #: reference | stub | mutant | variant
    target: str | None              #: the function a mutant breaks
    result: SubmissionResult
    misconception_named: bool = False

    @property
    def failed(self) -> set[str]:
        return {t.function for t in self.result.tests if t.status == "failed"}

    @property
    def ok(self) -> bool:
        r = self.result
        if self.kind in ("reference", "variant"):
            return r.score == r.max_score and not self.failed
        if self.kind == "stub":
            return r.score == 0
        return self.target in self.failed and self.failed <= {self.target}

    @property
    def verdict(self) -> str:
        if self.ok:
            return "caught" if self.kind == "mutant" else "ok"
        if self.kind == "mutant" and self.target not in self.failed:
            return "SURVIVED"
        if self.kind == "mutant":
            return "caught, but also failed " + ", ".join(sorted(self.failed - {self.target}))
        return "WRONG SCORE"


@dataclass
class Matrix:
    assignment: str
    rows: list[Row] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    def mutation_scores(self) -> dict[str, tuple[int, int]]:
        """function -> (mutants caught, mutants of that function)."""
        out: dict[str, tuple[int, int]] = {}
        for r in self.rows:
            if r.kind == "mutant" and r.target:
                caught, total = out.get(r.target, (0, 0))
                out[r.target] = (caught + (r.target in r.failed), total + 1)
        return out


def validate(assignment: str, profile: str = "grading", sandbox: str = "auto",
             diagnose: bool = True) -> Matrix:
    spec = registry.get(assignment)
    props = registry.properties(assignment)
    diagnoser = None
    if diagnose:
        from graders.diagnose import diagnoser_for

        diagnoser = diagnoser_for(assignment)
    judge = Judge.create(profiles.get(profile), Worker(choose_launcher(sandbox)),
                         diagnose=diagnoser)
    entries: list[tuple[str, str, str | None, str]] = [
        ("reference", "reference", None, mutants.reference_source(assignment)),
        ("stub", "stub", None, stub_for(assignment)),
    ]
    entries += [(m.id, "mutant", m.function, mutants.mutant_source(assignment, m))
                for m in mutants.mutants(assignment)]
    entries += [(v.id, "variant", None, mutants.mutant_source(assignment, v))
                for v in mutants.variants(assignment)]
    by_id = {m.id: m for m in mutants.mutants(assignment)}
    matrix = Matrix(assignment)
    try:
        for name, kind, target, source in entries:
            sub = Submission(name, spec.module, {f"{spec.module}.py": source.encode()})
            result = judge.grade(sub, assignment, props, spec.total_points)
            named = False
            if kind == "mutant" and by_id[name].misconception:
                named = any(t.misconception == by_id[name].misconception for t in result.tests)
            matrix.rows.append(Row(name, kind, target, result, named))
    finally:
        judge.close()
    return matrix


def render(matrix: Matrix) -> Table:
    """One row per submission: its score, the functions that lost points, the verdict."""
    table = Table(title=f"validate {matrix.assignment}: "
                  + ("every check holds" if matrix.ok else "PROBLEMS FOUND"))
    for col in ("submission", "kind", "breaks", "score", "lost points on", "verdict"):
        table.add_column(col, overflow="fold")
    for row in matrix.rows:
        lost = ", ".join(sorted(row.failed)) if row.kind != "stub" else "(all)"
        verdict = row.verdict + (" + diagnosed" if row.misconception_named else "")
        table.add_row(row.name, row.kind, row.target or "",
                      f"{row.result.score:g}/{row.result.max_score:g}", lost,
                      f"[green]{verdict}[/]" if row.ok else f"[red]{verdict}[/]")
    scores = matrix.mutation_scores()
    caught = sum(c for c, _ in scores.values())
    total = sum(t for _, t in scores.values())
    per = ", ".join(f"{f} {c}/{t}" for f, (c, t) in scores.items())
    table.caption = f"mutation score {caught}/{total}: {per}"
    return table
