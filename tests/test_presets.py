"""The presets do what their names promise, on several seeds (slow: real training)."""

import numpy as np
import pytest

from gan_core.presets import get_preset
from gan_core.quality.evaluation import Evaluator
from gan_core.trainer import Trainer

REQUIRED = (
    "gauss1d",
    "ring8",
    "ring8-collapse",
    "grid25",
    "grid25-collapse",
    "spiral",
    "digits",
    "digits-collapse",
    "fashion",
    "fashion-collapse",
)
SEEDS = (0, 1, 2)


def train_preset(name: str, seed: int, steps: int | None = None, dataset=None) -> dict:
    """Train a preset and score G as it trains: what the app draws and scores by default (the weight
    average is only an optional smoothed view). A healthy preset's modes are counted with the rule
    the pages show (metrics.MODE_COVERAGE: >= 20 high-quality samples per mode, `modes_covered_strict`).
    benchmarks/seeds.py checks the same bars on more seeds, with both generators, and reports the
    margins (BENCHMARKS.md). `dataset`: an already
    loaded copy of the preset's data (Fashion-MNIST is read once per session)."""
    cfg = get_preset(name).config.replace(seed=seed)
    trainer = Trainer(cfg, dataset)
    accuracy = [trainer.step().acc for _ in range(steps or cfg.steps)]
    metrics = Evaluator(trainer, average=False).evaluate()[2]
    # D's accuracy on its training batches, the median of the last 500 steps ("hovers around 50 %?")
    return {**metrics, "d_accuracy_median_last": float(np.median(accuracy[-500:]))}


def test_required_presets_exist_and_are_documented():
    for name in REQUIRED:
        p = get_preset(name)
        assert p.summary and p.explanation and p.config.steps > 0
    with pytest.raises(ValueError, match="unknown preset"):
        get_preset("nope")


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_ring8_covers_all_modes_with_high_quality(seed):
    m = train_preset("ring8", seed)
    assert m["modes_covered_strict"] == 8 and m["hq_fraction"] >= 0.80, m


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_ring8_collapse_collapses(seed):
    m = train_preset("ring8-collapse", seed)
    assert m["modes_covered"] <= 3, m


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_grid25_covers_the_grid_with_d_accuracy_near_one_half(seed):
    """The preset's text promises D's accuracy "close to 50 %" (its R1 penalty keeps D from growing
    confident): the median over the last 500 steps is within 0.5 ± 0.1, the issue's measure. Trained
    for the preset's own steps: 6,000 since issue 28 (9,000 before), with the same bars;
    benchmarks/quality.py times the issue's goal (25/25 with >= 85 % HQ within 60 s of Start)."""
    m = train_preset("grid25", seed)
    assert m["modes_covered_strict"] >= 24 and m["hq_fraction"] >= 0.70, m
    assert abs(m["d_accuracy_median_last"] - 0.5) <= 0.1, m


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_grid25_collapse_collapses(seed):
    m = train_preset("grid25-collapse", seed)
    assert m["modes_covered_strict"] <= 12, m


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_digits_reaches_most_classes_confidently(seed):
    m = train_preset("digits", seed)
    assert m["class_coverage"] >= 9 and m["mean_confidence"] >= 0.8, m


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_digits_collapse_collapses_to_few_classes(seed):
    m = train_preset("digits-collapse", seed)
    assert m["class_coverage"] <= 3, m


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_gauss1d_matches_the_data(seed):
    m = train_preset("gauss1d", seed)
    assert m["modes_covered"] == 1 and m["js_grid"] < 0.1, m


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_fashion_reaches_most_classes_confidently(seed, fashion_mnist):
    """Real Fashion-MNIST (Debian's dataset-fashion-mnist): 9 of 10 garment classes, drawn clearly
    enough that the reference classifier is on average 78 % sure (real images: 0.92). Measured on an
    Intel Xeon, seeds 0-5 at 4,500 steps: 10/10 classes, confidence 0.805-0.823 (the preset before
    2026-12-04 gave 0.777-0.795). benchmarks/fashion.py times issue 17's goal (0.8 within 60 s)."""
    m = train_preset("fashion", seed, dataset=fashion_mnist)
    assert m["class_coverage"] >= 9 and m["mean_confidence"] >= 0.78, m


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_fashion_collapse_collapses_to_few_classes(seed, fashion_mnist):
    m = train_preset("fashion-collapse", seed, dataset=fashion_mnist)
    assert m["class_coverage"] <= 3, m
