"""The metrics a teacher reads off the screen: mode coverage, divergences, D*, C(G), FID maths."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gan_core.data.base import Mixture
from gan_core.quality.metrics import (
    ModeMetrics,
    gan_value_at_optimum,
    gaussian_mixture_pdf,
    grid_divergences,
    js_divergence_from_densities,
    kde_1d,
    mode_metrics,
    optimal_discriminator,
)

trapezoid = getattr(np, "trapezoid", None) or np.trapz  # numpy < 2.0 has only trapz

# Share of a 2D isotropic Gaussian within 3 std of its centre (chi-square with 2 dof).
HQ_2D = 1.0 - math.exp(-9.0 / 2.0)  # ≈ 0.9889, not the 1D 99.7%


def ring8(std: float = 0.02) -> Mixture:
    # 2πk/8 for k = 0..7; linspace(0, 2π, 8) would repeat the first centre and give only 7.
    angles = 2.0 * np.pi * np.arange(8) / 8
    return Mixture(centers=2.0 * np.stack([np.cos(angles), np.sin(angles)], axis=1), std=std)


def grid25(std: float = 0.05) -> Mixture:
    xs = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])
    return Mixture(centers=np.array([(x, y) for x in xs for y in xs]), std=std)


def sample_modes(mixture: Mixture, modes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One sample around the centre of each listed mode."""
    centers = np.asarray(mixture.centers)
    return centers[modes] + rng.normal(scale=mixture.std, size=(len(modes), centers.shape[1]))


def perfect_samples(mixture: Mixture, n: int, rng: np.random.Generator) -> np.ndarray:
    k = len(mixture.centers)
    return sample_modes(mixture, np.arange(n) % k, rng)


# ---------------------------------------------------------------- mode coverage


def test_ring8_centres_are_distinct() -> None:
    centers = ring8().centers
    gaps = np.linalg.norm(centers[:, None] - centers[None], axis=-1) + np.eye(8) * 99
    assert gaps.min() > 1.0


def test_perfect_ring_covers_all_modes_with_expected_hq_share() -> None:
    rng = np.random.default_rng(0)
    mix = ring8()
    m = mode_metrics(perfect_samples(mix, 10_000, rng), mix)
    assert isinstance(m, ModeMetrics)
    assert m.n_modes == 8
    assert m.modes_covered == 8
    assert m.modes_covered_strict == 8
    # Binomial sd at n = 10,000 is ~0.001.
    assert m.hq_fraction == pytest.approx(HQ_2D, abs=0.005)
    assert m.mode_counts.shape == (8,)
    assert m.mode_counts.sum() == round(m.hq_fraction * 10_000)
    assert m.kl_to_uniform < 0.01


def test_collapse_to_one_mode_scores_high_quality_but_one_mode() -> None:
    """The trap %HQ alone falls into: collapse looks like ~99% quality."""
    rng = np.random.default_rng(1)
    mix = ring8()
    m = mode_metrics(sample_modes(mix, np.zeros(2_500, dtype=int), rng), mix)
    assert m.modes_covered == 1
    assert m.modes_covered_strict == 1
    assert m.hq_fraction > 0.97
    assert m.kl_to_uniform == pytest.approx(math.log(8), abs=1e-6)
    assert m.mode_counts[0] == m.mode_counts.sum()


def test_uniform_noise_in_the_box_is_low_quality() -> None:
    rng = np.random.default_rng(2)
    mix = ring8()
    m = mode_metrics(rng.uniform(-2.5, 2.5, size=(2_500, 2)), mix)
    # HQ discs cover 8·π·0.06² / 25 ≈ 0.4% of the box.
    assert m.hq_fraction < 0.02
    assert m.modes_covered_strict < m.n_modes


def test_one_stray_sample_counts_for_papers_rule_but_not_strict() -> None:
    rng = np.random.default_rng(3)
    mix = ring8()
    modes = np.append(np.arange(2_499) % 7, 7)  # modes 0..6 well fed, mode 7 gets one sample
    samples = sample_modes(mix, modes, rng)
    samples[-1] = mix.centers[7]  # exactly on the centre, so certainly HQ
    m = mode_metrics(samples, mix)
    assert m.modes_covered == 8
    assert m.modes_covered_strict == 7
    assert m.min_hq_per_mode == pytest.approx(20.0)


