"""Latent-space maths: paths, walks and planes through the generator's noise space.

Pure numpy (float32 vectors `z` of length `noise_dim`), plus `decode`, which runs a frozen
generator on a batch of such vectors. A page picks two seeds, builds a path with these
functions and shows G along it: smooth changes mean G learned a continuous latent space.

Why spherical interpolation: a d-dimensional standard Gaussian puts almost all its mass on a
thin shell of radius ~sqrt(d) (uniform noise on [-1, 1]^d: ~sqrt(d/3), `typical_norm`). The
straight line between two samples cuts through the inside of that shell (its midpoint has norm
~1/sqrt(2) of it), where G saw almost no training noise, so linear midpoints can look washed
out. `slerp` walks along the shell instead (for uniform noise it can leave the cube).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch

DISTRIBUTIONS = ("gaussian", "uniform")
MODES = ("linear", "spherical")
_PARALLEL = 1e-6  # below this angle (radians) two directions count as the same one


def _vector(z: Sequence[float] | np.ndarray, name: str = "z") -> np.ndarray:
    v = np.asarray(z, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D latent vector, got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError(f"{name} must be finite")
    return v


def _pair(z0, z1) -> tuple[np.ndarray, np.ndarray]:
    a, b = _vector(z0, "z0"), _vector(z1, "z1")
    if a.shape != b.shape:
        raise ValueError(f"z0 and z1 must have the same length, got {a.size} and {b.size}")
    return a, b


def _ts(t: float | Sequence[float] | np.ndarray) -> tuple[np.ndarray, bool]:
    """t as a column of shape (n, 1), and whether it was a scalar."""
    arr = np.asarray(t, dtype=np.float64)
    if not np.isfinite(arr).all():
        raise ValueError("t must be finite")
    return arr.reshape(-1, 1), arr.ndim == 0


def lerp(z0, z1, t) -> np.ndarray:
    """Straight-line interpolation (1 - t) z0 + t z1; t a number (-> (d,)) or a sequence (-> (n, d))."""
    a, b = _pair(z0, z1)
    ts, scalar = _ts(t)
    out = ((1.0 - ts) * a + ts * b).astype(np.float32)
    return out[0] if scalar else out


def _perpendicular(u: np.ndarray) -> np.ndarray:
    """A unit vector orthogonal to unit vector u (deterministic): the axis u points least along."""
    if u.size == 1:
        raise ValueError("opposite 1-D latent vectors have no path around the sphere")
    e = np.zeros_like(u)
    e[int(np.argmin(np.abs(u)))] = 1.0
    p = e - (e @ u) * u
    return p / np.linalg.norm(p)


def slerp(z0, z1, t) -> np.ndarray:
    """Spherical interpolation: the direction turns at constant speed along the great circle
    from z0 to z1 while the length moves linearly from |z0| to |z1|.

    So every point's norm lies between the endpoints' norms (on the Gaussian shell when both
    are Gaussian samples), and t = 0 / 1 give z0 / z1 exactly. Robust at the corners: nearly
    parallel directions fall back to a normalised straight line, opposite ones turn through a
    fixed perpendicular direction, a zero vector interpolates linearly.
    """
    a, b = _pair(z0, z1)
    ts, scalar = _ts(t)
    na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
    if na == 0.0 or nb == 0.0:  # no direction to turn: the straight line is the only path
        return lerp(a, b, ts[0, 0] if scalar else ts[:, 0])
    ua, ub = a / na, b / nb
    cos = float(np.clip(ua @ ub, -1.0, 1.0))
    omega = math.acos(cos)
    if omega < _PARALLEL:
        direction = (1.0 - ts) * ua + ts * ub
    else:
        if math.pi - omega < _PARALLEL:  # opposite: any great circle works, pick a fixed one
            direction = np.cos(ts * math.pi) * ua + np.sin(ts * math.pi) * _perpendicular(ua)
        else:
            s = math.sin(omega)
            direction = (np.sin((1.0 - ts) * omega) / s) * ua + (np.sin(ts * omega) / s) * ub
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    out = direction * ((1.0 - ts) * na + ts * nb)
    # Exact endpoints: no round-off at t = 0 and t = 1, so a path starts and ends on the seeds.
    out = np.where(ts == 0.0, a, np.where(ts == 1.0, b, out)).astype(np.float32)
    return out[0] if scalar else out


def interpolation_path(z0, z1, n: int, mode: str = "spherical") -> np.ndarray:
    """n evenly spaced points from z0 to z1 (both included): (n, d)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}, got {mode!r}")
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be a whole number >= 2, got {n!r}")
    ts = np.linspace(0.0, 1.0, int(n))
    return (lerp if mode == "linear" else slerp)(z0, z1, ts)


