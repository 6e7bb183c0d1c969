"""What nbgrader needs from its surroundings, shared by the release (``assign``) and the
gradebook export: ``alembic`` on ``PATH``, its SQLAlchemy noise silenced, a gradebook URL, and
an nbgrader course directory configured as nbgrader's own commands configure it.

A module of its own (it imports nothing of propgrade but its errors) so that neither stage
imports the other.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from graders.errors import InputError

#: nbgrader's course configuration, in the course root (``nbgrader quickstart`` writes one)
CONFIG_FILE = "nbgrader_config.py"
#: either file in a folder makes it an nbgrader course root
COURSE_MARKERS = (CONFIG_FILE, "gradebook.db")


@contextmanager
def nbgrader_env() -> Iterator[None]:
    """nbgrader shells out to ``alembic`` when it creates a database: make sure it is found.

    It is installed next to this interpreter, which is not on ``PATH`` when the venv's python
    is run directly.  SQLAlchemy 2's warnings about nbgrader's session use are silenced.
    """
    old = os.environ.get("PATH", "")
    if shutil.which("alembic") is None:
        os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + old
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", module=r"nbgrader\..*")
            warnings.filterwarnings("ignore", message=r".*not in session.*")
            yield
    finally:
        os.environ["PATH"] = old


def db_url(path: Path | str) -> str:
    """A SQLAlchemy URL: a URL stays as it is, a path becomes SQLite at that path."""
    text = str(path)
    return text if "://" in text else f"sqlite:///{Path(text).resolve()}"


def is_nbgrader_course(folder: Path) -> bool:
    """``folder`` is an nbgrader course root: it holds ``nbgrader_config.py`` or
    ``gradebook.db`` (the two files nbgrader's commands make there)."""
    return any((folder / name).is_file() for name in COURSE_MARKERS)


def course_config(root: Path) -> Any:
    """The traitlets ``Config`` nbgrader's commands use in the course at ``root``: each
    ``nbgrader_config.py`` on Jupyter's config path (system first, so the user's wins), then
    the course's own, then ``CourseDirectory.root`` set to ``root``.  (nbgrader also reads
    the current folder's file; a course is named by its root here, not by where one stands.)

    A config file that cannot be run is :class:`~graders.errors.InputError`, one line.
    """
    from jupyter_core.paths import jupyter_config_path
    from traitlets.config import Config, PyFileConfigLoader

    config = Config()
    folders = [*reversed(jupyter_config_path()), str(root)]
    for folder in dict.fromkeys(folders):
        path = Path(folder) / CONFIG_FILE
        if not path.is_file():
            continue
        try:
            config.merge(PyFileConfigLoader(CONFIG_FILE, path=folder).load_config())
        except Exception as exc:  # noqa: BLE001 - staff's file: say which, in one line
            raise InputError(
                f"{path}: nbgrader cannot load it ({type(exc).__name__}: {exc})"
            ) from None
    config.CourseDirectory.root = str(root.resolve())
    return config


def course_directory(root: Path) -> Any:
    """nbgrader's ``CourseDirectory`` of the course at ``root`` (:func:`course_config`)."""
    from nbgrader.coursedir import CourseDirectory

    return CourseDirectory(config=course_config(root))
