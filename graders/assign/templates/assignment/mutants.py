"""The catalog of ``__id__`` (staff only): the implementations that prove its graders.

``propgrade validate __id__`` requires every mutant (one plausible bug) to lose points on its
function, every degenerate entry (right form, no computation) to score exactly 0 there, and
every variant (correct, written differently) to get full marks.  Each entry is a real
function named for its id; its decorator says which function of the assignment it stands in
for (its source goes into the submission under that name) and, for a mutant, the
``misconception`` a student with that bug is told.  An entry that calls a function of the
reference binds it from the reference first (``softmax = reference("__id__").softmax``, with
``from graders.course import reference``); a name the submission would lack fails here, when
the catalog is imported.
"""

from __future__ import annotations

import numpy as np

from graders.mutants import Catalog, degenerate_family

catalog = Catalog("__id__")


@catalog.mutant(
    "relu",
    "relu as the absolute value",
    misconception="your relu returns |z|: a negative entry becomes 0, not its magnitude",
)
def relu_absolute_value(z):
    return np.abs(np.asarray(z, dtype=np.float64))


@catalog.variant("relu", "relu with np.where")
def relu_where(z):
    z = np.asarray(z, dtype=np.float64)
    return np.where(z > 0, z, 0.0)


MUTANTS = catalog.mutants
VARIANTS = catalog.variants
DEGENERATES = degenerate_family("__id__", {"relu": ["zeros"]}) + catalog.degenerates