def test_strict_threshold_scales_with_sample_count() -> None:
    mix = ring8()
    centers = np.asarray(mix.centers)
    # 25,000 samples: mode 7 has 100 exact hits, below the scaled threshold of 200.
    modes = np.append(np.arange(24_900) % 7, np.full(100, 7))
    m = mode_metrics(centers[modes], mix)
    assert m.min_hq_per_mode == pytest.approx(200.0)
    assert m.modes_covered == 8
    assert m.modes_covered_strict == 7
    # The same 100 hits among 2,500 samples clear the threshold of 20.
    modes = np.append(np.arange(2_400) % 7, np.full(100, 7))
    assert mode_metrics(centers[modes], mix).modes_covered_strict == 8


def test_perfect_grid25_covers_all_25_modes() -> None:
    rng = np.random.default_rng(4)
    mix = grid25()
    m = mode_metrics(perfect_samples(mix, 2_500, rng), mix)
    assert m.n_modes == 25
    assert m.modes_covered == 25
    assert m.modes_covered_strict == 25
    assert m.hq_fraction == pytest.approx(HQ_2D, abs=0.015)
    assert m.kl_to_uniform < 0.05


def test_no_hq_samples_give_log_k_and_nothing_covered() -> None:
    mix = ring8()
    far = np.full((100, 2), 50.0)
    far[0] = np.nan  # a diverged generator's output must not crash or count
    m = mode_metrics(far, mix)
    assert m.modes_covered == 0
    assert m.hq_fraction == 0.0
    assert m.kl_to_uniform == pytest.approx(math.log(8))


def test_mode_metrics_accepts_torch_tensors_and_many_samples() -> None:
    rng = np.random.default_rng(5)
    mix = grid25()
    samples = perfect_samples(mix, 10_000, rng)
    from_numpy = mode_metrics(samples, mix)
    from_torch = mode_metrics(torch.tensor(samples, dtype=torch.float64, requires_grad=True), mix)
    assert from_torch.modes_covered == from_numpy.modes_covered == 25
    np.testing.assert_array_equal(from_torch.mode_counts, from_numpy.mode_counts)


def test_mode_counts_are_read_only() -> None:
    mix = ring8()
    m = mode_metrics(np.asarray(mix.centers), mix)
    with pytest.raises(ValueError):
        m.mode_counts[0] = 5


def test_mode_metrics_works_for_1d_mixture_with_flat_samples() -> None:
    mix = Mixture(centers=np.array([[-2.0], [2.0]]), std=0.1)
    m = mode_metrics(np.array([-2.0, -2.05, 5.0]), mix)
    assert m.modes_covered == 1
    assert m.hq_fraction == pytest.approx(2 / 3)


# ---------------------------------------------------------------- grid divergences


def test_grid_divergences_of_identical_samples_are_zero() -> None:
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2_500, 2))
    out = grid_divergences(x, x.copy())
    assert set(out) == {"kl", "js"}
    assert out["kl"] == pytest.approx(0.0, abs=1e-9)
    assert out["js"] == pytest.approx(0.0, abs=1e-9)


def test_grid_js_of_disjoint_samples_is_log_2() -> None:
    rng = np.random.default_rng(7)
    real = rng.normal(size=(2_500, 2))
    fake = rng.normal(size=(2_500, 2)) + 20.0
    out = grid_divergences(real, fake)
    assert out["js"] == pytest.approx(math.log(2), abs=1e-3)
    assert out["js"] <= math.log(2)
    assert 5.0 < out["kl"] < 30.0  # large but finite thanks to the smoothing epsilon


def test_grid_divergences_1d_and_given_bounds() -> None:
    rng = np.random.default_rng(8)
    real = rng.normal(size=5_000)
    close = rng.normal(size=5_000)
    shifted = rng.normal(size=5_000) + 1.5
    near = grid_divergences(real, close, bounds=(-5.0, 5.0))
    far = grid_divergences(real, shifted, bounds=(-5.0, 5.0))
    assert near["js"] < far["js"] < math.log(2)
    assert near["kl"] < far["kl"]
    # Samples outside the given box are clipped into edge cells, not silently dropped.
    out_of_box = grid_divergences(real, np.full(100, 50.0), bounds=(-5.0, 5.0))
    assert out_of_box["js"] == pytest.approx(math.log(2), abs=1e-3)


def test_grid_js_is_symmetric_but_kl_is_not() -> None:
    rng = np.random.default_rng(13)
    real = rng.normal(size=(2_500, 2))
    fake = rng.normal(scale=0.3, size=(2_500, 2)) + 0.5  # narrower: KL(real||fake) is larger
    forward, backward = grid_divergences(real, fake), grid_divergences(fake, real)
    assert forward["js"] == pytest.approx(backward["js"], rel=1e-12)
    assert 0.05 < forward["js"] < math.log(2)
    assert forward["kl"] > backward["kl"]


