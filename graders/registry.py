"""The one registry: assignments, their exercise functions, their point totals.

An exercise id is ``<assignment>.<function>`` (``classification.softmax``).  The same id is
named in the stub's NotImplementedError, in each property of the graders, in results.json
(test names begin with the function), in the CSV column and in the HTML feedback.  The totals
here are fixed: a test proves that the graders' points add up to them, so adding a property
means deciding what it is worth.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from graders.errors import UsageError

if TYPE_CHECKING:
    from graders.props import Property


@dataclass(frozen=True)
class Assignment:
    id: str
    title: str
    functions: tuple[str, ...]
    public_points: float
    hidden_points: float

    @property
    def module(self) -> str:
        """The student's module file is ``<id>.py``."""
        return self.id

    @property
    def total_points(self) -> float:
        return self.public_points + self.hidden_points

    def exercise(self, function: str) -> str:
        return f"{self.id}.{function}"

    @property
    def exercises(self) -> tuple[str, ...]:
        return tuple(self.exercise(f) for f in self.functions)


ASSIGNMENTS: dict[str, Assignment] = {a.id: a for a in [
    Assignment("backprop", "Backpropagation: the chain rule, forward and backward pass",
               ("sigmoid", "sigmoid_derivative", "forward_pass", "backward_pass",
                "numerical_gradient"), public_points=10, hidden_points=10),
    Assignment("critical_points", "Critical points: minima, saddles and the Hessian test",
               ("two_weight_loss", "two_weight_gradient", "two_weight_hessian",
                "numerical_hessian", "taylor_approximation", "classify_critical_point",
                "escape_direction", "minimum_ratio"), public_points=10, hidden_points=10),
    Assignment("batch_momentum", "Shuffled mini-batches, SGD and momentum",
               ("shuffled_batches", "sgd_step", "momentum_step", "gradient_descent"),
               public_points=10, hidden_points=10),
    Assignment("adaptive_lr", "Adaptive learning rates: AdaGrad, RMSProp, Adam, schedules",
               ("adagrad_step", "rmsprop_step", "adam_step", "noam_lr", "warmup_cosine_lr"),
               public_points=10, hidden_points=10),
    Assignment("classification", "Classification: softmax, cross-entropy, sigmoid, MSE",
               ("softmax", "log_softmax", "sigmoid", "cross_entropy", "cross_entropy_grad",
                "softmax_mse", "softmax_mse_grad"), public_points=10, hidden_points=10),
    Assignment("batchnorm", "Batch normalization: training, running statistics, inference",
               ("batchnorm_forward", "batchnorm_backward", "update_running_stats",
                "batchnorm_inference"), public_points=10, hidden_points=10),
]}


class UnknownAssignment(UsageError, KeyError):
    """An assignment id the registry does not know: a usage error (exit 2).

    Also a ``KeyError``, so callers that looked an id up like a mapping key (the HTML export
    falls back to the bare id) keep working; ``str()`` is the message, not KeyError's repr.
    """

    __str__ = Exception.__str__


def get(assignment_id: str) -> Assignment:
    """The assignment ``assignment_id``; :class:`UnknownAssignment` names the known ids."""
    try:
        return ASSIGNMENTS[assignment_id]
    except KeyError:
        known = ", ".join(ASSIGNMENTS)
        raise UnknownAssignment(f"unknown assignment {assignment_id!r} (known: {known})") \
            from None


def properties(assignment_id: str, *, hidden: bool = True) -> list[Property]:
    """The assignment's properties: public ones, then hidden ones when available.

    The student release ships ``graders.public`` only; there the hidden module is absent and
    only public properties are returned (``hidden=True`` is then simply not satisfiable).
    """
    from graders.props import collect

    get(assignment_id)
    found = collect(vars(importlib.import_module(f"graders.public.{assignment_id}")))
    if hidden:
        try:
            module = importlib.import_module(f"graders.hidden.{assignment_id}")
        except ModuleNotFoundError as exc:
            if exc.name not in (f"graders.hidden.{assignment_id}", "graders.hidden"):
                raise
        else:
            found += collect(vars(module))
    return found


def hidden_available() -> bool:
    """False in a student release (no hidden graders, no reference)."""
    return importlib.util.find_spec("graders.hidden") is not None
