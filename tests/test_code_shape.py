"""The code's shape: no module under ``graders/`` or ``reference/`` is over 400 lines.

A module past that holds more than one job; it is split along its concepts (as
``graders/cli/``, ``graders/course/`` and ``discover``'s ``folders``/``pick``/``ipynb`` were),
not squeezed.  Lines are the file's own, as ``wc -l`` counts them; ``ruff format --check``
(``make test``) keeps the files formatted, so together the two hold the limit for the
formatted tree.  Every ``.py`` file counts, package ``__init__`` files and the templates that
``propgrade new`` copies included.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("graders", "reference")
MAX_LINES = 400


def long_modules(root: Path, folders: tuple[str, ...] = FOLDERS) -> dict[str, int]:
    """``{path relative to root: lines}`` of every Python file under ``folders`` over the limit."""
    out = {}
    for folder in folders:
        for path in sorted((root / folder).rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            lines = len(path.read_bytes().splitlines())
            if lines > MAX_LINES:
                out[path.relative_to(root).as_posix()] = lines
    return out


def test_no_module_is_over_400_lines():
    """Every module under graders/ and reference/ has at most 400 lines."""
    found = long_modules(ROOT)
    assert not found, f"over {MAX_LINES} lines (split each along its concepts): " + ", ".join(
        f"{p} ({n})" for p, n in found.items()
    )


def test_a_long_module_is_reported(tmp_path):
    """The count finds a 401-line module at any depth and passes one of exactly 400."""
    deep = tmp_path / "graders" / "grade" / "long.py"
    deep.parent.mkdir(parents=True)
    deep.write_text("x = 1\n" * (MAX_LINES + 1))
    (tmp_path / "reference").mkdir()
    (tmp_path / "reference" / "ok.py").write_text("x = 1\n" * MAX_LINES)
    assert long_modules(tmp_path) == {"graders/grade/long.py": MAX_LINES + 1}
