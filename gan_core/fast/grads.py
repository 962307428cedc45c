"""Dropping a network's gradients before its backward pass, fast.

Plain path: `optimizer.zero_grad(set_to_none=True)`. Fast path: set each known parameter's `.grad`
to None directly; the optimizer's own version walks its param groups under a profiler scope, ~70 us
a call, ~3 % of a ring8 step. Both leave every gradient None (tests/test_fast.py).
"""

from __future__ import annotations

import torch

from gan_core import fast


def clear_grads(opt: torch.optim.Optimizer, params: list[torch.Tensor]) -> None:
    """Drop the gradients of `params` (the parameters `opt` steps)."""
    if not fast.enabled():
        opt.zero_grad(set_to_none=True)
        return
    for p in params:
        p.grad = None
