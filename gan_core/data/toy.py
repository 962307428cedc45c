"""Toy data: 1D mixtures for the textbook view, 2D mixtures and shapes, user-supplied points."""

from __future__ import annotations

import csv
import io
import math

import numpy as np
import torch

from gan_core.data.base import Dataset, Mixture

MAX_POINTS = 200_000  # a user CSV larger than this is rejected, not silently truncated
MIN_POINTS = 8


def ring_centers(k: int = 8, radius: float = 2.0) -> np.ndarray:
    """k centres on a circle. 2πi/k for i < k: linspace(0, 2π, k) would repeat the first one."""
    angles = 2 * np.pi * np.arange(k) / k
    return np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1).astype(np.float32)


def grid_centers(values: tuple[float, ...] = (-4, -2, 0, 2, 4)) -> np.ndarray:
    xs, ys = np.meshgrid(values, values, indexing="ij")
    return np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)


def ring8() -> Dataset:
    return Dataset(
        "ring8",
        "2d",
        (2,),
        Mixture(ring_centers(8, 2.0), 0.02),
        description="8 Gaussians on a circle of radius 2, std 0.02",
    )


def grid25() -> Dataset:
    return Dataset(
        "grid25",
        "2d",
        (2,),
        Mixture(grid_centers(), 0.05),
        description="25 Gaussians on the grid {-4,-2,0,2,4}², std 0.05",
    )


def gauss1d() -> Dataset:
    return Dataset(
        "gauss1d",
        "1d",
        (1,),
        Mixture(np.array([[2.0]], np.float32), 0.5),
        description="one Gaussian N(2, 0.5²) — the textbook picture",
    )


def bimodal1d() -> Dataset:
    return Dataset(
        "bimodal1d",
        "1d",
        (1,),
        Mixture(np.array([[-2.0], [2.0]], np.float32), 0.4),
        description="two Gaussians at ±2, std 0.4: a 1D mode-collapse demo",
    )


def _points(name: str, points: np.ndarray, description: str) -> Dataset:
    return Dataset(name, "2d", (2,), data=torch.as_tensor(points, dtype=torch.float32), description=description)


def spiral(n: int = 4000, seed: int = 0) -> Dataset:
    """Two-turn spiral with a little noise, scaled to about [-4, 4]²."""
    rng = np.random.default_rng(seed)
    t = np.sqrt(rng.uniform(0.02, 1.0, n)) * 4 * np.pi
    r = t / (4 * np.pi) * 3.6
    pts = np.stack([r * np.cos(t), r * np.sin(t)], 1) + rng.normal(0, 0.06, (n, 2))
    return _points("spiral", pts, "a two-turn spiral")


def moons(n: int = 4000, seed: int = 0) -> Dataset:
    """Two interleaving half circles (the classic 'two moons'), centred, about [-2.5, 2.5]²."""
    rng = np.random.default_rng(seed)
    half = n // 2
    a = rng.uniform(0, np.pi, half)
    b = rng.uniform(0, np.pi, n - half)
    upper = np.stack([np.cos(a), np.sin(a)], 1)
    lower = np.stack([1 - np.cos(b), 0.5 - np.sin(b)], 1)
    pts = (np.concatenate([upper, lower]) - [0.5, 0.25]) * 2.0 + rng.normal(0, 0.05, (n, 2))
    return _points("moons", pts, "two interleaving half circles")


def points_dataset(points: np.ndarray, name: str = "custom") -> Dataset:
    """User points (n, 2): validated, then standardised to the toy scale so the same nets fit."""
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points must have exactly 2 columns (x, y); got shape {pts.shape}")
    if not np.all(np.isfinite(pts)):
        bad = int(np.sum(~np.all(np.isfinite(pts), axis=1)))
        raise ValueError(f"{bad} point(s) are NaN or infinite; remove them and try again")
    if len(pts) < MIN_POINTS:
        raise ValueError(f"need at least {MIN_POINTS} points, got {len(pts)}")
    if len(pts) > MAX_POINTS:
        raise ValueError(f"too many points: {len(pts):,} (the limit is {MAX_POINTS:,}); subsample first")
    centre = pts.mean(0)
    scale = float(np.abs(pts - centre).max())
    if scale == 0 or not math.isfinite(scale):
        raise ValueError("all points are identical: a GAN needs a spread of points to learn")
    scaled = (pts - centre) / scale * 3.0  # fit in [-3, 3]², like the built-in sets
    ds = _points(name, scaled.astype(np.float32), f"{len(pts)} points you supplied")
    ds.extra["scale"] = (centre.tolist(), scale / 3.0)
    return ds


def parse_points_csv(text: str | bytes, max_bytes: int = 10_000_000) -> np.ndarray:
    """Parse 'x,y' rows (an optional header row is skipped). Raises ValueError with the bad line."""
    if isinstance(text, bytes):
        if len(text) > max_bytes:
            raise ValueError(f"file too large: {len(text):,} bytes (limit {max_bytes:,})")
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ValueError("the file is not UTF-8 text; save it as CSV with x,y columns") from None
    if not text.strip():
        raise ValueError("the file is empty; expected rows of x,y numbers")
    rows: list[tuple[float, float]] = []
    reader = csv.reader(io.StringIO(text))
    for lineno, row in enumerate(reader, start=1):
        cells = [c.strip() for c in row if c.strip() != ""]
        if not cells:
            continue
        if len(cells) != 2:
            raise ValueError(f"line {lineno}: expected 2 columns (x, y), found {len(cells)}: {','.join(row)[:60]!r}")
        try:
            x, y = float(cells[0]), float(cells[1])
        except ValueError:
            if lineno == 1 and not rows:
                continue  # a header such as "x,y"
            raise ValueError(f"line {lineno}: not numbers: {','.join(row)[:60]!r}") from None
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError(f"line {lineno}: NaN or infinite value: {','.join(row)[:60]!r}")
        rows.append((x, y))
        if len(rows) > MAX_POINTS:
            raise ValueError(f"too many points: more than {MAX_POINTS:,}; subsample first")
    if not rows:
        raise ValueError("no x,y rows found")
    return np.asarray(rows, dtype=np.float64)


TOY_BUILDERS = {
    "gauss1d": gauss1d,
    "bimodal1d": bimodal1d,
    "ring8": ring8,
    "grid25": grid25,
    "spiral": spiral,
    "moons": moons,
}
