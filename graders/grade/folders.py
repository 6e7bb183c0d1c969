"""The batch's folders on disk: who is a student, a submission's files, the output's folders.

Nothing here follows a symbolic link: :func:`lstat` and :func:`is_dir` look at the link
itself, so a student's link to another student's folder (or to ``/``) is never read.

Who is a student: every sub-folder of the batch except junk (``__MACOSX``, ``__pycache__``,
any dot-folder such as ``.ipynb_checkpoints``) and the output folder.  An nbgrader course root
(``submitted/`` beside ``nbgrader_config.py``, ``gradebook.db``, ``source/`` or ``release/``),
or a folder whose only sub-folder is ``submitted/``, is read through its ``submitted/``, with
one warning line.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from pathlib import Path

SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".git", "__MACOSX"}
#: beside ``submitted/``, any of these makes a folder an nbgrader course root
NBGRADER_MARKERS = ("nbgrader_config.py", "gradebook.db", "source", "release")
#: the files a batch writes into OUT/<student>/ (``results.json`` marks the folder as ours)
STUDENT_OUTPUTS = ("results.json", "feedback.html")


def lstat(path: Path) -> os.stat_result | None:
    """``path``'s own status (a link is not followed), or None where it cannot be read."""
    try:
        return path.lstat()
    except OSError:
        return None


def is_dir(path: Path) -> bool:
    """A real folder: a link to one is not."""
    st = lstat(path)
    return st is not None and stat.S_ISDIR(st.st_mode)


def is_junk(name: str) -> bool:
    """Folders that archivers, Jupyter and Python leave behind: never a student."""
    return name.startswith(".") or name in SKIP_DIRS


def student_dirs(root: Path, exclude: Iterable[Path] = ()) -> list[Path]:
    """Sub-folders of ``root`` (not links, not junk, not ``exclude``), sorted by name."""
    skip = {p.resolve() for p in exclude}
    return [
        entry
        for entry in sorted(root.iterdir(), key=lambda p: p.name)
        if is_dir(entry) and not is_junk(entry.name) and entry.resolve() not in skip
    ]


def batch_root(root: Path) -> tuple[Path, str | None]:
    """The folder whose sub-folders are the students, and the warning when it is not ``root``.

    A student named ``submitted`` would be nbgrader's folder graded as one student (with
    somebody's notebook); so a course root, or a folder holding nothing but ``submitted/``, is
    read through ``submitted/``.
    """
    submitted = root / "submitted"
    if not is_dir(submitted):
        return root, None
    markers = [m for m in NBGRADER_MARKERS if lstat(root / m) is not None]
    if markers:
        why = f"an nbgrader course root ({', '.join(markers)} beside submitted/)"
    elif [d.name for d in student_dirs(root)] == ["submitted"]:
        why = "a folder holding only submitted/ (nbgrader's layout)"
    else:
        return root, None
    return submitted, f"{root} is {why}: grading the students in {submitted}"


def walk(base: Path, notes: list[str]) -> list[tuple[str, Path, int]]:
    """(relative path, path, size) of regular files under ``base``; links are reported."""
    found: list[tuple[str, Path, int]] = []
    for dirpath, dirnames, filenames in os.walk(base, followlinks=False):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not is_junk(d) and not (here / d).is_symlink())
        for name in sorted(filenames):
            if name.startswith("._"):
                continue  # macOS' AppleDouble resource files, never the student's code
            path = here / name
            st = lstat(path)
            rel = path.relative_to(base).as_posix()
            if st is None:
                continue
            if stat.S_ISLNK(st.st_mode):
                notes.append(f"{rel} is a symbolic link and was ignored (links are never followed)")
                continue
            if stat.S_ISREG(st.st_mode):
                found.append((rel, path, st.st_size))
    return found


def remove_stale_output(out: Path, students: Iterable[str]) -> list[str]:
    """Delete what a batch wrote into ``out/<folder>/`` for every folder not of ``students``
    (student ids); returns the folders' names.  Only folders holding ``results.json`` are
    propgrade's, and only its own files are deleted: a folder keeps anything else put there.
    """
    keep = {safe_name(s) for s in students}
    removed = []
    for folder in student_dirs(out):
        if folder.name in keep or not (folder / "results.json").is_file():
            continue
        for entry in folder.iterdir():
            # write_atomic's temporary files (.results.json.XXXX) left by a killed run too
            if entry.name in STUDENT_OUTPUTS or entry.name.startswith(
                tuple(f".{n}." for n in STUDENT_OUTPUTS)
            ):
                entry.unlink(missing_ok=True)
        try:
            folder.rmdir()
        except OSError:
            pass  # it holds someone else's files: those stay
        removed.append(folder.name)
    return removed


def safe_name(student_id: str) -> str:
    """A file-system-safe folder name for a student id (the id itself stays in the data)."""
    keep = "".join(c if c.isalnum() or c in "-_.@" else "_" for c in student_id)
    keep = keep.strip(".") or "student"
    if keep != student_id:
        keep = f"{keep[:60]}-{hashlib.sha256(student_id.encode()).hexdigest()[:8]}"
    return keep
