"""Hidden properties for ``classification``: the reference on wider and nastier inputs.

Never shipped to students.  The plain rows are ``kit.matches_reference``: structure, then
values within a rounding model.  Conventions enforced as in the public module, and so are its
error models (``graders.public.classification``: probabilities relative to each p_k,
log-probabilities and losses to the log-sum-exp's scale, sigmoid to an absolute few u).
"""

from __future__ import annotations

import numpy as np

from graders import compare
from graders import strategies as gen
from graders.kit import matches_reference
from graders.props import prop, student
from graders.public.classification import (
    ULPS,
    ce_grad_scale,
    ce_scale,
    log_scale,
    mse_grad_scale,
    mse_scale,
    prob_scale,
)
from reference import classification as ref

HUGE = [
    {"logits": np.array([[1e4, -1e4, 0.0]]), "labels": np.array([2])},
    {"logits": np.array([[-1e4, -1e4]]), "labels": np.array([0])},
    {"logits": np.array([[3.0]]), "labels": np.array([0])},
]  # K = 1


@matches_reference(
    "classification.softmax",
    "matches the reference, incl. K = 1 and 1-D to 3-D input",
    points=1.5,
    given={"z": gen.logit_arrays()},
    examples=[
        {"z": np.array([[5.0]])},
        {"z": np.array([0.5, -1e4, 1e4])},
        {"z": np.array([[[2e3, 2e3 + 1.0]], [[-2e3, -2e3 - 1.0]]])},
    ],
    expect=lambda z: ref.softmax(z),
    what="softmax(z)",
    shape=lambda z: z.shape,
    scale=lambda z, expected: prob_scale(z, expected),
    ulps=ULPS,
)
def softmax_reference(z):
    return student.softmax(z)


@matches_reference(
    "classification.log_softmax",
    "matches the reference for huge and tiny probabilities",
    points=1.5,
    given={"z": gen.logit_arrays(scale=1e4)},
    examples=[
        {"z": np.array([[1e4, -1e4, 0.0]])},
        {"z": np.array([[2.0]])},
        {"z": np.array([[[1e4, 0.0]], [[-1e4, 5.0]]])},
    ],
    expect=lambda z: ref.log_softmax(z),
    what="log_softmax(z)",
    shape=lambda z: z.shape,
    scale=lambda z, expected: log_scale(z),
    ulps=ULPS,
)
def log_softmax_reference(z):
    return student.log_softmax(z)


# a probability known to an absolute few u (the tanh form's tail is exactly 0)
@matches_reference(
    "classification.sigmoid",
    "matches the reference, no overflow for |z| up to 1e4",
    points=1,
    given={"z": gen.logit_arrays(scale=1e4)},
    expect=lambda z: ref.sigmoid(z),
    what="sigmoid(z)",
    shape=lambda z: z.shape,
    scale=lambda z, expected: 1.0,
    ulps=ULPS,
)
def sigmoid_reference(z):
    return student.sigmoid(z)


@matches_reference(
    "classification.cross_entropy",
    "matches the reference, incl. huge logits and K = 1",
    points=1.5,
    given=gen.logits_and_labels(),
    examples=HUGE,
    expect=lambda logits, labels: ref.cross_entropy(logits, labels),
    what="cross_entropy(logits, labels)",
    label="cross_entropy",
    scale=lambda logits, labels, expected: ce_scale(logits),
    ulps=ULPS,
)
def cross_entropy_reference(logits, labels):
    return student.cross_entropy(logits, labels)


@matches_reference(
    "classification.cross_entropy_grad",
    "matches the reference, incl. huge logits",
    points=1.5,
    given=gen.logits_and_labels(),
    examples=HUGE,
    expect=lambda logits, labels: ref.cross_entropy_grad(logits, labels),
    what="cross_entropy_grad(logits, labels)",
    shape=lambda logits, labels: logits.shape,
    scale=lambda logits, labels, expected: ce_grad_scale(logits, labels, expected),
    ulps=ULPS,
)
def cross_entropy_grad_reference(logits, labels):
    return student.cross_entropy_grad(logits, labels)


@matches_reference(
    "classification.softmax_mse",
    "matches the reference, incl. huge logits",
    points=1.5,
    given=gen.logits_and_labels(),
    examples=HUGE,
    expect=lambda logits, labels: ref.softmax_mse(logits, labels),
    what="softmax_mse(logits, labels)",
    label="softmax_mse",
    scale=lambda logits, labels, expected: mse_scale(logits),
    ulps=ULPS,
)
def softmax_mse_reference(logits, labels):
    return student.softmax_mse(logits, labels)


@prop(
    "classification.softmax_mse_grad",
    "matches the reference, incl. huge logits",
    points=1.5,
    visibility="hidden",
    given=gen.logits_and_labels(),
    examples=HUGE,
    expect=lambda logits, labels: (ref.softmax_mse_grad(logits, labels), ref.softmax(logits)),
)
def softmax_mse_grad_reference(logits, labels, expected):
    want, p = expected
    got = compare.array(
        (yield student.softmax_mse_grad(logits, labels)),
        "softmax_mse_grad(logits, labels)",
        shape=logits.shape,
    )
    compare.within(
        got, want, "softmax_mse_grad(logits, labels)", scale=mse_grad_scale(logits, p), ulps=ULPS
    )
