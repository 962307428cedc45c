"""figures.playground: the 2D field's layers, its fixed square view, the manifold and the arrows."""

import numpy as np
import pytest
from figure_checks import assert_valid, make_views_2d

from figures import playground, theme

# --- playground ----------------------------------------------------------------------------------
LAYER_TRACES = {
    "heatmap": "D(x)",
    "manifold": "G's manifold",
    "real": "real data",
    "fake": "generated",
    "arrows": "G's gradient",
}


@pytest.mark.parametrize(
    "layers", [set(), {"real"}, {"fake", "arrows"}, {"heatmap", "manifold"}, set(playground.PLAYGROUND_LAYERS)]
)
def test_playground_contains_the_requested_layers_only(layers):
    rng = np.random.default_rng(0)
    fig = playground.playground_figure(
        rng.normal(size=(512, 2)), rng.normal(size=(512, 2)), make_views_2d(), layers, [[-3, 3], [-3, 3]]
    )
    assert_valid(fig)
    names = [t.get("name", "") for t in fig["data"] if t.get("name")]
    for layer, name in LAYER_TRACES.items():
        present = sum(1 for n in names if n.startswith(name))
        assert present == (1 if layer in layers else 0), (layer, names)


def test_playground_view_is_fixed_and_square():
    fig = playground.playground_figure(np.zeros((4, 2)), np.ones((4, 2)), {}, {"real", "fake"}, [[-2, 3], [-1, 1]])
    layout = fig["layout"]
    assert layout["xaxis"]["range"] == [-2, 3] and layout["yaxis"]["range"] == [-1, 1]
    assert layout["yaxis"]["scaleanchor"] == "x" and layout["yaxis"]["scaleratio"] == 1


def test_arrows_are_one_trace_of_gap_separated_segments_scaled_to_the_plot():
    views = make_views_2d()
    direction = views["arrows"]["direction"]
    fig = playground.playground_figure(None, None, views, {"arrows"}, [[-3, 3], [-3, 3]])
    assert len(fig["data"]) == 1
    arrows = fig["data"][0]
    x, y = np.asarray(arrows["x"], float), np.asarray(arrows["y"], float)
    assert np.isnan(x).sum() == 2 * 96  # a gap after each shaft and after each head
    per_arrow = np.stack([x, y], 1).reshape(96, 7, 2)
    lengths = np.linalg.norm(per_arrow[:, 1] - per_arrow[:, 0], axis=1)
    assert lengths.max() == pytest.approx(playground.ARROW_FRACTION * 6, rel=1e-5)
    norms = np.linalg.norm(direction, axis=1)  # relative lengths keep the gradient magnitudes
    np.testing.assert_allclose(lengths / lengths.max(), norms / norms.max(), rtol=1e-5)
    # each arrow points along the gradient
    cos = np.sum((per_arrow[:, 1] - per_arrow[:, 0]) * direction, 1) / (lengths * norms)
    assert np.all(cos > 0.9999)


def test_manifold_is_one_trace_with_a_gap_after_each_line():
    fig = playground.playground_figure(None, None, make_views_2d(), {"manifold"}, None)
    (trace,) = fig["data"]
    assert len(trace["x"]) == 22 * 42 and np.isnan(np.asarray(trace["x"], float)).sum() == 22
    assert trace["line"]["color"] == theme.G_COLOR and trace["opacity"] < 1


def test_playground_heatmap_probabilistic_and_critic():
    prob = playground.playground_figure(None, None, make_views_2d(True), {"heatmap"}, None)["data"][0]
    assert (prob["zmin"], prob["zmax"]) == (0.0, 1.0)
    assert prob["colorbar"]["title"]["text"] == "D(x)"
    critic = playground.playground_figure(None, None, make_views_2d(False), {"heatmap"}, None)["data"][0]
    assert critic["zmin"] == -critic["zmax"] and critic["zmax"] > 0
    assert critic["colorbar"]["title"]["text"] == "critic score"


@pytest.mark.parametrize("loss, centre", [("least-squares", 0.5), ("hinge", 0.0), ("wgan-gp", 3.7)])
def test_score_maps_are_white_at_the_losss_own_decision_point(loss, centre):
    """Issue 12 item 3: a least-squares map is white at 0.5 (its targets are 0 and 1), hinge at 0,
    WGAN-GP at the midpoint of the mean real and fake scores (the evaluator's `center`)."""
    views = make_views_2d(False)
    views["heatmap"] = {**views["heatmap"], "z": views["heatmap"]["z"] + centre, "center": centre, "loss": loss}
    (heat,) = playground.playground_figure(None, None, views, {"heatmap"}, None)["data"]
    assert heat["zmid"] == pytest.approx(centre)
    assert heat["zmax"] - centre == pytest.approx(centre - heat["zmin"]) and heat["zmax"] > centre
    assert heat["colorbar"]["title"]["text"] == ("D(x)" if loss == "least-squares" else "critic score")


def _arrow_lengths(fig: dict) -> np.ndarray:
    (arrows,) = [t for t in fig["data"] if str(t.get("name", "")).startswith("G's gradient")]
    pts = np.stack([np.asarray(arrows["x"], float), np.asarray(arrows["y"], float)], 1).reshape(-1, 7, 2)
    return np.linalg.norm(pts[:, 1] - pts[:, 0], axis=1)


def test_arrows_to_scale_shrink_with_the_gradient_where_the_default_hides_it():
    """Issue 12 item 5: with fixed_arrows an arrow's length is proportional to the gradient, on one
    scale for every figure, so a 100x smaller gradient draws 100x shorter arrows; the default
    (longest arrow fixed) draws both the same."""
    strong, weak = make_views_2d(), make_views_2d()
    weak["arrows"] = {**weak["arrows"], "direction": strong["arrows"]["direction"] * 0.01}
    bounds = [[-3, 3], [-3, 3]]
    default = [_arrow_lengths(playground.playground_figure(None, None, v, {"arrows"}, bounds)) for v in (strong, weak)]
    np.testing.assert_allclose(default[0], default[1], rtol=1e-5)
    fixed = [
        _arrow_lengths(playground.playground_figure(None, None, v, {"arrows"}, bounds, fixed_arrows=True))
        for v in (strong, weak)
    ]
    np.testing.assert_allclose(fixed[1], fixed[0] * 0.01, rtol=1e-4)
    norms = np.linalg.norm(strong["arrows"]["direction"], axis=1)
    np.testing.assert_allclose(fixed[0], norms * playground.ARROW_FIXED_FRACTION * 6, rtol=1e-4)  # capped far above


def test_playground_caps_points():
    fig = playground.playground_figure(np.zeros((5000, 2)), None, {}, {"real"}, None)
    assert len(fig["data"][0]["x"]) == 512
