"""Hidden properties of ``__id__``: the reference on wider inputs (never shipped to students).

``reference("__id__")`` is this course's reference module (graders.course.reference).
"""

from __future__ import annotations

import numpy as np

from graders import compare
from graders import strategies as gen
from graders.course import reference
from graders.props import prop, student

ref = reference("__id__")


@prop(
    "__id__.relu",
    "matches the reference for huge and tiny entries",
    points=5,
    visibility="hidden",
    given={"z": gen.matrices(lo=-1e300, hi=1e300)},
    examples=[{"z": np.array([[-3.0, 5.0, -1e-300]])}],
    expect=lambda z: ref.relu(z),
)
def relu_reference(z, expected):
    got = compare.array((yield student.relu(z)), "relu(z)", shape=z.shape)
    compare.close(got, expected, "relu(z)", rtol=0, atol=0)
