"""The one interface every dataset implements, so the trainer never cares what it trains on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import torch

DataKind = Literal["1d", "2d", "image"]


class DatasetUnavailable(RuntimeError):
    """A dataset cannot be obtained right now (offline, bad download); the message says what to do."""


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
    # The mixture's centres/weights as tensors, converted on first use (sampling runs every step).
    _mixture_cache: tuple | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def dim(self) -> int:
        return int(np.prod(self.shape))

    @property
    def mode_count(self) -> int:
        """How many modes a 2D mixture has: what mode coverage counts (0 for 1-D data, images and
        user points, whose modes the pages do not count)."""
        if self.mixture is None or self.kind != "2d":
            return 0
        return int(np.atleast_2d(self.mixture.centers).shape[0])

    def _mixture_tensors(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        m = self.mixture
        cached = self._mixture_cache
        if cached is None or cached[0] is not m:
            weights = None if m.weights is None else torch.as_tensor(m.weights, dtype=torch.float32)
            cached = self._mixture_cache = (m, torch.as_tensor(m.centers, dtype=torch.float32), weights)
        return cached[1], cached[2]

    def sample(self, n: int, generator: torch.Generator) -> torch.Tensor:
        if self.data is not None:
            idx = torch.randint(0, self.data.shape[0], (n,), generator=generator)
            return self.data.index_select(0, idx)
        if self.mixture is not None:
            m = self.mixture
            centers, weights = self._mixture_tensors()
            if weights is None:
                k = torch.randint(0, centers.shape[0], (n,), generator=generator)
            else:
                k = torch.multinomial(weights, n, replacement=True, generator=generator)
            noise = torch.randn((n, centers.shape[1]), generator=generator)
            return centers.index_select(0, k).add_(noise, alpha=m.std)
        raise ValueError(f"dataset {self.name!r} has neither data nor a mixture to sample from")
