"""The solution code of a submitted Jupyter notebook, as one module's source."""

from __future__ import annotations


def notebook_source(raw: bytes, name: str) -> tuple[str | None, str | None]:
    """The solution code of a notebook, or (None, reason) when it cannot be read.

    With nbgrader metadata: the ``solution`` cells, preceded by the import lines of the other
    code cells (never nbgrader's test cells), except imports of display-only libraries
    (matplotlib, IPython, ...): plot cells never run in the worker, so their imports need not
    either.  Without it: every code cell.  IPython magics and shell escapes (``%``, ``!``) and
    cells that call propgrade's checks are dropped.
    """
    display_only = ("matplotlib", "mpl_toolkits", "IPython", "ipywidgets", "seaborn")
    try:
        import nbformat

        nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
    except Exception as exc:  # noqa: BLE001 - any corruption gives the same advice
        return None, (
            f"{name} could not be read as a Jupyter notebook "
            f"({type(exc).__name__}); re-download or re-save it from Jupyter"
        )
    cells = [c for c in nb.cells if c.get("cell_type") == "code"]

    def meta(c: dict) -> dict:
        return c.get("metadata", {}).get("nbgrader", {}) or {}

    def clean(src: str) -> str:
        return "\n".join(ln for ln in src.splitlines() if not ln.lstrip().startswith(("%", "!")))

    def is_check(src: str) -> bool:
        return "propgrade" in src or "graders." in src

    def is_display(line: str) -> bool:
        words = line.replace(",", " ").split()
        return len(words) > 1 and words[1].split(".")[0] in display_only

    def assemble(parts: list[str]) -> str:
        # each cell may start with `from __future__ import ...`; in one module they lead
        text = "\n\n".join(parts)
        future = [ln for ln in text.splitlines() if ln.startswith("from __future__ import")]
        rest = [ln for ln in text.splitlines() if not ln.startswith("from __future__ import")]
        return "\n".join(dict.fromkeys(future)) + "\n" + "\n".join(rest) + "\n"

    solution = [c for c in cells if meta(c).get("solution")]
    if solution:
        imports = [
            ln
            for c in cells
            if not meta(c).get("solution") and not meta(c).get("grade")
            for ln in clean(c.source).splitlines()
            if ln.startswith(("import ", "from ")) and not is_check(ln) and not is_display(ln)
        ]
        return assemble(["\n".join(imports)] + [clean(c.source) for c in solution]), None
    body = [clean(c.source) for c in cells if not meta(c).get("grade") and not is_check(c.source)]
    return assemble(body), None