def test_default_bounds_are_the_union_plus_five_percent() -> None:
    rng = np.random.default_rng(14)
    real = rng.normal(size=(1_000, 2))
    fake = rng.normal(size=(1_000, 2)) + 1.0
    both = np.concatenate([real, fake])
    lo, hi = both.min(axis=0), both.max(axis=0)
    box = np.stack([lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)], axis=1)
    assert grid_divergences(real, fake) == pytest.approx(grid_divergences(real, fake, bounds=box))


def test_grid_divergences_accept_torch_and_reject_3d() -> None:
    x = torch.randn(500, 2, generator=torch.Generator().manual_seed(0))
    assert grid_divergences(x, x)["js"] == pytest.approx(0.0, abs=1e-9)
    with pytest.raises(ValueError):
        grid_divergences(np.zeros((10, 3)), np.zeros((10, 3)))


# ---------------------------------------------------------------- 1D textbook view


def test_gaussian_mixture_pdf_matches_formula_and_integrates_to_one() -> None:
    mix = Mixture(centers=np.array([[-1.0], [2.0]]), std=0.5, weights=np.array([3.0, 1.0]))
    x = np.linspace(-6, 7, 4_001)
    pdf = gaussian_mixture_pdf(x, mix)
    assert pdf.shape == x.shape
    assert trapezoid(pdf, x) == pytest.approx(1.0, abs=1e-6)

    def normal(v: float, mu: float, s: float) -> float:
        return math.exp(-0.5 * ((v - mu) / s) ** 2) / (s * math.sqrt(2 * math.pi))

    expected = 0.75 * normal(0.3, -1.0, 0.5) + 0.25 * normal(0.3, 2.0, 0.5)
    assert gaussian_mixture_pdf(np.array([0.3]), mix)[0] == pytest.approx(expected)


def test_gaussian_mixture_pdf_2d_integrates_to_one() -> None:
    mix = ring8(std=0.3)
    g = np.linspace(-4, 4, 401)
    xx, yy = np.meshgrid(g, g)
    pdf = gaussian_mixture_pdf(np.stack([xx.ravel(), yy.ravel()], axis=1), mix).reshape(xx.shape)
    assert trapezoid(trapezoid(pdf, g, axis=1), g) == pytest.approx(1.0, abs=1e-4)


def test_kde_integrates_to_one_and_tracks_the_true_density() -> None:
    rng = np.random.default_rng(9)
    samples = rng.normal(size=10_000)  # large n: must still run through the chunked path
    x = np.linspace(-6, 6, 400)
    density = kde_1d(samples, x)
    assert density.shape == x.shape
    assert trapezoid(density, x) == pytest.approx(1.0, abs=1e-3)
    true = np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)
    assert np.max(np.abs(density - true)) < 0.03


def test_kde_of_one_sample_is_its_kernel() -> None:
    x = np.linspace(-3, 3, 7)
    out = kde_1d(torch.tensor([0.0]), x, bandwidth=1.0)
    np.testing.assert_allclose(out, np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi))


def test_kde_of_collapsed_samples_is_finite_and_normalised() -> None:
    x = np.linspace(-3, 3, 601)
    density = kde_1d(np.full(1_000, 0.5), x)
    assert np.all(np.isfinite(density))
    assert trapezoid(density, x) == pytest.approx(1.0, abs=1e-2)
    assert x[np.argmax(density)] == pytest.approx(0.5)


def test_optimal_discriminator() -> None:
    p = np.array([0.2, 0.0, 0.3, 0.0, 1.0])
    q = np.array([0.2, 0.0, 0.1, 0.5, 0.0])
    d = optimal_discriminator(p, q)
    np.testing.assert_allclose(d, [0.5, 0.5, 0.75, 0.0, 1.0])


def test_js_from_densities_identical_is_zero_and_value_is_minus_log4() -> None:
    x = np.linspace(-8, 8, 2_001)
    p = np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)
    js = js_divergence_from_densities(p, p.copy(), x)
    assert js == pytest.approx(0.0, abs=1e-12)
    assert gan_value_at_optimum(js) == pytest.approx(-math.log(4))
    assert np.allclose(optimal_discriminator(p, p), 0.5)


def test_js_from_densities_renormalises_over_the_grid() -> None:
    x = np.linspace(-8, 8, 2_001)
    p = np.exp(-0.5 * x**2)  # unnormalised: mass √(2π)
    q = np.exp(-0.5 * (x - 1) ** 2) / math.sqrt(2 * math.pi)
    assert js_divergence_from_densities(p, 3.0 * p, x) == pytest.approx(0.0, abs=1e-12)
    assert js_divergence_from_densities(p, q, x) == pytest.approx(
        js_divergence_from_densities(p / math.sqrt(2 * math.pi), q, x), rel=1e-9
    )


