"""Known-wrong and correct-but-different ``adaptive_lr`` implementations (staff only).

Each mutant rewrites one exercise function with one plausible bug; no reference function
calls another, so each breaks exactly its own.  The subtle ones are the point: eps inside
the square root only shows with tiny gradients, the bias-correction index only in the first
steps, returning the corrected moments only once the state is threaded to the next step.

Adam with the bias correction folded into the step size, ``lr·sqrt(1-beta2**t)/(1-beta1**t)``
(the paper's "more efficient" order), is SPEC's update only if eps is folded too: dividing
``m / (sqrt(v) + eps)`` by ``sqrt(1-beta2**t)`` gives ``sqrt(v_hat) + eps/sqrt(1-beta2**t)``, an
eps up to 1/sqrt(1-beta2) = 31.6 times larger.  That changes a step by ~eps/sqrt(v_hat)
relative (3e-7 at moderate gradients, O(1) at tiny ones), far beyond rounding: a mutant.
With ``eps·sqrt(1-beta2**t)`` in the denominator it is the same update: a variant.
"""

from __future__ import annotations

from .bugs import MUTANTS
from .degenerates import DEGENERATES
from .variants import VARIANTS

__all__ = ["DEGENERATES", "MUTANTS", "VARIANTS"]
