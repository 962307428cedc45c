"""The Fréchet distance (the maths behind FID): one implementation, checked against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from gan_core.quality.frechet import frechet_distance, gaussian_stats


def test_frechet_distance_identical_is_zero() -> None:
    rng = np.random.default_rng(10)
    mu, sigma = gaussian_stats(rng.normal(size=(500, 6)) @ rng.normal(size=(6, 6)))
    assert mu.shape == (6,)
    assert sigma.shape == (6, 6)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_of_shifted_means_is_squared_shift() -> None:
    rng = np.random.default_rng(11)
    _, sigma = gaussian_stats(rng.normal(size=(300, 4)))
    mu1 = np.array([0.0, 1.0, 2.0, 3.0])
    mu2 = mu1 + np.array([1.0, -2.0, 0.5, 0.0])
    assert frechet_distance(mu1, sigma, mu2, sigma) == pytest.approx(1 + 4 + 0.25, rel=1e-7)


def test_frechet_distance_of_scaled_isotropic_covariances() -> None:
    # For a²I vs b²I in d dims, d² = d·(a - b)².
    d = 5
    got = frechet_distance(np.zeros(d), 4.0 * np.eye(d), np.zeros(d), 9.0 * np.eye(d))
    assert got == pytest.approx(d * (2.0 - 3.0) ** 2)


def test_frechet_distance_survives_rank_deficient_covariance() -> None:
    rng = np.random.default_rng(12)
    base = rng.normal(size=(10, 3))
    feats = np.concatenate([base, base @ rng.normal(size=(3, 7))], axis=1)  # 10 dims, rank 3
    mu, sigma = gaussian_stats(feats)
    assert np.linalg.eigvalsh(sigma).min() < 1e-8  # genuinely (near-)singular
    value = frechet_distance(mu, sigma, mu + 1.0, sigma)
    assert np.isfinite(value)
    assert value == pytest.approx(10.0, abs=1e-5)


def test_gaussian_stats_needs_two_samples() -> None:
    with pytest.raises(ValueError):
        gaussian_stats(np.zeros((1, 3)))


# --- issue 13 item 7: mass beyond the drawn window counts --------------------------------------------


def test_frechet_distance_matches_closed_forms() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    sigma = a @ a.T + np.eye(5)
    mu = rng.normal(size=5)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-8)
    assert frechet_distance(mu, sigma, mu + 2.0, sigma) == pytest.approx(4.0 * 5, rel=1e-6)
    d1, d2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 0.0])  # diagonal, one singular
    expected = np.sum((np.sqrt(d1) - np.sqrt(d2)) ** 2)
    assert frechet_distance(np.zeros(3), np.diag(d1), np.zeros(3), np.diag(d2)) == pytest.approx(expected)
