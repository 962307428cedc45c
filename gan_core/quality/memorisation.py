"""Does G memorise? Each generated image's nearest training image, against real images G never saw.

A generator can score well on every sample-quality number (classes covered, confidence, a low
Fréchet distance) by reproducing its training images. The check here is the one a reviewer asks
for: for every generated sample, how far is the closest training image? Compare with the same
distance for real images that were not trained on: a generator that copies sits far below that
curve (near 0); one that draws new images from the same distribution sits on it, or above it
while its samples are still worse than real ones.

Distances are root-mean-square pixel differences of images in [0, 1] (‖a − b‖ / √pixels): 0.10
means the pixels differ by a tenth of full brightness, in the RMS sense. Pure numpy; the caller
hands in images (the page on demand, from a frozen copy of G, never the live refresh).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from gan_core.latent import decode

# A generated sample is a near-copy when it is closer to its nearest training image than this
# share of the held-out real images are to theirs: real, unseen images are near-copies at this
# rate by construction, so 5 % is the honest baseline and a copying G reads close to 100 %.
NEAR_COPY_QUANTILE = 0.05
# G is flagged as copying when at least this share of its samples are near-copies (10x the rate
# of unseen real images), and as copying some of them from twice their rate on (out of the noise of
# 1,000 samples: one standard deviation of a 5 % rate is 0.7 points).
COPYING_SHARE = 0.5
SOME_COPYING_SHARE = 2 * NEAR_COPY_QUANTILE
N_GENERATED = 1000
N_HELD_OUT = 1000
_CHUNK = 512  # query rows per distance block: bounds memory at 512 x (training images) floats


def _flat(images: Any) -> np.ndarray:
    """(n, ...) images in [0, 1] as (n, pixels) float32."""
    if hasattr(images, "detach"):
        images = images.detach().cpu().numpy()
    x = np.asarray(images, dtype=np.float32)
    if x.ndim < 2:
        raise ValueError(f"expected a batch of images (n, ...), got shape {x.shape}")
    return x.reshape(x.shape[0], -1)


def nearest_neighbours(queries: Any, references: Any, exclude_self: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(distance, index) of each query's nearest reference image, distance as RMS pixel difference.

    `exclude_self` is for queries that are the references themselves (leave-one-out): query i is
    not matched with reference i. The search runs in float32 blocks (one matmul each); the winning
    pair's distance is then recomputed exactly, so an exact copy reads 0, not round-off."""
    q, r = _flat(queries), _flat(references)
    if q.shape[1] != r.shape[1]:
        raise ValueError(f"queries have {q.shape[1]} pixels, references {r.shape[1]}")
    if exclude_self and q.shape[0] != r.shape[0]:
        raise ValueError("exclude_self needs the queries to be the references")
    if r.shape[0] == 0 or (exclude_self and r.shape[0] < 2):
        raise ValueError("need reference images to compare with")
    r_sq = np.einsum("md,md->m", r, r)
    index = np.empty(q.shape[0], dtype=np.int64)
    for start in range(0, q.shape[0], _CHUNK):
        block = q[start : start + _CHUNK]
        d2 = r_sq[None, :] - 2.0 * (block @ r.T)  # |q|² is the same for every reference: left out
        if exclude_self:
            rows = np.arange(block.shape[0])
            d2[rows, start + rows] = np.inf
        index[start : start + block.shape[0]] = np.argmin(d2, axis=1)
    diff = q.astype(np.float64) - r[index].astype(np.float64)
    distance = np.sqrt(np.mean(diff * diff, axis=1))
    return distance, index


