"""The student release: nbgrader's notebook without solutions, the stub, a checker without answers."""

from __future__ import annotations

import os
import subprocess
import sys
import zlib
from pathlib import Path

import nbformat
import numpy as np
import pytest

from graders import mutants, registry
from graders.assign.notebooks import build_notebook, fill_solutions, solution_regions
from graders.assign.release import STAFF_ONLY, generate
from graders.assign.stubs import stub_for
from graders.check import misconceptions
from graders.grade.batch import grade_batch
from graders.sandbox import protocol
from tests.conftest import mutant, solution_lines

pytestmark = pytest.mark.slow  # end-to-end: builds student releases through nbgrader

TOPICS = list(registry.ASSIGNMENTS)


@pytest.fixture(scope="module")
def releases(tmp_path_factory) -> dict[str, Path]:
    """`propgrade generate` of every assignment, each into its own folder."""
    root = tmp_path_factory.mktemp("releases")
    out = {}
    for topic in TOPICS:
        written = generate(topic, root / topic)
        assert [p.name for p in written] == [f"{topic}.ipynb", f"{topic}.py", "checker"]
        out[topic] = root / topic
    return out


def _files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def _code_lines(text: str) -> list[str]:
    stripped = (line.strip() for line in text.splitlines())
    return [line for line in stripped if line and not line.startswith("#")]


def _windows(lines: list[str]) -> set[tuple[str, ...]]:
    """Pairs of consecutive code lines; a one-line body counts alone when it is long."""
    if len(lines) == 1:
        return {(lines[0],)} if len(lines[0]) >= 30 else set()
    return set(zip(lines, lines[1:]))


def _secret_windows(topic: str) -> set[tuple[str, ...]]:
    """What a leaked solution would show: consecutive code lines of a solution region."""
    out: set[tuple[str, ...]] = set()
    for region in solution_regions(topic):
        code = [ln for ln in _code_lines(region) if not ln.startswith(('"""', "def "))]
        out |= _windows(code)
    return out


@pytest.mark.parametrize("topic", TOPICS)
def test_release_notebook_is_nbgraders_student_version(topic, releases):
    """Solutions become nbgrader's stub; test cells, text and plots are kept, outputs cleared."""
    source = build_notebook(topic)
    released = nbformat.read(releases[topic] / f"{topic}.ipynb", as_version=4)
    assert len(released.cells) == len(source.cells)
    for before, after in zip(source.cells, released.cells):
        meta = after.metadata.get("nbgrader", {})
        assert "SOLUTION" not in after.source
        if meta.get("solution"):
            assert "raise NotImplementedError()" in after.source
            assert "checksum" in meta
        else:
            assert after.source == before.source
        assert after.get("outputs", []) == []


@pytest.mark.parametrize("topic", TOPICS)
def test_no_file_of_the_release_contains_reference_code(topic, releases):
    """No two consecutive code lines of a reference solution appear in any release file."""
    secret = _secret_windows(topic)
    assert len(secret) >= 5
    for path in _files(releases[topic]):
        lines = _code_lines(path.read_text(errors="replace"))
        shown = set(zip(lines, lines[1:])) | {(line,) for line in lines}
        leaked = secret & shown
        assert not leaked, f"{path.relative_to(releases[topic])}: {sorted(leaked)[:3]}"


@pytest.mark.parametrize("topic", TOPICS)
def test_release_ships_no_hidden_graders_and_no_reference(topic, releases):
    """The checker has graders/public but no hidden graders, mutants, reference or staff tools."""
    checker = releases[topic] / "checker"
    names = {p.relative_to(checker).as_posix() for p in _files(checker)}
    public = {f"graders/public/{topic}.py", f"graders/public/{topic}/__init__.py"}  # or a package
    assert public & names and "pyproject.toml" in names
    for name in names:
        parts = name.split("/")
        assert not (len(parts) > 1 and parts[0] == "graders" and parts[1] in STAFF_ONLY), name
        assert parts[0] in ("graders", "pyproject.toml", "README.txt"), name
    assert (releases[topic] / f"{topic}.py").read_text() == stub_for(topic)
    assert "nbgrader" not in (checker / "pyproject.toml").read_text()


#: the dev venv installs the project in editable mode, whose import hook would find the
#: repository's graders.hidden and reference/; a student's machine has no such hook
CLEAN = (
    "import sys; sys.meta_path[:] = [f for f in sys.meta_path "
    "if '__editable__' not in getattr(f, '__module__', '')]; "
)


