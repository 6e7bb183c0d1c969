"""The degenerate entries (right form, no computation) of the ``backprop`` catalog (see ``__init__``)."""

from __future__ import annotations

import numpy as np

from graders.mutants import Catalog, degenerate_family

catalog = Catalog("backprop")


# σ(0) everywhere: right where strategies shrink to, and σ(-z) = 1 - σ(z) holds
@catalog.degenerate("sigmoid", "sigmoid returns 0.5 everywhere", isolated=True)
def sigmoid_half(z):
    return np.full(np.shape(z), 0.5)


# σ′(0) everywhere: right at z = 0
@catalog.degenerate(
    "sigmoid_derivative", "sigmoid_derivative returns 0.25 everywhere", isolated=True
)
def sigmoid_derivative_quarter(z):
    return np.full(np.shape(z), 0.25)


@catalog.degenerate("forward_pass", "forward_pass returns [x] * (L + 1)", isolated=True)
def forward_pass_repeated_input(params, x):
    return [np.array(x, dtype=np.float64)] * (len(params) + 1)


# right shapes for any "gradients match params' shapes" check, values of the weights
@catalog.degenerate("backward_pass", "backward_pass returns params as the gradients", isolated=True)
def backward_pass_returns_params(params, x, y):
    return [(np.array(W, dtype=float), np.array(b, dtype=float)) for W, b in params]


DEGENERATES = (
    degenerate_family(
        "backprop",
        {
            "sigmoid": ["zeros", "ones", "uniform", "noise", "identity"],
            "sigmoid_derivative": ["zeros", "ones", "noise", "identity"],
            "forward_pass": ["zeros", "ones", "noise"],
            "backward_pass": ["zeros", "ones", "noise"],
            "numerical_gradient": ["zeros", "ones", "noise", "identity"],
        },
    )
    + catalog.degenerates
)
