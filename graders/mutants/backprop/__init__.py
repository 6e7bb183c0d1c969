"""Known-wrong and correct-but-different implementations of ``backprop``.

The reference's ``backward_pass`` calls its ``forward_pass``, and ``forward_pass`` calls
``sigmoid``.  A wrong ``forward_pass`` or ``sigmoid`` is therefore spliced in through
``isolate``, which rewires the reference's callers to a private correct copy, so that exactly
one exercise function behaves differently.
"""

from __future__ import annotations

from .bugs import MUTANTS
from .degenerates import DEGENERATES
from .variants import VARIANTS

__all__ = ["DEGENERATES", "MUTANTS", "VARIANTS"]
