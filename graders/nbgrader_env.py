"""What nbgrader needs from its surroundings, shared by the release (``assign``) and the
gradebook export: ``alembic`` on ``PATH``, its SQLAlchemy noise silenced, a gradebook URL.

A module of its own (it imports nothing of propgrade) so that neither stage imports the other.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


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
