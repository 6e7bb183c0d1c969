"""``propgrade grade COURSE/submitted --course COURSE``: a graded batch left in an nbgrader
course as ``nbgrader autograde`` and ``nbgrader generate_feedback`` leave theirs, so formgrader
(``NbGraderAPI``) and ``nbgrader export`` report propgrade's scores.

Every path comes from nbgrader's ``CourseDirectory`` with the course's own configuration
(:func:`graders.nbgrader_env.course_config`), the database is the course's ``db_url`` and
everything in it is written through nbgrader's ``Gradebook``.  For each student with a
``submitted/<student>/<id>/`` folder (a student folder without one submitted another
assignment and is not graded for this one):

* ``autograded/<student>/<id>/`` — the submitted files as they were graded, ``timestamp.txt``
  and ``submission_secret.txt`` included: regular files only (a link is never followed, so a
  submission cannot pull another file into what staff and students get back), nbgrader's
  ``CourseDirectory.ignore`` patterns skipped.  Notebooks are copied, not executed: propgrade
  grades their solution code in its sandbox and never runs a notebook.
* the gradebook — the student (created when missing, as autograde does), the submission with
  the time of its ``timestamp.txt`` (nbgrader then counts it late against the assignment's due
  date, extensions included), one ``auto_score`` per grade cell
  (:func:`graders.export.gradebook.write_gradebook`, ``max_score`` the exercise's points), and
  each notebook's late penalty from the ``LateSubmissionPlugin`` the course configures for
  ``AssignLatePenalties`` (nbgrader's default: none), clamped as nbgrader clamps it.
* ``feedback/<student>/<id>/<id>.html`` — propgrade's feedback page, showing hidden checks as
  :mod:`graders.export.visibility` decides; beside it the non-notebook files of
  ``autograded/`` as ``generate_feedback`` copies them (``nbgrader release_feedback`` reads
  ``timestamp.txt`` and ``submission_secret.txt`` there).

A student in the gradebook who submitted nothing gets no rows, as after ``nbgrader
autograde``: ``nbgrader export`` writes their zero, formgrader shows them not submitted.
"""

from __future__ import annotations

import fnmatch
import os
import shutil
import stat
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from graders.errors import InputError
from graders.export.files import write_atomic
from graders.export.gradebook import write_gradebook
from graders.export.html import feedback_html
from graders.grade.folders import is_dir, lstat
from graders.grade.submission import Submission
from graders.nbgrader_env import course_config, is_nbgrader_course, nbgrader_env
from graders.results import SubmissionResult

TIMESTAMP = "timestamp.txt"  #: nbgrader's name, in every submitted/autograded/feedback folder


@dataclass(frozen=True)
class NbgraderCourse:
    """One nbgrader course directory and the assignment a batch grades in it."""

    root: Path
    assignment: str
    config: Any  #: the traitlets Config nbgrader's commands would use here
    coursedir: Any  #: nbgrader.coursedir.CourseDirectory

    def folder(self, step: str, student: str) -> Path:
        """``<step>/<student>/<assignment>/``, ``step`` a CourseDirectory attribute
        (``submitted_directory``, ``autograded_directory``, ``feedback_directory``)."""
        return Path(
            self.coursedir.format_path(getattr(self.coursedir, step), student, self.assignment)
        )

    def gradebook(self) -> Any:
        from nbgrader.api import Gradebook

        return Gradebook(self.coursedir.db_url, self.coursedir.course_id)


def batch_course(submissions: Path, root: Path) -> Path | None:
    """The nbgrader course a batch is graded into: ``root`` when it is an nbgrader course root
    and ``submissions`` is its ``submitted/`` (or the root itself); else ``None``."""
    if not is_nbgrader_course(root):
        return None
    from nbgrader.coursedir import CourseDirectory

    coursedir = CourseDirectory(config=course_config(root))
    submitted = Path(coursedir.format_path(coursedir.submitted_directory, ".", ".")).resolve()
    return root if submissions.resolve() in (submitted, root.resolve()) else None


def open_course(root: Path, assignment: str) -> NbgraderCourse:
    """The course at ``root``, ready to take ``assignment``'s grades; one-line
    :class:`InputError` when it is not an nbgrader course or the gradebook lacks the
    assignment or its notebook (``propgrade generate ID --course COURSE`` registers both)."""
    from nbgrader.api import MissingEntry
    from nbgrader.coursedir import CourseDirectory

    if not is_nbgrader_course(root):
        raise InputError(
            f"--course {root} is not an nbgrader course (no nbgrader_config.py "
            "or gradebook.db): make one with nbgrader quickstart or nbgrader db"
        )
    config = course_config(root)
    course = NbgraderCourse(root, assignment, config, CourseDirectory(config=config))
    again = f"release it first: propgrade generate {assignment} --course {root}"
    with nbgrader_env(), course.gradebook() as gb:
        try:
            found = gb.find_assignment(assignment)
        except MissingEntry:
            raise InputError(
                f"assignment {assignment} is not in the gradebook of {root} "
                f"({course.coursedir.db_url}); {again}"
            ) from None
        if assignment not in {n.name for n in found.notebooks}:
            raise InputError(
                f"assignment {assignment} in the gradebook of {root} has no "
                f"notebook {assignment}; {again}"
            )
    return course


