"""The one interface every dataset implements, so the trainer never cares what it trains on."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

DataKind = Literal["1d", "2d", "image"]


@dataclass(frozen=True)
class Mixture:
    """Known mode centres of a Gaussian mixture: what mode-coverage metrics measure against."""

    centers: np.ndarray  # (k, d)
    std: float
    weights: np.ndarray | None = None  # (k,), None = uniform


@dataclass
class Dataset:
    """A source of real samples.

    `sample` draws with the caller's generator (never the global RNG) so that several runs in
    several threads stay independently reproducible. Images are returned scaled to [-1, 1]
    with shape (n, 1, H, W); toy data as (n, d) float32.
    """

    name: str
    kind: DataKind
    shape: tuple[int, ...]  # per-sample shape: (1,), (2,) or (1, H, W)
    mixture: Mixture | None = None
    # Finite data (images, user points): a float32 tensor of all samples, already scaled.
    data: torch.Tensor | None = None
    labels: np.ndarray | None = None
    description: str = ""
    extra: dict = field(default_factory=dict)

    @property
    def dim(self) -> int:
        return int(np.prod(self.shape))

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        if self.data is not None:
            idx = torch.randint(0, self.data.shape[0], (n,), generator=generator)
            return self.data.index_select(0, idx)
        if self.mixture is not None:
            m = self.mixture
            centers = torch.as_tensor(m.centers, dtype=torch.float32)
            if m.weights is None:
                k = torch.randint(0, centers.shape[0], (n,), generator=generator)
            else:
                w = torch.as_tensor(m.weights, dtype=torch.float32)
                k = torch.multinomial(w, n, replacement=True, generator=generator)
            noise = torch.randn((n, centers.shape[1]), generator=generator) * m.std
            return centers.index_select(0, k) + noise
        raise ValueError(f"dataset {self.name!r} has neither data nor a mixture to sample from")
