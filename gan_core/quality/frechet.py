"""The Fréchet distance between Gaussian fits of two feature sets: the maths behind FID.

The image pages fit a Gaussian to the reference classifier's features of G's samples and of real
images (gan_core.quality.classifier) and show the distance between them, with what two real samples
read (its floor). Written with `eigh` only: no scipy, no complex round-off.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gan_core.quality.metrics import _as_numpy, _as_points


def gaussian_stats(features: Any) -> tuple[np.ndarray, np.ndarray]:
    """Mean (d,) and covariance (d, d) of features (n, d), the summary FID compares.

    Extra trailing axes are flattened; a flat (n,) array is n one-dimensional features.
    """
    f = _as_points(features)
    if f.shape[0] < 2:
        raise ValueError("need at least two feature vectors to estimate a covariance")
    mu = f.mean(axis=0)
    sigma = np.atleast_2d(np.cov(f, rowvar=False))
    return mu, sigma


def _sqrtm_psd(a: np.ndarray) -> np.ndarray:
    """Symmetric square root of a PSD matrix; tiny negative eigenvalues (round-off) become 0."""
    vals, vecs = np.linalg.eigh(0.5 * (a + a.T))
    return (vecs * np.sqrt(np.clip(vals, 0.0, None))) @ vecs.T


def frechet_distance(mu1: Any, sigma1: Any, mu2: Any, sigma2: Any) -> float:
    """Fréchet (2-Wasserstein²) distance between N(mu1, sigma1) and N(mu2, sigma2).

    d² = |mu1 - mu2|² + tr(S1 + S2 - 2 (S1 S2)^½). The trace of (S1 S2)^½ equals that of the
    symmetric PSD matrix (S1^½ S2 S1^½)^½, so only `eigh` is needed (no scipy, no complex
    parts); eigenvalues made slightly negative by round-off, as in rank-deficient covariances
    from few samples, are clipped to 0.
    """
    m1, m2 = np.atleast_1d(_as_numpy(mu1)), np.atleast_1d(_as_numpy(mu2))
    s1, s2 = np.atleast_2d(_as_numpy(sigma1)), np.atleast_2d(_as_numpy(sigma2))
    d = m1.shape[0]
    if m2.shape != (d,) or s1.shape != (d, d) or s2.shape != (d, d):
        raise ValueError(f"shape mismatch: mu1 {m1.shape}, mu2 {m2.shape}, sigma1 {s1.shape}, sigma2 {s2.shape}")
    root1 = _sqrtm_psd(s1)
    middle = root1 @ s2 @ root1
    eig = np.linalg.eigvalsh(0.5 * (middle + middle.T))
    trace_sqrt = float(np.sum(np.sqrt(np.clip(eig, 0.0, None))))
    diff = m1 - m2
    value = float(diff @ diff) + float(np.trace(s1) + np.trace(s2)) - 2.0 * trace_sqrt
    return max(0.0, value)
