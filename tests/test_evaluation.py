"""The evaluator's numbers say only what is true (issue 13, items 6-8): one rule for "covered",
divergences with the floor a perfect G reads, mass beyond the 1D window counted, the Fréchet
distance with its real-vs-real floor."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from figures import quality, theory
from gan_core.presets import get_preset
from gan_core.quality.evaluation import Evaluator
from gan_core.trainer import Trainer


def _with_generator(trainer: Trainer, draw) -> Trainer:
    """Replace what G draws (every view and metric goes through trainer.generate)."""
    trainer.generate = lambda z, average=False: draw(z.shape[0])  # type: ignore[method-assign]
    return trainer


def _perfect(trainer: Trainer, seed: int = 99) -> Trainer:
    """A generator whose samples are fresh real data: the best any G can do."""
    return _with_generator(trainer, lambda n: trainer.dataset.sample(n, torch.Generator().manual_seed(seed)))


@pytest.mark.parametrize("preset", ["ring8", "grid25", "gauss1d", "bimodal1d"])
def test_a_perfect_generator_reads_the_estimators_floor_not_zero(preset):
    """Finite samples keep every estimate above 0 for a perfect G; the evaluator measures that floor
    (two real samples of the same size) so the charts can draw it, and a perfect G lands on it."""
    trainer = Trainer(get_preset(preset).config)
    evaluator = Evaluator(_perfect(trainer))
    _, views, metrics = evaluator.evaluate()
    floors = views["floors"]
    assert floors["js_grid"] > 0.001 and metrics["js_grid"] > 0.001
    assert 0.5 * floors["js_grid"] < metrics["js_grid"] < 2.0 * floors["js_grid"], (metrics, floors)
    if trainer.dataset.kind == "1d":
        # The smoothed-density estimate against the exact p_data: biased up by the KDE's smoothing.
        assert metrics["js_kde"] < max(3 * floors["js_kde"], 0.01), (metrics, floors)
    assert "kl_grid" not in metrics and "kl_grid" not in evaluator.metric_fields  # the epsilon, not G


def test_g_mass_beyond_the_real_window_still_counts_in_1d():
    """Half of G's samples far off (x = 40, the data is N(2, 0.5)): the old view renormalised p_g
    inside a window fitted to the real data, so JS read as if that half did not exist (0.22 where
    the density it draws gives 0.50). The JS shown is the JS of the drawn p_g over the whole line."""
    from gan_core.quality import metrics as m

    trainer = Trainer(get_preset("gauss1d").config)
    samples = trainer.dataset.sample(2500, torch.Generator().manual_seed(5))
    samples[:1250] = 40.0
    evaluator = Evaluator(_with_generator(trainer, lambda n: samples[:n]))
    _, views, metrics = evaluator.evaluate()
    line = np.linspace(-60.0, 100.0, 32_001)  # wide and fine enough (step 0.005) for both densities
    p_g = m.kde_1d(samples.numpy()[:, 0], line)
    whole_line = m.js_divergence_from_densities(m.gaussian_mixture_pdf(line, trainer.dataset.mixture), p_g, line)
    assert metrics["js_kde"] == pytest.approx(whole_line, abs=1e-3) and whole_line > 0.45
    window = (line >= views["x"][0]) & (line <= views["x"][-1])
    assert views["p_g_outside"] == pytest.approx(1 - m._trapezoid(p_g[window], line[window]), abs=1e-3)
    lo, hi = evaluator.bounds[0]
    assert views["x"][0] >= lo - (hi - lo) - 1e-9 and views["x"][-1] <= hi + (hi - lo) + 1e-9
    legend = [t["name"] for t in theory.density_1d_figure(views)["data"]]
    assert any("of it beyond this window" in name for name in legend), legend


def test_g_inside_the_window_moves_the_window_to_show_it():
    trainer = Trainer(get_preset("gauss1d").config)
    evaluator = Evaluator(_with_generator(trainer, lambda n: torch.linspace(-3.0, 0.0, n).unsqueeze(1)))
    _, views, _ = evaluator.evaluate()
    assert views["x"][0] < -2.9 < evaluator.bounds[0][0]  # drawn where G is, not cut at the data's window
    assert views["p_g_outside"] < 0.01


def test_untrained_digits_cover_no_class_and_every_view_counts_alike():
    """Issue 13 item 6: an untrained G's grey noise is all "8" to the classifier at 10 % confidence:
    no class is covered, in the metric and in the histogram's title (the old title read 1/10)."""
    trainer = Trainer(get_preset("digits").config)
    _, views, metrics = Evaluator(trainer).evaluate()
    classes = views["classes"]
    assert classes["n"] == 1000 and classes["threshold"] == 20.0
    assert sum(classes["confident"]) + sum(classes["unsure"]) == 1000
    assert metrics["class_coverage"] == 0
    title = quality.class_histogram_figure(classes)["layout"]["title"]["text"]
    assert "0/10 covered" in title
    assert quality.class_histogram_figure(classes, metrics["class_coverage"])["layout"]["title"]["text"] == title


def test_the_frechet_distance_comes_with_its_real_vs_real_floor():
    """Issue 13 item 8: real images scored like G's read a small FD, not 0 (finite samples); an
    untrained G reads hundreds of times more, a perfect G reads the floor."""
    trainer = Trainer(get_preset("digits").config)
    evaluator = Evaluator(trainer)
    floor = evaluator.floors["frechet_distance"]
    _, views, metrics = evaluator.evaluate()
    assert views["floors"]["frechet_distance"] == floor and 0.1 < floor < 5.0
    assert metrics["frechet_distance"] > 100 * floor
    _, _, perfect = Evaluator(_perfect(trainer, seed=7)).evaluate()
    assert 0.5 * floor < perfect["frechet_distance"] < 2.0 * floor
    fig = quality.frechet_figure(
        {"step": np.array([0.0]), "frechet_distance": np.array([metrics["frechet_distance"]])}, floor
    )
    assert fig["layout"]["shapes"][0]["y0"] == pytest.approx(floor)
