"""Does G memorise? A generator that hands back training images is flagged; a trained one is not."""

from __future__ import annotations

import numpy as np
import pytest
from figure_checks import assert_valid

from figures.memorisation import memorisation_figure
from gan_core.checkpoint import generator_from_checkpoint, load_checkpoint
from gan_core.data.images import assets_dir, load_digits_arrays
from gan_core.presets import get_preset
from gan_core.quality import memorisation as mem
from gan_core.trainer import Trainer


@pytest.fixture(scope="module")
def digits() -> np.ndarray:
    return load_digits_arrays()[0]  # (1797, 8, 8) in [0, 1]: every one of them is a training image


def test_nearest_neighbours_are_exact_and_can_leave_each_image_out():
    rng = np.random.default_rng(0)
    refs = rng.random((50, 4, 4)).astype(np.float32)
    d, i = mem.nearest_neighbours(refs[[3, 7]], refs)
    assert list(i) == [3, 7] and np.all(d == 0.0)  # an exact copy reads 0, not round-off
    d, i = mem.nearest_neighbours(refs, refs, exclude_self=True)
    assert np.all(i != np.arange(50)) and np.all(d > 0)
    brute = np.sqrt(((refs[:, None] - refs[None]) ** 2).mean(axis=(2, 3)))
    np.fill_diagonal(brute, np.inf)
    np.testing.assert_allclose(d, brute.min(axis=1), rtol=1e-6)
    assert list(i) == list(brute.argmin(axis=1))


def test_a_generator_that_returns_training_images_is_flagged_as_copying(digits):
    rng = np.random.default_rng(1)
    copies = digits[rng.choice(len(digits), 1000)]
    report = mem.memorisation_check(copies, digits)
    assert report.copying and report.near_copy_share == 1.0 and report.median_ratio == 0.0
    assert report.sentence().startswith("G copies its training images")
    # Slightly blurred copies are still copies: far below the real curve.
    noisy = np.clip(copies + rng.normal(0, 0.03, copies.shape), 0, 1)
    assert mem.memorisation_check(noisy, digits).copying


def test_a_generator_that_copies_some_training_images_gets_the_middle_verdict(digits):
    """Issue 24 item 11: 40 % near-copies is 8x the rate of real images; it is not "no sign of copying"."""
    rng = np.random.default_rng(3)
    train, held_out = digits[:1500], digits[1500:]
    trained = Trainer(get_preset("digits").config)  # its untrained G draws images far from any digit
    new = mem.generated_images(trained.generator.eval(), trained.config.noise_dim, n=600, seed=1)
    samples = np.concatenate([train[rng.choice(len(train), 400)], new])
    report = mem.memorisation_check(samples, train, held_out=held_out)
    assert 0.35 < report.near_copy_share < 0.45 and not report.copying and report.copying_some
    assert report.sentence().startswith("Some copying: 40% of G's samples are near-copies")
    assert "8× the rate of real images G never saw (5%)" in report.sentence()


def test_the_shipped_trained_generator_is_not_flagged(digits):
    """A trained DCGAN (assets/digits_generator.pt) makes new digits: its samples sit on the curve
    of real digits measured against the other training digits, not below it."""
    cfg, generator = generator_from_checkpoint(load_checkpoint(assets_dir() / "digits_generator.pt"))
    samples = mem.generated_images(generator, cfg.noise_dim, cfg.noise, n=1000, seed=0)
    report = mem.memorisation_check(samples, digits)
    assert not report.copying, report.sentence()
    assert report.held_out_kind == "leave-one-out" and report.held_out.size == 1000
    assert report.near_copy_share < 0.15  # real digits: 5 % by construction
    assert 0.8 < report.median_ratio < 1.6, report.median_ratio
    assert report.sentence().startswith("No sign of copying")


def test_an_untrained_generator_is_new_but_far_from_the_data(digits):
    trainer = Trainer(get_preset("digits").config)
    samples = mem.generated_images(trainer.generator.eval(), trainer.config.noise_dim, n=300)
    report = mem.memorisation_check(samples, digits)
    assert not report.copying and report.median_ratio > 1.5
    assert "further from any training image than real ones are" in report.sentence()


def test_a_held_out_set_is_used_when_given(digits):
    train, held_out = digits[:1500], digits[1500:]
    report = mem.memorisation_check(train[:200], train, held_out=held_out)
    assert report.held_out_kind == "held-out" and report.held_out.size == len(held_out)
    assert report.copying and "real images G never saw" in report.sentence()


def test_pairs_put_the_most_copy_like_samples_above_their_nearest_training_image(digits):
    rng = np.random.default_rng(2)
    generated = np.concatenate([rng.random((20, 8, 8)).astype(np.float32), digits[[5, 9]]])
    report = mem.memorisation_check(generated, digits)
    images, distances = report.pairs(generated, digits, k=2)
    assert images.shape == (4, 8, 8) and list(distances) == [0.0, 0.0]
    np.testing.assert_array_equal(images[:2], images[2:])  # the copies are their own nearest images


def test_the_figure_draws_both_curves_and_the_near_copy_zone(digits):
    rng = np.random.default_rng(3)
    report = mem.memorisation_check(digits[rng.choice(len(digits), 300)], digits)
    fig = memorisation_figure(report)
    assert_valid(fig)
    names = [t["name"] for t in fig["data"]]
    assert names == [report.real_name, "G's samples"]
    zone = fig["layout"]["shapes"][0]
    assert zone["x0"] == 0 and zone["x1"] == pytest.approx(report.threshold)
    assert "100%" in fig["layout"]["annotations"][0]["text"]
    # A copier's curve is a spike in the first bin; the real curve is spread out to the right.
    gen_y = np.asarray(fig["data"][1]["y"])
    assert gen_y[1] == gen_y.max() > 0
