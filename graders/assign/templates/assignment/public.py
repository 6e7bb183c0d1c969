"""Public properties of ``__id__``: what the student's own ``propgrade check`` runs.

A property is a hypothesis strategy of inputs and a check that yields the student calls it
needs (``student.<function>(...)``: only the manifest's functions; a typo fails at import).
Points are written here and nowhere else; a public property never uses the reference (the
student checker ships without it).
"""

from __future__ import annotations

import numpy as np

from graders import compare
from graders import strategies as gen
from graders.props import prop, student


@prop(
    "__id__.relu",
    "equals max(z, 0) elementwise",
    points=5,
    given={"z": gen.matrices()},
    examples=[{"z": np.array([[-1.0, 0.0, 2.5]])}],
    hint="Keep the positive entries and replace the negative ones by 0.",
)
def relu_is_max_with_zero(z):
    got = compare.array((yield student.relu(z)), "relu(z)", shape=z.shape)
    compare.close(got, np.maximum(z, 0.0), "relu(z)", rtol=0, atol=0)