@dataclass(frozen=True, eq=False)  # eq=False: arrays
class MemorisationReport:
    """Nearest-training-image distances of generated samples and of unseen real images."""

    generated: np.ndarray  # (n,) each generated sample's distance to its nearest training image
    nearest: np.ndarray  # (n,) index of that training image
    held_out: np.ndarray  # (m,) each unseen real image's distance to its nearest training image
    held_out_kind: str  # "held-out" (images not trained on) or "leave-one-out" (see memorisation_check)
    threshold: float  # near-copy distance: NEAR_COPY_QUANTILE of `held_out`
    n_training: int

    @property
    def near_copy_share(self) -> float:
        """Share of generated samples closer to a training image than `threshold`."""
        return float(np.mean(self.generated < self.threshold)) if self.generated.size else 0.0

    @property
    def copying(self) -> bool:
        return self.near_copy_share >= COPYING_SHARE

    @property
    def copying_some(self) -> bool:
        """More near-copies than real images make (twice their rate or more), short of `copying`."""
        return SOME_COPYING_SHARE <= self.near_copy_share < COPYING_SHARE

    @property
    def median_ratio(self) -> float:
        """Median generated distance over median held-out distance: ~1 for new samples from the
        data distribution, > 1 for worse ones, near 0 for copies."""
        real = float(np.median(self.held_out))
        return float(np.median(self.generated)) / real if real > 0 else float("inf")

    def closest(self, k: int) -> np.ndarray:
        """Indices of the k generated samples nearest to a training image: the most copy-like."""
        return np.argsort(self.generated, kind="stable")[:k]

    @property
    def real_name(self) -> str:
        """What the comparison curve is, in a student's words."""
        if self.held_out_kind == "held-out":
            return "real images G never saw"
        return "real images, each vs all the other training images"

    def sentence(self) -> str:
        """The verdict in one sentence, with the numbers behind it ("real images" as in `real_name`)."""
        share, ratio = self.near_copy_share, self.median_ratio
        real = "real images G never saw" if self.held_out_kind == "held-out" else "real images"
        if self.copying:
            return (
                f"G copies its training images: {share:.0%} of its samples are closer to a training image than "
                f"{1 - NEAR_COPY_QUANTILE:.0%} of {real} are (median distance {ratio:.2f}× theirs)."
            )
        if self.copying_some:
            return (
                f"Some copying: {share:.0%} of G's samples are near-copies of a training image, "
                f"{share / NEAR_COPY_QUANTILE:.0f}× the rate of {real} ({NEAR_COPY_QUANTILE:.0%}); the rest are "
                f"not (median distance of all {ratio:.2f}× theirs). The closest pairs are below."
            )
        if ratio > 1.25:
            return (
                f"No sign of copying: G's samples are further from their nearest training image than {real} are "
                f"(median {ratio:.2f}× theirs; {share:.0%} near-copies): new images, though further from any "
                "training image than real ones are (often a sign they are still rough)."
            )
        return (
            f"No sign of copying: G's samples are about as far from their nearest training image as {real} are "
            f"(median {ratio:.2f}× theirs; {share:.0%} near-copies, where {real} have {NEAR_COPY_QUANTILE:.0%})."
        )

    def pairs(self, generated: Any, training: Any, k: int = 8) -> tuple[np.ndarray, np.ndarray]:
        """(images, distances) for the k most copy-like samples: images (2k, H, W), the k generated
        samples above their k nearest training images, for a two-row grid."""
        idx = self.closest(k)
        gen = np.asarray(generated)[idx]
        near = np.asarray(training)[self.nearest[idx]]
        size = gen.shape[-2:]
        return np.concatenate([gen.reshape(len(idx), *size), near.reshape(len(idx), *size)]), self.generated[idx]


def memorisation_check(
    generated: Any,
    training: Any,
    held_out: Any | None = None,
    n_held_out: int = N_HELD_OUT,
    seed: int = 0,
) -> MemorisationReport:
    """Compare G's samples' nearest-training-image distances with those of unseen real images.

    `generated`, `training` and `held_out`: (n, ...) images in [0, 1]. Without `held_out` (every real
    image was trained on, as with the 1,797 digits), up to `n_held_out` training images are each
    compared with all the *other* training images (leave-one-out): statistically the same as a
    held-out image against a training set one image smaller."""
    train = _flat(training)
    gen_d, gen_i = nearest_neighbours(generated, train)
    if held_out is not None:
        real_d, _ = nearest_neighbours(held_out, train)
        kind = "held-out"
    else:
        rng = np.random.default_rng(seed)
        pick = np.sort(rng.choice(train.shape[0], size=min(n_held_out, train.shape[0]), replace=False))
        rest = np.ones(train.shape[0], dtype=bool)
        rest[pick] = False
        # Each picked image against every other training image: the others picked included.
        d, _ = nearest_neighbours(train[pick], train[pick], exclude_self=True)
        if rest.any():
            d_rest, _ = nearest_neighbours(train[pick], train[rest])
            d = np.minimum(d, d_rest)
        real_d, kind = d, "leave-one-out"
    return MemorisationReport(
        generated=gen_d,
        nearest=gen_i,
        held_out=real_d,
        held_out_kind=kind,
        threshold=float(np.quantile(real_d, NEAR_COPY_QUANTILE)),
        n_training=int(train.shape[0]),
    )


def generated_images(
    generator: torch.nn.Module, noise_dim: int, distribution: str = "gaussian", n: int = N_GENERATED, seed: int = 0
) -> np.ndarray:
    """n samples of a frozen generator (eval mode) from fresh noise of its own kind: (n, H, W) in [0, 1]."""
    rng = np.random.default_rng(seed)
    shape = (n, noise_dim)
    z = rng.standard_normal(shape) if distribution == "gaussian" else rng.uniform(-1.0, 1.0, shape)
    return decode(generator, z.astype(np.float32))
