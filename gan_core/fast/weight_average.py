"""The weight average's update (avg <- avg + (1 - decay) * (p - avg) for every parameter), fast.

Plain path: one `lerp_` per parameter. Fast path: one fused multi-tensor `torch._foreach_lerp_` over
all of them (a Python loop of small ops is most of the cost for small networks). Same values
(tests/test_fast.py).
"""

from __future__ import annotations

import torch

from gan_core import fast


@torch.no_grad()
def lerp_(average: list[torch.Tensor], params: list[torch.Tensor], weight: float) -> None:
    """Move each tensor of `average` `weight` of the way towards its twin in `params`, in place."""
    if fast.enabled():
        torch._foreach_lerp_(average, params, weight)
        return
    for a, p in zip(average, params):
        a.lerp_(p, weight)
