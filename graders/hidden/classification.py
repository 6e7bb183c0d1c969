"""Hidden properties for ``classification``: the reference on wider and nastier inputs.

Never shipped to students.  Conventions enforced as in the public module; tolerances are
relative 1e-9 (float64 arithmetic in a different order) unless stated.
"""

from __future__ import annotations

import numpy as np

from graders import compare
from graders import strategies as gen
from graders.props import prop, student
from reference import classification as ref

HUGE = [{"logits": np.array([[1e4, -1e4, 0.0]]), "labels": np.array([2])},
        {"logits": np.array([[-1e4, -1e4]]), "labels": np.array([0])},
        {"logits": np.array([[3.0]]), "labels": np.array([0])}]  # K = 1


@prop("classification.softmax", "matches the reference, incl. K = 1 and 1-D input",
      points=1.5, visibility="hidden", given={"z": gen.logits()},
      examples=[{"z": np.array([[5.0]])}, {"z": np.array([0.5, -1e4, 1e4])}],
      expect=lambda z: ref.softmax(z))
def softmax_reference(z, expected):
    got = compare.array((yield student.softmax(z)), "softmax(z)", shape=z.shape)
    compare.close(got, expected, "softmax(z)", rtol=1e-9, atol=1e-15)


@prop("classification.log_softmax", "matches the reference for huge and tiny probabilities",
      points=1.5, visibility="hidden", given={"z": gen.logits(scale=1e4)},
      examples=[{"z": np.array([[1e4, -1e4, 0.0]])}, {"z": np.array([[2.0]])}],
      expect=lambda z: ref.log_softmax(z))
def log_softmax_reference(z, expected):
    got = compare.array((yield student.log_softmax(z)), "log_softmax(z)", shape=z.shape)
    compare.close(got, expected, "log_softmax(z)", rtol=1e-9, atol=1e-9)


@prop("classification.sigmoid", "matches the reference, no overflow for |z| up to 1e4",
      points=1, visibility="hidden", given={"z": gen.matrices(lo=-1e4, hi=1e4)},
      expect=lambda z: ref.sigmoid(z))
def sigmoid_reference(z, expected):
    got = compare.array((yield student.sigmoid(z)), "sigmoid(z)", shape=z.shape)
    compare.close(got, expected, "sigmoid(z)", rtol=1e-9, atol=1e-300)


@prop("classification.cross_entropy", "matches the reference, incl. huge logits and K = 1",
      points=1.5, visibility="hidden", given=gen.logits_and_labels(), examples=HUGE,
      expect=lambda logits, labels: ref.cross_entropy(logits, labels))
def cross_entropy_reference(logits, labels, expected):
    got = compare.scalar((yield student.cross_entropy(logits, labels)), "cross_entropy")
    compare.close(got, expected, "cross_entropy(logits, labels)", rtol=1e-9, atol=1e-9)


@prop("classification.cross_entropy_grad", "matches the reference, incl. huge logits",
      points=1.5, visibility="hidden", given=gen.logits_and_labels(), examples=HUGE,
      expect=lambda logits, labels: ref.cross_entropy_grad(logits, labels))
def cross_entropy_grad_reference(logits, labels, expected):
    got = compare.array((yield student.cross_entropy_grad(logits, labels)),
                        "cross_entropy_grad(logits, labels)", shape=logits.shape)
    compare.close(got, expected, "cross_entropy_grad(logits, labels)", rtol=1e-9, atol=1e-12)


@prop("classification.softmax_mse", "matches the reference, incl. huge logits",
      points=1.5, visibility="hidden", given=gen.logits_and_labels(), examples=HUGE,
      expect=lambda logits, labels: ref.softmax_mse(logits, labels))
def softmax_mse_reference(logits, labels, expected):
    got = compare.scalar((yield student.softmax_mse(logits, labels)), "softmax_mse")
    compare.close(got, expected, "softmax_mse(logits, labels)", rtol=1e-9, atol=1e-12)


@prop("classification.softmax_mse_grad", "matches the reference, incl. huge logits",
      points=1.5, visibility="hidden", given=gen.logits_and_labels(), examples=HUGE,
      expect=lambda logits, labels: ref.softmax_mse_grad(logits, labels))
def softmax_mse_grad_reference(logits, labels, expected):
    got = compare.array((yield student.softmax_mse_grad(logits, labels)),
                        "softmax_mse_grad(logits, labels)", shape=logits.shape)
    compare.close(got, expected, "softmax_mse_grad(logits, labels)", rtol=1e-8, atol=1e-12)
