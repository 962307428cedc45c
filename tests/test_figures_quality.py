"""figures.quality: mode and class coverage by the one rule, divergences and distances with their floors."""

import math

import numpy as np
import pytest
from figure_checks import N_MODES, make_metric_history, title_of, traces_named

from figures import quality


# --- metrics charts ------------------------------------------------------------------------------
def test_modes_figure_axes_and_reference_line():
    fig = quality.modes_figure(make_metric_history(50), N_MODES)
    layout = fig["layout"]
    assert f"k/{N_MODES}" in title_of(fig)
    assert "collapse" in layout["title"]["subtitle"]["text"]
    assert layout["yaxis"]["range"][0] == 0 and layout["yaxis"]["range"][1] >= N_MODES
    assert any(s["y0"] == N_MODES and s["line"]["dash"] == "dash" for s in layout["shapes"])
    hq = traces_named(fig, "high-quality")[0]
    assert hq["yaxis"] == "y2" and layout["yaxis2"]["range"] == [0, 105]
    assert np.asarray(hq["y"]).max() > 1, "HQ is shown in percent"


def test_every_mode_chart_counts_covered_by_the_one_rule():
    """Issue 13 item 6: "covered" means metrics.MODE_COVERAGE on every chart (the playground's and
    the lab's), the rule named in the legend; VEEGAN's looser count is the dotted second line."""
    from gan_core.quality.metrics import MODE_COVERAGE

    assert MODE_COVERAGE.key == "modes_covered_strict" and "20 of 2,500" in MODE_COVERAGE.label
    mh = {"step": np.array([0.0, 50.0]), "modes_covered": np.array([8.0, 8.0]), "modes_covered_strict": [5.0, 6.0]}
    fig = quality.modes_figure(mh, N_MODES)
    headline, loose = fig["data"][0], fig["data"][1]
    assert headline["name"] == MODE_COVERAGE.label and list(headline["y"]) == [5.0, 6.0]
    assert loose["line"]["dash"] == "dot" and list(loose["y"]) == [8.0, 8.0] and "≥ 1 sample" in loose["name"]
    lab = quality.multi_run_modes_figure([("A", mh)], N_MODES)
    assert list(lab["data"][0]["y"]) == [5.0, 6.0] and MODE_COVERAGE.label in lab["layout"]["title"]["subtitle"]["text"]


def test_divergence_figure_draws_js_in_nats_with_its_floor_and_no_kl():
    """Issue 13 item 7: a perfect G reads the floor (two real samples), not 0; the grid KL, set by
    the smoothing epsilon of empty cells, is not drawn."""
    fig = quality.divergence_figure(make_metric_history(30), floor=0.0123)
    shapes = fig["layout"]["shapes"]
    assert any(s["y0"] == pytest.approx(math.log(2)) for s in shapes)
    assert any(s["y0"] == pytest.approx(0.0123) and s["line"]["dash"] == "dot" for s in shapes)
    assert any("floor" in a["text"] and "0.0123" in a["text"] for a in fig["layout"]["annotations"])
    assert not traces_named(fig, "KL") and "yaxis2" not in fig["layout"]
    assert "nats" in fig["layout"]["yaxis"]["title"]["text"] and "nats" in fig["data"][0]["name"]
    assert len(quality.divergence_figure(make_metric_history(30))["layout"]["shapes"]) == 1  # no floor known


def test_multi_run_modes_figure_gives_each_run_its_colour():
    mh = make_metric_history(20)
    runs = [(f"run {i}", mh) for i in range(3)]
    fig = quality.multi_run_modes_figure(runs, N_MODES)
    colors = [t["line"]["color"] for t in fig["data"]]
    assert len(set(colors)) == 3 and [t["name"] for t in fig["data"]] == ["run 0", "run 1", "run 2"]
    assert any(s["y0"] == N_MODES for s in fig["layout"]["shapes"])


def test_class_histogram_counts_covered_by_the_one_rule():
    """Issue 13 item 6: the histogram's "k/10 covered" is the quality chart's rule (confident samples
    at or above the threshold line), not argmax counts: an untrained G's grey noise, all "8" at
    10 % confidence, covers 0 of 10 (it read 1/10)."""
    noise = {"confident": [0] * 10, "unsure": [0] * 8 + [1000, 0], "threshold": 20.0, "n": 1000}
    fig = quality.class_histogram_figure(noise)
    assert "0/10 covered" in title_of(fig)
    confident, unsure = fig["data"]
    assert fig["layout"]["barmode"] == "stack" and unsure["marker"]["opacity"] < 1 and list(unsure["y"])[8] == 1000
    shapes = fig["layout"]["shapes"]
    assert [s["y0"] for s in shapes] == [pytest.approx(100.0), pytest.approx(20.0)]  # fair share, threshold
    some = {"confident": [30, 19, 20, 0, 0, 0, 0, 0, 0, 0], "unsure": [0] * 10, "threshold": 20.0, "n": 1000}
    assert "2/10 covered" in title_of(quality.class_histogram_figure(some))
    assert "7/10" in title_of(quality.class_histogram_figure(some, coverage=7))  # the run's own metric wins
    plain = quality.class_histogram_figure([10, 10, 10, 10, 10, 0, 0, 0, 0, 0], mean_confidence=0.9)
    assert "5/10" in title_of(plain) and "confidence 0.90" in plain["layout"]["title"]["subtitle"]["text"]


def test_frechet_figure_is_log_scaled_with_its_floor():
    fig = quality.frechet_figure(make_metric_history(20), floor=1.4)
    assert fig["layout"]["yaxis"]["type"] == "log"
    shape, label = fig["layout"]["shapes"][0], fig["layout"]["annotations"][0]
    assert shape["y0"] == pytest.approx(1.4)  # shapes take data values on a log axis ...
    assert label["y"] == pytest.approx(math.log10(1.4)) and "1.4" in label["text"]  # annotations log10
    assert "classifier" in fig["layout"]["title"]["subtitle"]["text"]


def test_digits_quality_figure_ranges():
    fig = quality.digits_quality_figure(make_metric_history(20))
    assert fig["layout"]["yaxis"]["range"][1] >= 10 and fig["layout"]["yaxis2"]["range"][1] <= 1.1


def test_class_histogram_names_the_classes_of_its_data_set():
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    view = {"confident": [30] * 10, "unsure": [70] * 10, "threshold": 20.0, "n": 1000, "labels": names}
    fig = quality.class_histogram_figure(view, 10, 0.85)
    assert [list(t["x"]) for t in fig["data"]] == [names, names]
    assert title_of(fig).startswith("By class: 10/10 covered")
    assert list(quality.class_histogram_figure([3] * 10)["data"][0]["x"]) == [str(d) for d in range(10)]
