"""``propgrade validate``: prove an assignment's graders before students see them.

Grades, through the real pipeline (worker process, grading profile), the reference (must get
full marks), the generated stub (must get zero), every catalog mutant (must lose points on the
function it breaks, and only there), every degenerate entry (must score exactly 0 on its
function — a constant, zeros or the input returned unchanged earns nothing — and lose nothing
elsewhere) and every correct variant (must get full marks).  The
matrix has one row per submission and one column per exercise function; the mutation score
of a function's graders is the fraction of its mutants they catch.  It also prints the points
the properties declare (the only place points are written) and checks the graders against
the manifest: every property grades a function of the manifest, and every function has a
public defining property (else the student checker could never score it).
"""

from __future__ import annotations

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from rich.markup import escape
from rich.table import Table

from graders import mutants, profiles, registry
from graders.assign.stubs import stub_for
from graders.grade.examples import ExampleBank
from graders.grade.runner import Judge, Submission
from graders.results import SubmissionResult
from graders.sandbox.client import Worker
from graders.sandbox.policy import choose_launcher


@dataclass
class Row:
    name: str
    kind: str  #: reference | stub | mutant | degenerate | variant
    target: str | None  #: the function a mutant breaks
    result: SubmissionResult
    misconception_named: bool = False

    @property
    def failed(self) -> set[str]:
        return {t.function for t in self.result.tests if t.status == "failed"}

    @property
    def target_score(self) -> float:
        """Points earned on the function this entry breaks."""
        return sum(t.score for t in self.result.tests if t.function == self.target)

    @property
    def ok(self) -> bool:
        r = self.result
        if self.kind in ("reference", "variant"):
            return r.score == r.max_score and not self.failed
        if self.kind == "stub":
            return r.score == 0
        if self.kind == "degenerate" and self.target_score != 0:
            return False
        return self.target in self.failed and self.failed <= {self.target}

    @property
    def verdict(self) -> str:
        if self.ok:
            return {"mutant": "caught", "degenerate": "scores 0"}.get(self.kind, "ok")
        if self.kind == "degenerate" and self.target_score != 0:
            return f"EARNED {self.target_score:g} POINTS"
        if self.kind in ("mutant", "degenerate") and self.target not in self.failed:
            return "SURVIVED"
        if self.kind in ("mutant", "degenerate"):
            return "caught, but also failed " + ", ".join(sorted(self.failed - {self.target}))
        return "WRONG SCORE"


@dataclass
class Matrix:
    assignment: str
    rows: list[Row] = field(default_factory=list)
    points: dict[str, tuple[float, float]] = field(default_factory=dict)  #: f -> (pub, hid)
    problems: list[str] = field(default_factory=list)  #: graders that disagree with the manifest

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows) and not self.problems

    def mutation_scores(self) -> dict[str, tuple[int, int]]:
        """function -> (mutants caught, mutants of that function)."""
        out: dict[str, tuple[int, int]] = {}
        for r in self.rows:
            if r.kind == "mutant" and r.target:
                caught, total = out.get(r.target, (0, 0))
                out[r.target] = (caught + (r.target in r.failed), total + 1)
        return out


def content_problems(assignment: str) -> tuple[dict[str, tuple[float, float]], list[str]]:
    """Points per function (public, hidden) from the properties, and what in the graders
    disagrees with the manifest's function list."""
    spec = registry.get(assignment)
    props = registry.properties(assignment)
    points = {f: (0.0, 0.0) for f in spec.functions}
    problems = []
    for p in props:
        if p.function not in points:
            problems.append(f"{p.key}: {p.function} is not a function of the manifest")
            continue
        public, hidden = points[p.function]
        points[p.function] = (
            (public + p.points, hidden) if p.visibility == "public" else (public, hidden + p.points)
        )
    defining = {p.function for p in props if p.visibility == "public" and not p.relational}
    problems += [
        f"{f}: no public defining property (the student checker cannot score it)"
        for f in spec.functions
        if f not in defining
    ]
    return points, problems


def entries(assignment: str) -> list[tuple[str, str, str | None, str]]:
    """``(name, kind, target function, whole source)`` of every submission validate grades."""
    out: list[tuple[str, str, str | None, str]] = [
        ("reference", "reference", None, mutants.reference_source(assignment)),
        ("stub", "stub", None, stub_for(assignment)),
    ]
    out += [
        (m.id, "mutant", m.function, mutants.mutant_source(assignment, m))
        for m in mutants.mutants(assignment)
    ]
    out += [
        (d.id, "degenerate", d.function, mutants.mutant_source(assignment, d))
        for d in mutants.degenerates(assignment)
    ]
    out += [
        (v.id, "variant", None, mutants.mutant_source(assignment, v))
        for v in mutants.variants(assignment)
    ]
    return out


