"""Known-wrong and correct-but-different implementations of ``critical_points``.

No exercise function of the reference calls another (the eigenvalue functions share only
the private ``_eigh``), so each entry replaces exactly the function it names.
"""

from __future__ import annotations

from .bugs import MUTANTS
from .degenerates import DEGENERATES
from .variants import VARIANTS

__all__ = ["DEGENERATES", "MUTANTS", "VARIANTS"]
