"""The catalog of ``__id__`` (staff only): the implementations that prove its graders.

``propgrade validate __id__`` requires every mutant (one plausible bug) to lose points on its
function, every degenerate entry (right form, no computation) to score exactly 0 there, and
every variant (correct, written differently) to get full marks.  Each entry holds only the
function it changes; a named ``misconception`` is what a student with that bug is told.
"""

from __future__ import annotations

from graders.mutants import Mutant, Variant, degenerate_family

MUTANTS = [
    Mutant(
        id="relu_absolute_value", function="relu", title="relu as the absolute value",
        misconception="your relu returns |z|: a negative entry becomes 0, not its magnitude",
        source='''
def relu(z):
    return np.abs(np.asarray(z, dtype=np.float64))
'''),
]

DEGENERATES = degenerate_family("__id__", {"relu": ["zeros"]})

VARIANTS = [
    Variant(
        id="relu_where", function="relu", title="relu with np.where",
        source='''
def relu(z):
    z = np.asarray(z, dtype=np.float64)
    return np.where(z > 0, z, 0.0)
'''),
]
