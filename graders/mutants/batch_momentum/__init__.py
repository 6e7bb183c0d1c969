"""Known-wrong and correct-but-different ``batch_momentum`` implementations (staff only).

Each mutant rewrites one exercise function with one plausible bug.  The reference's
``gradient_descent`` calls ``momentum_step``, so every ``momentum_step`` mutant also replaces
``gradient_descent`` (``companions=``) by ``_correct_gradient_descent``, the update written out:
the mutant breaks exactly one function.

A sign convention is a bug only where it shows: ``momentum_step`` returns the velocity, so
v = μv + lr·g with θ − v is wrong there (the returned velocity has the opposite sign), while
inside ``gradient_descent``, which returns only the thetas, the same convention is a correct
variant.  torch's buffer ``b = mu*b + g; theta -= lr*b`` is the same: SPEC's velocity is
``-lr*b`` at a constant lr, so it is a variant of ``gradient_descent`` (constant lr, only the
thetas returned) and a mutant of ``momentum_step`` when ``b`` is returned as the velocity.
Converting the velocity to a buffer and back (``b = -velocity/lr``) is SPEC's update except
at ``lr = 0``, where it divides by zero: not a variant either.

``np.array_split(order, ceil(n / batch_size))`` makes that many *near-equal* pieces, not
pieces of ``batch_size``: a mutant; ``np.array_split(order, range(batch_size, n, batch_size))``
cuts at the batch boundaries: a variant.
"""

from __future__ import annotations

from .bugs import MUTANTS
from .degenerates import DEGENERATES
from .variants import VARIANTS

__all__ = ["DEGENERATES", "MUTANTS", "VARIANTS"]