_STATE: dict[str, Any] = {}


def _judge(profile: str, sandbox: str, diagnose: bool, assignment: str) -> Judge:
    diagnoser = None
    if diagnose:
        from graders.diagnose import diagnoser_for

        diagnoser = diagnoser_for(assignment)
    return Judge.create(profiles.get(profile), Worker(choose_launcher(sandbox)), diagnose=diagnoser)


def _grade_entry(args: tuple[str, str, str, str, bool]) -> dict[str, Any]:
    """In a forked validator process: grade one catalog entry with that process's judge."""
    assignment, name, source, sandbox, diagnose = args
    if "judge" not in _STATE:
        judge = _judge(_STATE["profile"], sandbox, diagnose, assignment)
        _STATE["judge"] = judge.close_when_process_ends()
    spec = registry.get(assignment)
    sub = Submission(name, spec.module, {f"{spec.module}.py": source.encode()})
    return _STATE["judge"].grade(sub, assignment, _STATE["props"], spec.total_points).to_dict()


def validate(
    assignment: str,
    profile: str = "grading",
    sandbox: str = "auto",
    diagnose: bool = True,
    jobs: int = 1,
) -> Matrix:
    """The matrix for ``assignment``; ``jobs`` judges (each with its own worker) share it."""
    spec = registry.get(assignment)
    props = registry.properties(assignment)
    todo = entries(assignment)
    by_id = {m.id: m for m in mutants.mutants(assignment)}
    if jobs <= 1:
        judge = _judge(profile, sandbox, diagnose, assignment)
        try:
            results = [
                judge.grade(
                    Submission(name, spec.module, {f"{spec.module}.py": source.encode()}),
                    assignment,
                    props,
                    spec.total_points,
                )
                for name, _, _, source in todo
            ]
        finally:
            judge.close()
    else:
        ExampleBank(profiles.get(profile)).warm(props)  # drawn once, inherited by the forks
        _STATE.update(profile=profile, props=props)
        try:
            with ProcessPoolExecutor(jobs, mp_context=mp.get_context("fork")) as pool:
                data = list(
                    pool.map(
                        _grade_entry,
                        [
                            (assignment, name, source, sandbox, diagnose)
                            for name, _, _, source in todo
                        ],
                    )
                )
        finally:
            _STATE.clear()
        results = [SubmissionResult.from_dict(d) for d in data]
    matrix = Matrix(assignment)
    matrix.points, matrix.problems = content_problems(assignment)
    for (name, kind, target, _), result in zip(todo, results):
        named = False
        if kind == "mutant" and by_id[name].misconception:
            named = any(t.misconception == by_id[name].misconception for t in result.tests)
        matrix.rows.append(Row(name, kind, target, result, named))
    return matrix


def render(matrix: Matrix) -> Table:
    """One row per submission: its score, the functions that lost points, the verdict."""
    table = Table(
        title=f"validate {matrix.assignment}: "
        + ("every check holds" if matrix.ok else "PROBLEMS FOUND")
    )
    for col in ("submission", "kind", "breaks", "score", "lost points on", "verdict"):
        table.add_column(col, overflow="fold")
    for row in matrix.rows:
        lost = ", ".join(sorted(row.failed)) if row.kind != "stub" else "(all)"
        verdict = row.verdict + (" + diagnosed" if row.misconception_named else "")
        table.add_row(
            row.name,
            row.kind,
            row.target or "",
            f"{row.result.score:g}/{row.result.max_score:g}",
            lost,
            f"[green]{verdict}[/]" if row.ok else f"[red]{verdict}[/]",
        )
    scores = matrix.mutation_scores()
    caught = sum(c for c, _ in scores.values())
    total = sum(t for _, t in scores.values())
    per = ", ".join(f"{f} {c}/{t}" for f, (c, t) in scores.items())
    public = sum(p for p, _ in matrix.points.values())
    hidden = sum(h for _, h in matrix.points.values())
    each = ", ".join(f"{f} {p + h:g}" for f, (p, h) in matrix.points.items())
    lines = [
        f"mutation score {caught}/{total}: {per}",
        f"points (from the @prop decorators): public {public:g} + hidden {hidden:g} = "
        f"{public + hidden:g}; {each}",
    ]
    lines += [f"[red]PROBLEM: {escape(p)}[/]" for p in matrix.problems]
    table.caption = "\n".join(lines)
    return table
