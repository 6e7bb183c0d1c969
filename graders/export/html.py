"""Per-student ``feedback.html`` through a jinja2 template with autoescaping on.

Every string that came from a student (printed output, exception messages, their id) is
escaped by jinja2; the page also forbids scripts through its Content-Security-Policy.  What
the page shows of hidden checks follows ``graders.export.visibility``: before the staff
release them (``release_hidden=False``) a page may be handed to the student at any time.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from graders.export.visibility import PRINTED_WITHHELD, WITHHELD, student_view
from graders.registry import get
from graders.results import SubmissionResult


@cache
def _env() -> Environment:
    return Environment(
        loader=PackageLoader("graders.export", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
    )


def feedback_html(result: SubmissionResult, release_hidden: bool = False) -> str:
    try:
        title = get(result.assignment).title
    except KeyError:
        title = result.assignment
    return (
        _env()
        .get_template("feedback.html.j2")
        .render(
            v=student_view(result, release_hidden),
            title=title,
            withheld_note=WITHHELD,
            printed_note=PRINTED_WITHHELD,
        )
    )
