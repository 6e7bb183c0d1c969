"""Per-student ``feedback.html`` through a jinja2 template with autoescaping on.

Every string that came from a student (printed output, exception messages, their id) is
escaped by jinja2; the page also forbids scripts through its Content-Security-Policy.
``include_hidden=False`` renders what students may see before the due date.
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, select_autoescape

from graders.registry import get
from graders.results import SubmissionResult


@cache
def _env() -> Environment:
    return Environment(loader=PackageLoader("graders.export", "templates"),
                       autoescape=select_autoescape(default=True, default_for_string=True))


def feedback_html(result: SubmissionResult, include_hidden: bool = True) -> str:
    tests = [t for t in result.tests if include_hidden or t.visibility == "public"]
    try:
        title = get(result.assignment).title
    except KeyError:
        title = result.assignment
    exercises = sorted(result.exercise_scores().items())
    return _env().get_template("feedback.html.j2").render(
        r=result, tests=tests, exercises=exercises, title=title)