def submitters(
    course: NbgraderCourse, subs: Sequence[Submission], warnings: list[str]
) -> list[Submission]:
    """The students of ``subs`` who submitted this assignment (``submitted/<s>/<id>/``)."""
    keep = [s for s in subs if is_dir(course.folder("submitted_directory", s.student_id))]
    others = [s.student_id for s in subs if s not in keep]
    if others:
        warnings.append(
            f"{len(others)} student folder(s) in submitted/ hold no "
            f"{course.assignment}/ (another assignment's submission), not graded "
            f"for {course.assignment}: {', '.join(others[:5])}"
            f"{', ...' if len(others) > 5 else ''}"
        )
    return keep


def record(
    course: NbgraderCourse, results: Sequence[SubmissionResult], release_hidden: bool = False
) -> list[str]:
    """Leave ``results`` in the course: autograded/, the gradebook, feedback/ (module
    docstring).  Returns lines for the person running the batch (late submissions)."""
    warnings: list[str] = []
    ignore = list(course.coursedir.ignore)
    stamps: dict[str, datetime | None] = {}
    for result in results:
        student = result.student_id
        submitted = course.folder("submitted_directory", student)
        stamps[student] = _timestamp(submitted, warnings)
        _copy_regular(submitted, course.folder("autograded_directory", student), ignore)
    with nbgrader_env():
        write_gradebook(
            course.coursedir.db_url,
            course.assignment,
            results,
            course_id=course.coursedir.course_id,
            timestamps=stamps,
        )
        late = _late_penalties(course, [r.student_id for r in results])
    for result in results:
        student = result.student_id
        feedback = course.folder("feedback_directory", student)
        _copy_regular(
            course.folder("autograded_directory", student), feedback, [*ignore, "*.ipynb"]
        )
        write_atomic(feedback / f"{course.assignment}.html", feedback_html(result, release_hidden))
    if late:
        warnings.append(
            f"{len(late)} submission(s) late by the gradebook's due date (the "
            "gradebook has them with the course's late penalty, if any): "
            + ", ".join(f"{s} {_duration(t)}" for s, t in late[:5])
            + (", ..." if len(late) > 5 else "")
        )
    return warnings


def _late_penalties(course: NbgraderCourse, students: Sequence[str]) -> list[tuple[str, float]]:
    """Each notebook's ``late_submission_penalty``, as nbgrader's ``AssignLatePenalties``
    sets it: reset, then for a late submission the configured plugin's penalty, clamped to
    ``[0, notebook score]``.  Returns ``(student, seconds late)`` of the late ones."""
    from nbgrader.preprocessors import AssignLatePenalties

    late = []
    assigner = AssignLatePenalties(config=course.config)
    assigner.init_plugin()
    with course.gradebook() as gb:
        for student in students:
            submission = gb.find_submission(course.assignment, student)
            seconds = submission.total_seconds_late
            for notebook in submission.notebooks:
                notebook.late_submission_penalty = None
                if seconds > 0:
                    penalty = assigner.plugin_inst.late_submission_penalty(
                        student, notebook.score, seconds
                    )
                    if penalty is not None:
                        notebook.late_submission_penalty = min(max(penalty, 0), notebook.score)
            if seconds > 0:
                late.append((student, seconds))
        gb.db.commit()
    return late


def _timestamp(folder: Path, warnings: list[str]) -> datetime | None:
    """``folder/timestamp.txt`` as nbgrader reads it (UTC); ``None`` when there is none.
    One that cannot be read is a warning line and no timestamp (the student is not late)."""
    from nbgrader.utils import parse_utc

    path = folder / TIMESTAMP
    st = lstat(path)
    if st is None or not stat.S_ISREG(st.st_mode):
        return None
    try:
        text = path.read_text(errors="replace").strip()
        return parse_utc(text) if text else None
    except (OSError, ValueError, OverflowError):
        warnings.append(
            f"{path}: not a timestamp nbgrader can read; the submission is "
            "recorded without one (never late)"
        )
        return None


def _copy_regular(src: Path, dest: Path, ignore: Sequence[str]) -> None:
    """Replace ``dest`` by the regular files under ``src`` (links and ``ignore`` globs, which
    match a file or folder name, are skipped), keeping the relative layout."""
    if dest.is_symlink() or dest.is_file():
        dest.unlink()
    elif dest.is_dir():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)

    def skipped(name: str) -> bool:
        return any(fnmatch.fnmatch(name, pattern) for pattern in ignore)

    for dirpath, dirnames, filenames in os.walk(src, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = [d for d in dirnames if not skipped(d) and is_dir(here / d)]
        for name in filenames:
            path = here / name
            st = lstat(path)
            if skipped(name) or st is None or not stat.S_ISREG(st.st_mode):
                continue
            target = dest / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target, follow_symlinks=False)


def _duration(seconds: float) -> str:
    hours, rest = divmod(int(seconds), 3600)
    return f"{hours} h {rest // 60} min" if hours else f"{rest // 60} min {rest % 60} s"