def walk_dimension(z, dim: int, values: Sequence[float] | np.ndarray) -> np.ndarray:
    """Copies of z with coordinate `dim` set to each of `values`: (len(values), d)."""
    v = _vector(z)
    if not isinstance(dim, (int, np.integer)) or not 0 <= dim < v.size:
        raise ValueError(f"dim must be between 0 and {v.size - 1}, got {dim!r}")
    vals = np.asarray(values, dtype=np.float64).reshape(-1)
    if vals.size == 0 or not np.isfinite(vals).all():
        raise ValueError("values must be a non-empty sequence of finite numbers")
    out = np.repeat(v[None, :], vals.size, axis=0)
    out[:, dim] = vals
    return out.astype(np.float32)


def axis(dim: int, noise_dim: int) -> np.ndarray:
    """The unit vector along latent dimension `dim`."""
    if not 0 <= dim < noise_dim:
        raise ValueError(f"dim must be between 0 and {noise_dim - 1}, got {dim}")
    e = np.zeros(noise_dim, dtype=np.float32)
    e[dim] = 1.0
    return e


def latent_plane(center, d1, d2, n: int, extent: float) -> np.ndarray:
    """An n x n grid on the plane through `center` spanned by directions d1 and d2: (n, n, d).

    Point [i, j] = center + u[j] * d1 + v[i] * d2 with u = linspace(-extent, extent, n) and
    v = linspace(extent, -extent, n), so as an image grid d1 grows to the right and d2 upwards.
    For a model with 2-D noise, center 0 and the two axes, this is a map of the whole latent space.
    """
    c = _vector(center, "center")
    e1, e2 = _vector(d1, "d1"), _vector(d2, "d2")
    if e1.shape != c.shape or e2.shape != c.shape:
        raise ValueError("center, d1 and d2 must have the same length")
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be a whole number >= 2, got {n!r}")
    if not (math.isfinite(extent) and extent > 0):
        raise ValueError(f"extent must be a positive number, got {extent!r}")
    u = np.linspace(-extent, extent, int(n))
    v = np.linspace(extent, -extent, int(n))
    grid = c + u[None, :, None] * e1 + v[:, None, None] * e2
    return grid.astype(np.float32)


def noise_for_seed(seed: int, noise_dim: int, distribution: str = "gaussian") -> np.ndarray:
    """The latent vector a seed stands for, the same on every machine: (noise_dim,) float32.

    Same distributions as training (trainer.sample_noise): N(0, I), or uniform on [-1, 1].
    """
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {', '.join(DISTRIBUTIONS)}, got {distribution!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ValueError(f"seed must be a whole number >= 0, got {seed!r}")
    if not isinstance(noise_dim, (int, np.integer)) or noise_dim < 1:
        raise ValueError(f"noise_dim must be a whole number >= 1, got {noise_dim!r}")
    rng = np.random.default_rng(int(seed))
    if distribution == "gaussian":
        z = rng.standard_normal(int(noise_dim))
    else:
        z = rng.uniform(-1.0, 1.0, int(noise_dim))
    return z.astype(np.float32)


def typical_norm(noise_dim: int, distribution: str = "gaussian") -> float:
    """‖z‖ of typical training noise: √d for N(0, I) (each coordinate has E z² = 1), √(d/3) for
    uniform noise on [-1, 1] (E z² = 1/3). In many dimensions both concentrate on a thin shell
    of that radius, which is why a straight line between two samples cuts inside it."""
    if distribution not in DISTRIBUTIONS:
        raise ValueError(f"distribution must be one of {', '.join(DISTRIBUTIONS)}, got {distribution!r}")
    return math.sqrt(noise_dim if distribution == "gaussian" else noise_dim / 3.0)


def describe_noise(noise_dim: int, distribution: str = "gaussian") -> str:
    """The noise a generator was trained on, in a student's words."""
    numbers = f"{noise_dim} random number{'s' if noise_dim != 1 else ''}"
    if distribution == "gaussian":
        return f"{numbers}, each from a standard Gaussian"
    return f"{numbers}, each uniform between −1 and 1"


@torch.no_grad()
def decode(generator: torch.nn.Module, z: np.ndarray) -> np.ndarray:
    """G(z) for a batch of latent vectors: (n, H, W) images in [0, 1] (or (n, k) points).

    Expects a frozen generator in eval mode (TrainingRun.generator_copy, a loaded checkpoint).
    """
    batch = np.asarray(z, dtype=np.float32)
    if batch.ndim == 1:
        batch = batch[None, :]
    if batch.ndim != 2:
        raise ValueError(f"z must be (n, noise_dim), got shape {batch.shape}")
    out = generator(torch.from_numpy(np.ascontiguousarray(batch)))
    out = torch.nan_to_num(out.detach().float().cpu())
    if out.ndim == 4:  # (n, 1, H, W) in [-1, 1] from the tanh output
        return ((out.clamp(-1, 1) + 1) / 2).squeeze(1).numpy()
    return out.numpy()
