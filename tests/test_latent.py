"""Latent-space maths: what the Latent space page promises a student."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_core import latent


def gaussian_pair(seed_a: int = 1, seed_b: int = 2, d: int = 32):
    return latent.noise_for_seed(seed_a, d), latent.noise_for_seed(seed_b, d)


def test_noise_for_seed_is_deterministic_and_distinct():
    a1, a2 = latent.noise_for_seed(7, 32), latent.noise_for_seed(7, 32)
    assert a1.dtype == np.float32 and a1.shape == (32,)
    np.testing.assert_array_equal(a1, a2)
    assert not np.allclose(a1, latent.noise_for_seed(8, 32))
    u = latent.noise_for_seed(7, 500, "uniform")
    assert u.min() >= -1 and u.max() <= 1 and u.std() > 0.4
    g = latent.noise_for_seed(7, 5000)
    assert abs(g.mean()) < 0.1 and abs(g.std() - 1) < 0.1


@pytest.mark.parametrize(
    "bad", [dict(seed=-1, noise_dim=4), dict(seed=1, noise_dim=0), dict(seed=1, noise_dim=4, distribution="cauchy")]
)
def test_noise_for_seed_rejects_bad_input(bad):
    with pytest.raises(ValueError):
        latent.noise_for_seed(**bad)


@pytest.mark.parametrize("fn", [latent.lerp, latent.slerp])
def test_endpoints_are_exact(fn):
    z0, z1 = gaussian_pair()
    np.testing.assert_array_equal(fn(z0, z1, 0.0), z0)
    np.testing.assert_array_equal(fn(z0, z1, 1.0), z1)
    path = latent.interpolation_path(z0, z1, 9, "linear" if fn is latent.lerp else "spherical")
    assert path.shape == (9, 32)
    np.testing.assert_array_equal(path[0], z0)
    np.testing.assert_array_equal(path[-1], z1)


def test_lerp_midpoint_and_shapes():
    z0, z1 = np.zeros(3), np.array([2.0, 4.0, -6.0])
    np.testing.assert_allclose(latent.lerp(z0, z1, 0.5), [1, 2, -3])
    assert latent.lerp(z0, z1, [0, 0.5, 1]).shape == (3, 3)


def test_slerp_stays_on_the_gaussian_shell_where_lerp_cuts_inside():
    """The reason for slerp: its norms stay between the endpoints' norms; the straight line's
    midpoint falls well inside the shell (norm ~ sqrt(d/2) for independent Gaussian z)."""
    ts = np.linspace(0, 1, 21)
    for seed in range(10):
        z0, z1 = gaussian_pair(seed, seed + 100, d=64)
        n0, n1 = np.linalg.norm(z0), np.linalg.norm(z1)
        norms = np.linalg.norm(latent.slerp(z0, z1, ts), axis=1)
        assert np.all(norms >= min(n0, n1) - 1e-4) and np.all(norms <= max(n0, n1) + 1e-4)
        mid_lerp = np.linalg.norm(latent.lerp(z0, z1, 0.5))
        assert mid_lerp < 0.85 * min(n0, n1)


def test_slerp_turns_at_constant_angular_speed():
    z0, z1 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    path = latent.slerp(z0, z1, np.linspace(0, 1, 5))
    angles = np.degrees(np.arctan2(path[:, 1], path[:, 0]))
    np.testing.assert_allclose(angles, [0, 22.5, 45, 67.5, 90], atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(path, axis=1), 1.0, atol=1e-6)


def test_slerp_is_robust_for_parallel_opposite_and_zero_vectors():
    z = latent.noise_for_seed(3, 16)
    near = z * 2.0 + 1e-9  # nearly parallel, different length
    out = latent.slerp(z, near, np.linspace(0, 1, 7))
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[3], 1.5 * z, rtol=1e-4)
    opposite = latent.slerp(z, -z, np.linspace(0, 1, 7))
    assert np.isfinite(opposite).all()
    np.testing.assert_allclose(np.linalg.norm(opposite, axis=1), np.linalg.norm(z), rtol=1e-5)
    np.testing.assert_allclose(opposite[-1], -z, atol=1e-6)
    zero = latent.slerp(np.zeros(16), z, 0.5)
    np.testing.assert_allclose(zero, 0.5 * z, rtol=1e-6)


def test_interpolation_path_validates():
    z0, z1 = gaussian_pair()
    with pytest.raises(ValueError, match="mode"):
        latent.interpolation_path(z0, z1, 5, "cubic")
    with pytest.raises(ValueError, match="n must"):
        latent.interpolation_path(z0, z1, 1)
    with pytest.raises(ValueError, match="same length"):
        latent.lerp(z0, z1[:5], 0.5)


def test_walk_dimension_changes_only_that_dimension():
    z = latent.noise_for_seed(1, 8)
    walk = latent.walk_dimension(z, 3, np.linspace(-2, 2, 5))
    assert walk.shape == (5, 8)
    np.testing.assert_allclose(walk[:, 3], np.linspace(-2, 2, 5))
    np.testing.assert_array_equal(np.delete(walk, 3, axis=1), np.repeat(np.delete(z, 3)[None], 5, 0))
    with pytest.raises(ValueError, match="dim"):
        latent.walk_dimension(z, 8, [0.0])


def test_latent_plane_grid_layout():
    c = np.zeros(2)
    grid = latent.latent_plane(c, latent.axis(0, 2), latent.axis(1, 2), 3, 2.0)
    assert grid.shape == (3, 3, 2)
    np.testing.assert_allclose(grid[1, 1], [0, 0])
    np.testing.assert_allclose(grid[0, 0], [-2, 2])  # top-left: d1 negative, d2 positive
    np.testing.assert_allclose(grid[2, 2], [2, -2])
    with pytest.raises(ValueError):
        latent.latent_plane(c, latent.axis(0, 2), latent.axis(1, 2), 3, -1.0)


def test_plane_through_three_seeds_has_them_at_its_corners():
    """The page's default plane: A bottom-left, B bottom-right, C top-left."""
    a, b, c = (latent.noise_for_seed(s, 16) for s in (1, 2, 3))
    grid = latent.latent_plane((b + c) / 2, (b - a) / 2, (c - a) / 2, 5, 1.0)
    np.testing.assert_allclose(grid[-1, 0], a, atol=1e-5)
    np.testing.assert_allclose(grid[-1, -1], b, atol=1e-5)
    np.testing.assert_allclose(grid[0, 0], c, atol=1e-5)


def test_decode_maps_tanh_images_to_unit_range():
    class G(torch.nn.Module):
        def forward(self, z):
            return torch.tanh(z[:, :1, None, None].expand(-1, 1, 4, 4) * 10)

    out = latent.decode(G().eval(), np.array([[-1.0, 0.0], [1.0, 0.0]], np.float32))
    assert out.shape == (2, 4, 4)
    np.testing.assert_allclose(out[0], 0.0, atol=1e-4)
    np.testing.assert_allclose(out[1], 1.0, atol=1e-4)


@pytest.mark.parametrize("distribution", ["gaussian", "uniform"])
def test_typical_norm_is_where_the_noise_lives(distribution):
    """The latent page's "‖z‖ ≈ ..." (issue 13, item 10): √d for Gaussian noise, √(d/3) for uniform."""
    d = 64
    norms = [np.linalg.norm(latent.noise_for_seed(seed, d, distribution)) for seed in range(400)]
    assert np.mean(norms) == pytest.approx(latent.typical_norm(d, distribution), rel=0.02)
    assert np.std(norms) < 0.15 * latent.typical_norm(d, distribution)  # a thin shell
    assert "uniform between −1 and 1" in latent.describe_noise(d, "uniform")