def _python(release: Path, code: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(release / "checker")}
    return subprocess.run(
        [sys.executable, "-c", CLEAN + code, *args],
        cwd=release,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _check(release: Path, topic: str, target: str) -> subprocess.CompletedProcess:
    return _python(
        release,
        "from graders.cli import main; sys.exit(main(sys.argv[1:]))",
        "check",
        topic,
        target,
        "--sandbox",
        "plain",
    )


def test_checker_from_the_release_runs_the_public_checks(releases):
    """From the release's checker alone: the stub fails (exit 1), the reference passes (0)."""
    release = releases["classification"]
    probe = _python(
        release,
        "import importlib.util as u, graders, graders.registry as r; "
        "print(graders.__file__, r.hidden_available(), u.find_spec('reference'))",
    )
    where, hidden, reference = probe.stdout.split()
    assert Path(where).is_relative_to(release / "checker"), probe.stderr
    assert hidden == "False" and reference == "None"
    stub = _check(release, "classification", "classification.py")
    assert stub.returncode == 1, stub.stderr
    assert "softmax is not implemented yet" in stub.stdout
    (release / "mine.py").write_text(mutants.reference_source("classification"))
    good = _check(release, "classification", "mine.py")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "Score: 10 / 10" in good.stdout


def _submit(root: Path, student: str, topic: str, nb: nbformat.NotebookNode) -> None:
    folder = root / "submitted" / student / topic
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{topic}.ipynb")


def test_grade_reads_notebooks_in_nbgraders_submitted_layout(releases, tmp_path):
    """Notebook submissions under submitted/<student>/<id>/ are graded like modules; plot and
    other non-solution cells never run."""
    topic = "classification"
    released = nbformat.read(releases[topic] / f"{topic}.ipynb", as_version=4)
    reference = fill_solutions(released, mutants.reference_source(topic))
    marker = tmp_path / "plot-cell-ran"
    reference.cells.insert(
        2,
        nbformat.v4.new_code_cell(
            f"open({str(marker)!r}, 'w').write('x')\nraise SystemExit('plots are not graded')"
        ),
    )
    _submit(tmp_path, "ada", topic, reference)
    wrong = mutants.mutants(topic)[0]
    _submit(tmp_path, "bob", topic, fill_solutions(released, mutants.mutant_source(topic, wrong)))
    _submit(tmp_path, "cyd", topic, released)
    report = grade_batch(
        tmp_path / "submitted", topic, tmp_path / "out", sandbox="plain", profile="quick"
    )
    scores = {r.student_id: r for r in report.results}
    assert scores["ada"].score == scores["ada"].max_score == 20
    assert not marker.exists()
    failed = {t.function for t in scores["bob"].tests if t.status == "failed"}
    assert wrong.function in failed and scores["bob"].score < 20
    assert scores["cyd"].score == 0


def _data(release: Path, topic: str) -> Path:
    return misconceptions.data_path(topic, release / "checker" / "graders" / "check" / "data")


def _leaves(value) -> list:
    """Every scalar, string and array inside a decoded value."""
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in [k, *_leaves(v)]]
    if isinstance(value, (list, tuple)):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


@pytest.mark.parametrize("topic", TOPICS)
def test_release_ships_misconceptions_as_plain_data_without_code(topic, releases):
    """The checker's misconception data is small plain data (numbers, arrays, sentences) with
    every public property's examples, and no line of the reference's solutions."""
    path = _data(releases[topic], topic)
    assert path.stat().st_size < 200_000, path.stat().st_size
    frame = zlib.decompress(path.read_bytes())
    leaves = _leaves(protocol.decode(frame))
    assert all(isinstance(x, (np.ndarray, float, int, str, type(None))) for x in leaves)
    frozen = misconceptions.Frozen.from_bytes(path.read_bytes())
    public = {p.key for p in registry.properties(topic, hidden=False) if p.visibility == "public"}
    assert set(frozen.cases) == public
    named = {m.id: m.misconception for m in mutants.mutants(topic) if m.misconception}
    assert frozen.sentences and all(named[k] == v for k, v in frozen.sentences.items())
    text = frame.decode("utf-8", errors="replace")
    strings = [x for x in leaves if isinstance(x, str)]
    for line in solution_lines(topic):
        assert line not in text and not any(line in x for x in strings), line


def test_checker_from_the_release_names_the_students_misconception(releases):
    """The release's own checker says "Likely mistake: <sentence>" for a catalog mistake, and
    nothing of the kind for a correct variant or for a wrong answer the catalog does not name."""
    topic, release = "batchnorm", releases["batchnorm"]
    wrong = mutant(topic, "forward_unbiased_variance")
    (release / "wrong.py").write_text(mutants.mutant_source(topic, wrong))
    named = _check(release, topic, "wrong.py")
    assert named.returncode == 1, named.stderr
    assert f"Likely mistake: {wrong.misconception}" in named.stdout, named.stdout
    variant = next(v for v in mutants.variants(topic) if v.id == "forward_naive_centring")
    (release / "variant.py").write_text(mutants.mutant_source(topic, variant))
    good = _check(release, topic, "variant.py")
    assert good.returncode == 0 and "Likely mistake" not in good.stdout, good.stdout
    other = mutant(topic, "backward_no_mean_path")  # a mistake the catalog does not name,
    assert other.misconception is None  # in a function it names others for
    (release / "other.py").write_text(mutants.mutant_source(topic, other))
    unnamed = _check(release, topic, "other.py")
    assert unnamed.returncode == 1 and "batchnorm_backward" in unnamed.stdout, unnamed.stdout
    assert "Likely mistake" not in unnamed.stdout, unnamed.stdout
