"""Quality scores computed apart from training: a frozen copy of G, scored by another thread.

The image data sets' scores (G on 1,000 evaluation noise vectors, the reference classifier, the
Fréchet distance) cost about ten training steps each. `Evaluator.scoring` freezes the generator the
picture shows into a reused copy (this module's `freeze`), the run's scoring thread calls `run()`
while training goes on, and `Evaluator.accept` takes the numbers unless something newer was scored
meanwhile. The same code computes them as `Evaluator.evaluate`, so the numbers are the same
(tests/test_scoring_apart.py).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

if TYPE_CHECKING:
    from gan_core.quality.evaluation import Evaluator


def freeze(source: nn.Module, frozen: tuple[nn.Module, nn.Module] | None) -> tuple[nn.Module, nn.Module]:
    """(source, a copy of it in eval mode without gradients): `frozen`'s copy with source's weights and
    buffers copied in when it is a copy of the same module, else a new copy."""
    if frozen is None or frozen[0] is not source:
        return source, copy.deepcopy(source).eval().requires_grad_(False)
    with torch.no_grad():
        for mine, theirs in zip(frozen[1].state_dict().values(), source.state_dict().values(), strict=True):
            mine.copy_(theirs)
    return frozen


@dataclass
class Scoring:
    """The quality scores of one frozen copy of G (`Evaluator.scoring`): `run()` fills `views` (the
    class histogram, which generator) and `metrics`, exactly as a full `Evaluator.evaluate` would."""

    evaluator: Evaluator
    epoch: int
    label: str  # "training" or "average": which generator was frozen
    generator: nn.Module
    views: dict[str, Any] | None = field(default=None, repr=False)
    metrics: dict[str, float] | None = None

    @torch.no_grad()
    def run(self) -> Scoring:
        evaluator = self.evaluator
        fake = self.generator(evaluator.eval_noise.to(evaluator.trainer.device))
        _, self.views, self.metrics = evaluator.image_scores(fake, self.label)
        return self
