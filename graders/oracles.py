"""PyTorch as an oracle for public properties (students have no reference/).

torch is imported lazily, on the judge's side only, the first time an oracle is needed: a
worker never imports it, and a check that needs no oracle never pays its 2.5 s start-up.
Every oracle works in float64 and returns plain NumPy arrays / floats.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np


@cache
def torch() -> Any:
    import torch as _torch

    _torch.set_num_threads(1)
    return _torch


def tensor(x: Any, grad: bool = False) -> Any:
    t = torch().tensor(np.asarray(x), dtype=torch().float64)
    return t.requires_grad_(grad) if grad else t


def numpy(t: Any) -> np.ndarray:
    out: np.ndarray = t.detach().cpu().numpy().astype(np.float64)
    return out
