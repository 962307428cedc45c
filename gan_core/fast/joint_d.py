"""D's scores for a real and a fake batch, fast: one pass over both instead of two.

Plain path: `D(real)` and `D(fake)`, two forward (and backward) passes. Fast path: one pass over
`[real; fake]` with `groups=2`, for half the dispatches (most of a tiny network's step time). The
scores are those of two passes: D has no batch norm, and its minibatch-statistics layer (if any)
takes each half's spread on its own (groups=2). tests/test_fast.py compares the two.
"""

from __future__ import annotations

import torch
from torch import nn

from gan_core import fast


def score_real_and_fake(discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """D's raw scores, the real batch's first and then the fake batch's (equal sizes)."""
    if not fast.enabled() or real.shape[0] != fake.shape[0]:
        return torch.cat([discriminator(real), discriminator(fake)])
    return discriminator(torch.cat([real, fake]), groups=2)
