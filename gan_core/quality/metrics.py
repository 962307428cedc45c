"""Numbers that say how well a generator matches the data, cheap enough to refresh live.

Everything here is a pure numpy function. Inputs may be numpy arrays or torch tensors (they
are detached and copied to the CPU), so the trainer can pass its samples straight in. All maths
runs in float64: divergences of nearly equal histograms are differences of small numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from gan_core.data.base import Mixture

# A sample is "high quality" when it lies within this many standard deviations of its nearest
# mode centre (VEEGAN, Srivastava et al. 2017; PacGAN, Lin et al. 2018).
HQ_STDS = 3.0

# Probability mass added to every mode before KL(modes || uniform): keeps the log finite for
# empty modes while changing the value by far less than anything shown on screen.
MODE_KL_EPSILON = 1e-12

# Probability mass added to every histogram cell in `grid_divergences`: an empty cell would
# otherwise make KL(real || fake) infinite. It caps KL at about log(1 / 1e-8) ≈ 18 nats.
GRID_EPSILON = 1e-8

# --------------------------------------------------------------------------------------------
# What "covered" means: one rule per kind of data, used by every page, chart and test.
# --------------------------------------------------------------------------------------------

# 2D (and 1D) mixtures: a mode is covered when at least this many of every 2,500 samples are high
# quality on it (0.8 %). With 2,500 samples a blur that sprays a stray sample or two near most modes
# would otherwise read "8/8" while generating none of them.
MODE_MIN_PER_2500 = 20
# Image classes: covered when at least this share of the samples is classified as the class with at
# least this confidence (20 of the 1,000 scored). Argmax alone gives every blob a class: an untrained
# G's grey noise is all "8" to the classifier, at 10 % confidence.
CLASS_MIN_SHARE = 0.02
CLASS_MIN_CONFIDENCE = 0.5


@dataclass(frozen=True)
class CoverageRule:
    """The one meaning of "covered" for a kind of data, and how the pages say it.

    `key` is the metric whose value is the count; `second_key`, where set, is a looser count shown
    beside it where the gap teaches something."""

    key: str
    label: str  # short, for tile labels, legends and axes: names the rule
    help: str  # one or two sentences for help texts
    second_key: str | None = None
    second_label: str = ""


MODE_COVERAGE = CoverageRule(
    key="modes_covered_strict",
    label=f"modes covered (≥ {MODE_MIN_PER_2500} of 2,500 each)",
    help=f"A mode counts as covered when at least {MODE_MIN_PER_2500} of the 2,500 scored samples "
    f"({MODE_MIN_PER_2500 / 2500:.1%}) lie within {HQ_STDS:g} standard deviations of its centre, so a few stray "
    "samples do not count as generating it.",
    second_key="modes_covered",
    second_label="≥ 1 sample (VEEGAN's count)",
)
CLASS_COVERAGE = CoverageRule(
    key="class_coverage",
    label=f"classes covered (≥ {CLASS_MIN_SHARE * 1000:.0f} confident of 1,000)",
    help=f"A class counts as covered when at least {CLASS_MIN_SHARE:.0%} of the samples scored (20 of 1,000) "
    f"are classified as it with at least {CLASS_MIN_CONFIDENCE:.0%} confidence by the reference classifier: "
    "a blob the classifier is unsure about covers nothing.",
)

# numpy >= 2.0 renamed trapz to trapezoid; pyproject allows numpy 1.24.
_trapezoid = getattr(np, "trapezoid", None) or np.trapz

# Samples per KDE chunk: bounds memory at chunk × grid floats (~0.8 MB for 400 points).
_KDE_CHUNK = 256


def _as_numpy(x: Any) -> np.ndarray:
    """Float64 numpy view of an array or a torch tensor (which may need grad or live on a GPU)."""
    if hasattr(x, "detach"):
        x = x.detach().cpu()
    return np.asarray(x, dtype=np.float64)


def _as_points(x: Any, dim: int | None = None) -> np.ndarray:
    """Samples as an (n, d) array; a flat (n,) array is n one-dimensional points."""
    arr = _as_numpy(x)
    if arr.ndim == 0:
        arr = arr.reshape(1, 1)
    elif arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    elif arr.ndim > 2:
        arr = arr.reshape(arr.shape[0], -1)
    if dim is not None and arr.shape[1] != dim:
        raise ValueError(f"samples have dimension {arr.shape[1]}, expected {dim}")
    return arr


def _mixture_weights(mixture: Mixture) -> np.ndarray:
    k = np.asarray(mixture.centers).shape[0]
    if mixture.weights is None:
        return np.full(k, 1.0 / k)
    w = _as_numpy(mixture.weights).reshape(-1)
    if w.shape[0] != k:
        raise ValueError(f"mixture has {k} centres but {w.shape[0]} weights")
    return w / w.sum()


def _squared_distances(points: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """(n, k) squared Euclidean distances via one matmul (no (n, k, d) intermediate)."""
    d2 = (
        np.einsum("nd,nd->n", points, points)[:, None]
        - 2.0 * points @ centers.T
        + np.einsum("kd,kd->k", centers, centers)[None, :]
    )
    return np.maximum(d2, 0.0)  # cancellation can give -1e-16 for a point on a centre


# --------------------------------------------------------------------------------------------
# Mode coverage (VEEGAN / PacGAN protocol)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)  # eq=False: `==` on an array field would be ambiguous
class ModeMetrics:
    """Mode coverage of a batch of generated samples against a known Gaussian mixture.

    `hq_fraction` alone rewards mode collapse: a generator that puts every sample on one mode
    scores ~99% high quality. Always show it beside `modes_covered` (and `kl_to_uniform`).
    """

    n_modes: int
    modes_covered: int  # modes with >= 1 HQ sample (VEEGAN's count; the pages show it second)
    modes_covered_strict: int  # modes with >= `min_hq_per_mode` HQ samples: "covered" (MODE_COVERAGE)
    hq_fraction: float  # share of samples within 3 std of their nearest centre
    mode_counts: np.ndarray  # (k,) int: HQ samples per mode (read-only)
    kl_to_uniform: float  # KL(HQ mode histogram || uniform) in nats; 0 = perfect spread
    min_hq_per_mode: float  # the strict threshold used, already scaled to the sample count


def mode_metrics(samples: Any, mixture: Mixture, min_share_per_2500: int = MODE_MIN_PER_2500) -> ModeMetrics:
    """Score samples the way VEEGAN and PacGAN do on the ring and grid mixtures.

    A sample is high quality (HQ) when it lies within 3 std of its nearest mode centre; it then
    counts for that mode. A mode is covered (`modes_covered_strict`, the count every page shows:
    `MODE_COVERAGE`) if it has at least `min_share_per_2500` HQ samples per 2,500 samples
    (threshold scaled linearly with n, never below 1), so that one stray sample does not count
    as learning a mode; `modes_covered` is VEEGAN's looser count, any HQ sample at all.

    `kl_to_uniform` is KL(p || uniform) of the HQ samples' mode histogram, with
    `MODE_KL_EPSILON` (1e-12) added to each mode's share so empty modes stay finite; a fully
    collapsed generator scores ~log k. With no HQ sample at all it is log k, the largest value
    a histogram can reach. It compares against uniform even for a weighted mixture.

    Note that %HQ alone rewards collapse (a collapsed GAN scores ~99%): show it next to modes
    covered. Non-finite samples (a diverged generator) count as not HQ.
    """
    centers = np.atleast_2d(_as_numpy(mixture.centers))
    k, dim = centers.shape
    points = _as_points(samples, dim)
    n = points.shape[0]
    # Inf/NaN rows would poison the matmul; zero them and mark them not-HQ afterwards.
    finite = np.isfinite(points).all(axis=1)
    points = np.where(finite[:, None], points, 0.0)

    d2 = _squared_distances(points, centers)
    nearest = np.argmin(d2, axis=1)
    nearest_d2 = d2[np.arange(n), nearest]
    hq = finite & (nearest_d2 <= (HQ_STDS * float(mixture.std)) ** 2)

    counts = np.bincount(nearest[hq], minlength=k).astype(np.int64)
    counts.setflags(write=False)
    n_hq = int(counts.sum())
    threshold = max(1.0, min_share_per_2500 * n / 2500.0)

    if n_hq == 0:
        kl = float(np.log(k))
    else:
        p = counts / n_hq
        p = (p + MODE_KL_EPSILON) / (1.0 + k * MODE_KL_EPSILON)
        kl = max(0.0, float(np.sum(p * np.log(p * k))))

    return ModeMetrics(
        n_modes=int(k),
        modes_covered=int(np.count_nonzero(counts >= 1)),
        modes_covered_strict=int(np.count_nonzero(counts >= threshold)),
        hq_fraction=float(n_hq / n) if n else 0.0,
        mode_counts=counts,
        kl_to_uniform=kl,
        min_hq_per_mode=float(threshold),
    )


# --------------------------------------------------------------------------------------------
# Histogram divergences between two sample sets (1D or 2D)
# --------------------------------------------------------------------------------------------


def _grid_bounds(real: np.ndarray, fake: np.ndarray, bounds: Any, dim: int) -> np.ndarray:
    """(d, 2) lower/upper edges: given, or the union of both sets plus a 5% margin."""
    if bounds is not None:
        b = np.asarray(bounds, dtype=np.float64)
        if b.shape == (2,):
            b = np.tile(b, (dim, 1))  # one (lo, hi) pair applies to every axis
        if b.shape != (dim, 2):
            raise ValueError(f"bounds must be (lo, hi) or {dim} such pairs, got shape {b.shape}")
        lo, hi = b[:, 0].copy(), b[:, 1].copy()
    else:
        both = np.concatenate([real, fake], axis=0)
        if both.shape[0] == 0:
            lo, hi = np.full(dim, -1.0), np.full(dim, 1.0)
        else:
            lo, hi = both.min(axis=0), both.max(axis=0)
            margin = 0.05 * (hi - lo)
            lo, hi = lo - margin, hi + margin
    flat = hi - lo <= 0  # all points equal along an axis: give the bins some width
    lo[flat] -= 0.5
    hi[flat] += 0.5
    return np.stack([lo, hi], axis=1)


def _grid_histogram(points: np.ndarray, edges: np.ndarray, bins: int) -> np.ndarray:
    """Smoothed cell probabilities; points outside the bounds fall into the edge cells."""
    dim = points.shape[1]
    scaled = (points - edges[:, 0]) / (edges[:, 1] - edges[:, 0]) * bins
    idx = np.clip(np.floor(scaled), 0, bins - 1).astype(np.int64)
    flat = np.ravel_multi_index(tuple(idx.T), (bins,) * dim) if dim > 1 else idx[:, 0]
    counts = np.bincount(flat, minlength=bins**dim).astype(np.float64)
    total = counts.sum()
    p = counts / total if total > 0 else counts
    p += GRID_EPSILON
    return p / p.sum()


def grid_divergences(real: Any, fake: Any, bins: int = 50, bounds: tuple | None = None) -> dict[str, float]:
    """KL(real || fake) and Jensen-Shannon divergence (nats) of 1D or 2D samples on one grid.

    Both sets are binned on the same `bins`-per-axis grid, spanning `bounds` ((lo, hi) for
    every axis, or one pair per axis) or else the union of the data plus a 5% margin. Points
    outside given bounds are clipped into the edge cells, so mass that leaves the box still
    counts as a mismatch. Each cell gets `GRID_EPSILON` (1e-8) of probability before
    renormalising, so KL stays finite (at most ~18 nats) where the generator left a cell empty;
    JS needs no such help and is at most log 2. Non-finite samples are dropped.
    """
    r, f = _as_points(real), _as_points(fake)
    dim = r.shape[1]
    if f.shape[1] != dim:
        raise ValueError(f"real has dimension {dim} but fake has {f.shape[1]}")
    if dim not in (1, 2):
        raise ValueError(f"grid divergences are for 1D or 2D samples, got dimension {dim}")
    r = r[np.isfinite(r).all(axis=1)]
    f = f[np.isfinite(f).all(axis=1)]

    edges = _grid_bounds(r, f, bounds, dim)
    p = _grid_histogram(r, edges, bins)
    q = _grid_histogram(f, edges, bins)
    m = 0.5 * (p + q)
    kl = float(np.sum(p * np.log(p / q)))
    js = 0.5 * float(np.sum(p * np.log(p / m))) + 0.5 * float(np.sum(q * np.log(q / m)))
    return {"kl": max(0.0, kl), "js": float(np.clip(js, 0.0, np.log(2.0)))}


# --------------------------------------------------------------------------------------------
# Densities for the textbook 1D view (Goodfellow et al. 2014, Fig. 1)
# --------------------------------------------------------------------------------------------


def gaussian_mixture_pdf(x: Any, mixture: Mixture) -> np.ndarray:
    """Exact density of an isotropic Gaussian mixture at points x ((m,) for 1D, else (m, d)).

    Weights are uniform when the mixture has none.
    """
    centers = np.atleast_2d(_as_numpy(mixture.centers))
    dim = centers.shape[1]
    points = _as_points(x, dim)
    var = float(mixture.std) ** 2
    log_norm = -0.5 * dim * np.log(2.0 * np.pi * var)
    d2 = _squared_distances(points, centers)
    return np.exp(log_norm - d2 / (2.0 * var)) @ _mixture_weights(mixture)


def kde_1d(samples: Any, x: Any, bandwidth: float | None = None) -> np.ndarray:
    """Gaussian kernel density estimate of 1D samples on grid x: how we see p_g from samples.

    Bandwidth defaults to Scott's rule, std · n^(-1/5). Samples are processed in chunks so
    10,000 samples on a 400-point grid never build a 4M-entry matrix at once. Non-finite
    samples are dropped; with no samples the estimate is all zeros.
    """
    s = _as_numpy(samples).reshape(-1)
    s = s[np.isfinite(s)]
    grid = _as_numpy(x)
    flat_grid = grid.reshape(-1)
    n = s.shape[0]
    if n == 0:
        return np.zeros_like(grid)
    if bandwidth is None:
        sd = float(np.std(s, ddof=1)) if n > 1 else 0.0
        # Identical samples (a fully collapsed 1D generator) have sd 0; a zero-width spike would
        # vanish between grid points, so draw it two grid steps wide instead.
        if sd > 0:
            bandwidth = sd * n ** (-0.2)
        else:
            step = float(np.ptp(flat_grid)) / (flat_grid.size - 1) if flat_grid.size > 1 else 0.0
            bandwidth = 2.0 * step if step > 0 else 1.0
    h = float(bandwidth)
    if h <= 0:
        raise ValueError("bandwidth must be positive")

    # One reused buffer and in-place ops: fresh multi-MB temporaries per chunk cost more in
    # page faults than the maths. Exponents are floored at -700 because exp() of values that
    # underflow takes a slow path (~10x); exp(-700) ≈ 1e-304 changes no sum.
    grid_scaled, samples_scaled = flat_grid / h, s / h
    chunk = min(_KDE_CHUNK, n)
    buf = np.empty((chunk, flat_grid.size))
    ones = np.ones(chunk)
    density = np.zeros_like(flat_grid)
    for start in range(0, n, chunk):
        block = samples_scaled[start : start + chunk]
        z = buf[: block.size]
        np.subtract(grid_scaled[None, :], block[:, None], out=z)
        np.multiply(z, z, out=z)
        np.multiply(z, -0.5, out=z)
        np.maximum(z, -700.0, out=z)
        np.exp(z, out=z)
        density += ones[: block.size] @ z
    density /= n * h * np.sqrt(2.0 * np.pi)
    return density.reshape(grid.shape)


def optimal_discriminator(p_data: Any, p_g: Any, eps: float = 1e-12) -> np.ndarray:
    """D*(x) = p_data / (p_data + p_g), the best discriminator for a fixed generator.

    Where both densities are below `eps` neither distribution is there and D* is undefined;
    we return 0.5 (the discriminator cannot tell), which is also what D* is once p_g = p_data.
    """
    pd, pg = _as_numpy(p_data), _as_numpy(p_g)
    total = pd + pg
    defined = total > eps
    return np.divide(pd, total, out=np.full(np.broadcast(pd, pg).shape, 0.5), where=defined)


def js_divergence_from_densities(p: Any, q: Any, x: Any, outside: tuple[float, float] | None = None) -> float:
    """Jensen-Shannon divergence (nats, in [0, log 2]) of two densities sampled on grid x.

    Integrated with the trapezoidal rule; 0·log 0 is taken as 0. Without `outside`, each density is
    renormalised over the grid, which is right only when both have (nearly) all their mass on it.
    With `outside` = (p_out, q_out), the mass each distribution has beyond the grid, the densities
    are taken as they are and the outside is one more cell: mass that G puts where the grid does
    not reach still counts as a mismatch instead of disappearing (merging the outside into one
    cell can only lower the divergence, and is exact where p has no mass out there).
    """
    p, q, grid = _as_numpy(p), _as_numpy(q), _as_numpy(x)
    p = np.clip(p, 0.0, None)
    q = np.clip(q, 0.0, None)
    p_mass, q_mass = _trapezoid(p, grid), _trapezoid(q, grid)
    if outside is None:
        if p_mass <= 0 or q_mass <= 0:
            raise ValueError("both densities need positive mass on the grid")
        p, q = p / p_mass, q / q_mass
        lump = 0.0
    else:
        p_out, q_out = (min(max(float(v), 0.0), 1.0) for v in outside)
        if p_mass + p_out <= 0 or q_mass + q_out <= 0:
            raise ValueError("both distributions need positive mass")
        # Trapezoid error and the outside masses need not add to exactly 1: share it out.
        p_total, q_total = p_mass + p_out, q_mass + q_out
        p, q, p_out, q_out = p / p_total, q / q_total, p_out / p_total, q_out / q_total
        m_out = 0.5 * (p_out + q_out)
        lump = 0.5 * sum(a * np.log(a / m_out) for a in (p_out, q_out) if a > 0)
    m = 0.5 * (p + q)

    def _kl_integrand(a: np.ndarray) -> np.ndarray:
        out = np.zeros_like(a)
        pos = a > 0  # where a > 0, m >= a / 2 > 0
        out[pos] = a[pos] * np.log(a[pos] / m[pos])
        return out

    js = 0.5 * _trapezoid(_kl_integrand(p) + _kl_integrand(q), grid) + lump
    return float(np.clip(js, 0.0, np.log(2.0)))


def kde_mass_outside(samples: Any, lo: float, hi: float, bandwidth: float) -> float:
    """Share of a Gaussian KDE's mass (`kde_1d` with this bandwidth) below lo or above hi: where
    G's samples lie beyond a drawn window. Exact (normal tails), not a sum over grid points."""
    s = _as_numpy(samples).reshape(-1)
    s = s[np.isfinite(s)]
    if s.size == 0:
        return 0.0
    h = float(bandwidth) * np.sqrt(2.0)
    below = 0.5 * _erfc((s - lo) / h)
    above = 0.5 * _erfc((hi - s) / h)
    return float(np.clip(np.mean(below + above), 0.0, 1.0))


