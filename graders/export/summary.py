"""The batch summary: a score histogram and per-property pass rates, as a picture and a table."""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from graders.export.files import write_atomic
from graders.results import SubmissionResult


def pass_rates(results: Sequence[SubmissionResult]) -> list[tuple[str, float, int]]:
    """(test name, fraction of students passing, number of students) in test order."""
    counts: dict[str, list[int]] = {}
    for r in results:
        for t in r.tests:
            c = counts.setdefault(t.name, [0, 0])
            c[0] += t.status == "passed"
            c[1] += 1
    return [(name, p / n if n else 0.0, n) for name, (p, n) in counts.items()]


def summary_markdown(results: Sequence[SubmissionResult]) -> str:
    scores = [r.score for r in results]
    lines = ["# Batch summary", ""]
    if scores:
        mean = sum(scores) / len(scores)
        lines += [
            f"Students: {len(scores)}; mean score {mean:.2f} / "
            f"{results[0].max_score:g}; not graded: "
            f"{sum(r.status != 'graded' for r in results)}",
            "",
        ]
    lines += ["| check | pass rate | students |", "|---|---|---|"]
    lines += [
        f"| {name.replace('|', '/')} | {rate:.0%} | {n} |" for name, rate, n in pass_rates(results)
    ]
    return "\n".join(lines) + "\n"


def summary_png(results: Sequence[SubmissionResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    rates = pass_rates(results)
    fig, (ax1, ax2) = plt.subplots(
        1, 2, figsize=(13, max(4, 0.28 * len(rates) + 1.5)), gridspec_kw={"width_ratios": [1, 1.6]}
    )
    scores = [r.score for r in results]
    top = results[0].max_score if results else 1
    ax1.hist(scores, bins=min(20, max(5, len(scores))), range=(0, top), color="#4472c4")
    ax1.set_xlabel("score")
    ax1.set_ylabel("students")
    ax1.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax1.set_title("Scores")
    names = [n if len(n) < 60 else n[:57] + "..." for n, _, _ in rates]
    ax2.barh(range(len(rates)), [r for _, r, _ in rates], color="#70ad47")
    ax2.set_yticks(range(len(rates)), names, fontsize=7)
    ax2.invert_yaxis()
    ax2.set_xlim(0, 1)
    ax2.set_xlabel("fraction of students passing")
    ax2.set_title("Pass rate per check")
    fig.tight_layout()
    # tight_layout leaves a placeholder layout engine, for which savefig first draws the whole
    # figure once more (a dry run for constrained layout); with none, it draws it once
    fig.set_layout_engine(None)
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=110)
    plt.close(fig)
    # a temporary file of its own: two graders of one output folder must not rename each
    # other's half-written picture (a fixed temporary name did, as the concurrent test found)
    write_atomic(path, png.getvalue())


def write_summary(results: Sequence[SubmissionResult], out: Path) -> list[Path]:
    md = out / "summary.md"
    write_atomic(md, summary_markdown(results))
    png = out / "summary.png"
    if results:
        summary_png(results, png)
    return [md, png]
