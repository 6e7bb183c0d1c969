"""__title__: the reference of assignment ``__id__``.

The ground truth the hidden properties compare with.  Each solution sits between
``### BEGIN SOLUTION`` and ``### END SOLUTION``: the student stub (``exercises/__id__.py``)
and the notebook's solution cells are generated from this file, so state every convention the
graders enforce in the docstrings.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def relu(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """The rectified linear unit, elementwise: ``relu(z) = max(z, 0)``.

    Returns a new float64 array of ``z``'s shape; ``z`` is not modified.
    """
    ### BEGIN SOLUTION
    return np.maximum(np.asarray(z, dtype=np.float64), 0.0)
    ### END SOLUTION