def mixture_mass_outside(mixture: Mixture, lo: float, hi: float) -> float:
    """Share of a 1D Gaussian mixture's mass below lo or above hi."""
    centers = _as_numpy(mixture.centers).reshape(-1)
    h = float(mixture.std) * np.sqrt(2.0)
    tails = 0.5 * _erfc((centers - lo) / h) + 0.5 * _erfc((hi - centers) / h)
    return float(np.clip(tails @ _mixture_weights(mixture), 0.0, 1.0))


def scott_bandwidth(samples: Any) -> float | None:
    """The bandwidth `kde_1d` picks by default (Scott's rule, std · n^(-1/5)); None where the samples
    have no spread (kde_1d then draws a spike two grid steps wide)."""
    s = _as_numpy(samples).reshape(-1)
    s = s[np.isfinite(s)]
    if s.size < 2:
        return None
    sd = float(np.std(s, ddof=1))
    return sd * s.size ** (-0.2) if sd > 0 else None


def _erfc(z: np.ndarray) -> np.ndarray:
    """Complementary error function on arrays (numpy has none; torch's runs in C, in float64)."""
    return torch.special.erfc(torch.as_tensor(np.asarray(z, dtype=np.float64))).numpy()


def density_window(real_bounds: Any, fake: Any, reach: float = 1.0) -> tuple[float, float]:
    """The 1D view's x range: the real data's window, widened to cover where G puts its samples
    (their 0.5 % and 99.5 % quantiles), but by at most `reach` times the real window's width on each
    side, so a few far-flung samples cannot squash the picture (their mass is counted as outside)."""
    lo, hi = (float(v) for v in np.asarray(real_bounds, dtype=np.float64).reshape(-1)[:2])
    f = _as_numpy(fake).reshape(-1)
    f = f[np.isfinite(f)]
    if f.size:
        width = hi - lo
        f_lo, f_hi = np.quantile(f, [0.005, 0.995])
        pad = 0.05 * width
        lo = max(min(lo, float(f_lo) - pad), lo - reach * width)
        hi = min(max(hi, float(f_hi) + pad), hi + reach * width)
    return lo, hi


def gan_value_at_optimum(js: float) -> float:
    """C(G) = V(D*, G) = -log 4 + 2·JSD(p_data || p_g): the generator's cost under the best D.

    Its minimum, -log 4 ≈ -1.386, is reached exactly when p_g = p_data (Goodfellow 2014, Thm 1).
    """
    return -np.log(4.0) + 2.0 * float(js)