def test_js_from_densities_disjoint_is_log2_and_value_is_zero() -> None:
    x = np.linspace(-10, 30, 8_001)
    p = np.exp(-0.5 * x**2)
    q = np.exp(-0.5 * (x - 20) ** 2)
    js = js_divergence_from_densities(p, q, x)
    assert js == pytest.approx(math.log(2), abs=1e-6)
    assert gan_value_at_optimum(js) == pytest.approx(0.0, abs=1e-5)


def test_js_from_densities_is_between_for_overlap() -> None:
    x = np.linspace(-10, 11, 4_001)
    p = np.exp(-0.5 * x**2)
    q = np.exp(-0.5 * (x - 1) ** 2)
    js = js_divergence_from_densities(p, q, x)
    assert 0.05 < js < 0.5 * math.log(2)
    assert js == pytest.approx(js_divergence_from_densities(q, p, x))  # symmetric


# ---------------------------------------------------------------- Fréchet distance


def test_js_with_outside_mass_counts_what_the_grid_does_not_reach() -> None:
    """Half of p_g sits far beyond the window: renormalising over the window (the old code) made the
    half that is there look like all of p_g; the outside mass must keep JS at its true value."""
    x = np.linspace(-5, 5, 2001)
    p = np.exp(-0.5 * x**2) / math.sqrt(2 * math.pi)
    q = 0.5 * p  # the other half of G's mass is at x = 100
    # M = 0.75 N(0, 1) + 0.25 δ(100): KL(P‖M) = log(4/3), KL(Q‖M) = ½ log(⅔) + ½ log 2.
    true_js = 0.5 * math.log(4 / 3) + 0.5 * (0.5 * math.log(2 / 3) + 0.5 * math.log(2))
    assert js_divergence_from_densities(p, q, x) == pytest.approx(0.0, abs=1e-6)  # renormalised: lost
    got = js_divergence_from_densities(p, q, x, outside=(0.0, 0.5))
    assert got == pytest.approx(true_js, abs=1e-4)
    assert js_divergence_from_densities(p, p, x, outside=(0.0, 0.0)) == pytest.approx(0.0, abs=1e-6)
    assert js_divergence_from_densities(p, 0 * p, x, outside=(0.0, 1.0)) == pytest.approx(math.log(2), abs=1e-6)


def test_kde_and_mixture_tails_beyond_a_window() -> None:
    from gan_core.quality.metrics import kde_mass_outside, mixture_mass_outside

    samples = np.array([0.0, 10.0])
    assert kde_mass_outside(samples, -3.0, 3.0, bandwidth=1.0) == pytest.approx(0.5 + 0.5 * math.erfc(3 / math.sqrt(2)))
    grid = np.linspace(-3, 3, 4001)
    inside = np.trapezoid(kde_1d(samples, grid, bandwidth=1.0), grid) if hasattr(np, "trapezoid") else None
    if inside is not None:
        assert 1 - inside == pytest.approx(kde_mass_outside(samples, -3.0, 3.0, 1.0), abs=1e-5)
    mix = Mixture(centers=np.array([[-2.0], [2.0]]), std=0.5)
    assert mixture_mass_outside(mix, -2.0, 2.0) == pytest.approx(0.5)
    assert mixture_mass_outside(mix, -10.0, 10.0) == pytest.approx(0.0, abs=1e-12)


def test_density_window_follows_g_but_not_to_its_far_outliers() -> None:
    from gan_core.quality.metrics import density_window

    assert density_window((0.0, 4.0), np.linspace(1, 3, 100)) == (0.0, 4.0)  # inside: unchanged
    lo, hi = density_window((0.0, 4.0), np.linspace(-3, 3, 1000))
    assert lo < -2.9 and hi == 4.0
    lo, hi = density_window((0.0, 4.0), np.full(1000, 1e6))
    assert (lo, hi) == (0.0, 8.0)  # at most one window width further


def test_digits_metrics_count_confident_classes_only() -> None:
    """The confident histogram is the one the coverage rule counts (metrics.CLASS_COVERAGE)."""
    from gan_core.data.images import load_digits_arrays
    from gan_core.quality.classifier import digits_metrics

    images = load_digits_arrays()[0][:500]
    grey = np.full((500, 8, 8), 0.3, dtype=np.float32)
    real, noise = digits_metrics(images), digits_metrics(grey)
    assert sum(real["confident_hist"]) > 450 and real["coverage_threshold"] == 10.0
    assert sum(noise["class_hist"]) == 500 and noise["class_coverage"] == 0
    assert all(c <= h for c, h in zip(noise["confident_hist"], noise["class_hist"]))
