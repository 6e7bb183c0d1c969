"""Catalog entries are real functions: how their source reaches a submission, and how a broken
entry fails while the catalog is imported."""

from __future__ import annotations

import math

import numpy as np
import pytest

from graders import mutants
from graders.mutants import Catalog, CatalogError
from reference.classification import softmax

_SEEN: dict[str, int] = {}


def _halve(z):
    return np.asarray(z, dtype=np.float64) / 2.0


def test_an_entry_is_emitted_under_the_student_function_s_name():
    """The decorator is dropped and the def renamed: the catalog's name never reaches the
    submission, and the record keeps the function itself."""
    catalog = Catalog("classification")

    @catalog.mutant("sigmoid", "sigmoid of half the logit")
    def sigmoid_half_logit(z):
        return 1.0 / (1.0 + np.exp(-_halve(z)))

    entry = catalog.mutants[0]
    assert entry.id == "sigmoid_half_logit" and entry.code is sigmoid_half_logit
    assert "def sigmoid(z):" in entry.source
    assert "sigmoid_half_logit" not in entry.source and "@catalog" not in entry.source
    module = mutants.load_module("m", mutants.mutant_source("classification", entry))
    assert module.sigmoid(np.array([2.0]))[0] == pytest.approx(1.0 / (1.0 + math.exp(-1.0)))


def test_helpers_modules_and_data_come_along_and_the_reference_s_names_do_not():
    """A helper of the catalog, another module and plain data are emitted with the entry;
    numpy and the reference's own functions are the submission's already."""
    catalog = Catalog("classification")

    @catalog.variant("softmax", "softmax through a helper")
    def softmax_helper(z):
        _SEEN["calls"] = _SEEN.get("calls", 0) + 1
        return softmax(_halve(z) * 2.0) * math.prod([1.0])

    source = catalog.variants[0].source
    assert "import math\n" in source and "_SEEN = {}" in source
    assert "def _halve(z):" in source
    assert "import numpy" not in source and "from reference" not in source


def test_a_name_the_submission_would_lack_fails_when_the_entry_is_defined():
    """A typo in an entry is an error of the catalog's import, naming the file, the line and
    the name, not a crash at grading time blamed on the catalog's submission."""
    catalog = Catalog("classification")
    with pytest.raises(CatalogError, match=r"test_mutant_source\.py:\d+: .*'np_exp'"):

        @catalog.mutant("sigmoid", "a typo")
        def sigmoid_typo(z):
            return 1.0 / (1.0 + np_exp(-z))  # noqa: F821 - the typo under test


def test_an_entry_for_a_function_the_assignment_lacks_is_refused():
    """`@catalog.mutant("sofmax", ...)` names no function of the manifest: refused at once."""
    with pytest.raises(CatalogError, match="classification has no function 'sofmax'"):

        @Catalog("classification").mutant("sofmax", "a typo of the function's name")
        def sofmax_typo(z):
            return z


def _sigmoid_recursive(z):
    return _sigmoid_recursive(z)


def test_an_entry_that_calls_itself_by_its_catalog_name_is_refused():
    """Recursion by the catalog name would break once the entry is renamed: refused."""
    with pytest.raises(CatalogError, match="cannot call itself"):
        Catalog("classification").mutant("sigmoid", "recursive")(_sigmoid_recursive)


def test_an_entry_that_closes_over_a_local_is_refused():
    """A closure's variables cannot be emitted: an entry is a module-level function."""
    scale = 2.0
    with pytest.raises(CatalogError, match="enclosing function"):

        @Catalog("classification").mutant("sigmoid", "closure")
        def sigmoid_scaled(z):
            return scale * z


def test_a_large_catalog_may_be_a_package():
    """A catalog split into a package is found and read like a module: its every file counts
    for the grader version."""
    from graders import course as courses

    bundled = courses.bundled()
    assert bundled.path("mutants", "adaptive_lr").name == "__init__.py"
    kinds = [k for k, _ in bundled.content_files("adaptive_lr")]
    assert "mutants" in kinds and "mutants/bugs.py" in kinds
    assert len(mutants.mutants("adaptive_lr")) >= 6
