"""figures.viz: every figure is a valid Plotly figure a student can read, in one colour scheme,
cheap enough to rebuild live (decimated, plain dicts)."""

import json
import math

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import plotly.tools
import pytest
import torch
from plotly.utils import PlotlyJSONEncoder

from figures import viz
from gan_core.trainer import STAT_FIELDS

N_MODES = 8


def make_history(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    hist = {f: rng.random(n) for f in STAT_FIELDS}
    hist["step"] = np.arange(n, dtype=np.float64) * 2
    return hist


def make_metric_history(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {
        "step": np.arange(n, dtype=np.float64) * 50,
        "modes_covered": rng.integers(0, N_MODES + 1, n).astype(float),
        "modes_covered_strict": rng.integers(0, N_MODES + 1, n).astype(float),
        "hq_fraction": rng.random(n),
        "kl_modes": rng.random(n),
        "js_grid": rng.random(n) * math.log(2),
        "class_coverage": rng.integers(0, 11, n).astype(float),
        "mean_confidence": rng.random(n),
        "frechet_distance": 1 + rng.random(n) * 100,
    }


def make_views_2d(probabilistic: bool = True) -> dict:
    rng = np.random.default_rng(2)
    xs = np.linspace(-3, 3, 48)
    z = rng.random((48, 48)) if probabilistic else rng.normal(0, 3, (48, 48))
    return {
        "heatmap": {"x": xs, "y": xs, "z": z, "probabilistic": probabilistic},
        "manifold": rng.normal(size=(22, 41, 2)),
        "arrows": {"x": rng.normal(size=(96, 2)), "direction": rng.normal(size=(96, 2))},
        "bounds": np.array([[-3.0, 3.0], [-3.0, 3.0]]),
    }


def make_views_1d(probabilistic: bool = True) -> dict:
    x = np.linspace(-3, 3, 300)
    p_data, p_g = np.exp(-((x - 1) ** 2)), np.exp(-((x + 1) ** 2))
    return {
        "x": x,
        "p_data": p_data,
        "p_g": p_g,
        "d": 1 / (1 + np.exp(-x)),
        "d_optimal": p_data / (p_data + p_g),
        "probabilistic": probabilistic,
    }


def all_figures(n_rows: int = 300) -> dict[str, dict]:
    hist, mh = make_history(n_rows), make_metric_history(max(n_rows // 10, 0))
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(512, 2)), rng.normal(size=(512, 2))
    return {
        "loss": viz.loss_figure(hist),
        "loss_raw": viz.loss_figure(hist, smooth=False),
        "accuracy": viz.accuracy_figure(hist),
        "d_outputs": viz.d_outputs_figure(hist, probabilistic=True),
        "critic_outputs": viz.d_outputs_figure(hist, probabilistic=False),
        "grad_norm": viz.grad_norm_figure(hist),
        "modes": viz.modes_figure(mh, N_MODES),
        "divergence": viz.divergence_figure(mh, 0.01),
        "multi_run": viz.multi_run_modes_figure([("collapse", mh), ("cure", mh)], N_MODES),
        "playground": viz.playground_figure(
            real, fake, make_views_2d(), set(viz.PLAYGROUND_LAYERS), [[-3, 3], [-3, 3]]
        ),
        "playground_critic": viz.playground_figure(
            real, fake, make_views_2d(False), {"heatmap", "fake"}, [[-3, 3], [-3, 3]]
        ),
        "density_1d": viz.density_1d_figure(make_views_1d(), real[:, :1]),
        "density_1d_critic": viz.density_1d_figure(make_views_1d(False)),
        "g_loss_curves": viz.generator_loss_curves_figure(0.2),
        "value_function": viz.value_function_figure(0.7, 0.3),
        "class_hist": viz.class_histogram_figure(
            {"confident": [5, 6, 7, 0, 5, 6, 7, 8, 9, 10], "unsure": [1] * 10, "threshold": 2, "n": 73}, 9, 0.8
        ),
        "class_hist_plain": viz.class_histogram_figure([5, 6, 7, 0, 5, 6, 7, 8, 9, 10]),
        "digits_quality": viz.digits_quality_figure(mh),
        "frechet": viz.frechet_figure(mh, 1.4),
    }


def assert_valid(fig: dict) -> None:
    """What Plotly and Streamlit will do with the figure: JSON round trip, full validation, and
    exactly the conversion `st.plotly_chart` applies (it also rejects an empty data list)."""
    assert isinstance(fig, dict) and set(fig) >= {"data", "layout"}
    pio.from_json(json.dumps(fig, cls=PlotlyJSONEncoder))
    go.Figure(fig)
    plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)


def title_of(fig: dict) -> str:
    return fig["layout"]["title"]["text"]


def axis_title(fig: dict, axis: str) -> str:
    return fig["layout"][axis]["title"]["text"]


def traces_named(fig: dict, fragment: str) -> list[dict]:
    return [t for t in fig["data"] if fragment in t.get("name", "")]


# --- every figure --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(all_figures()))
def test_every_figure_is_valid_titled_and_readable(name):
    fig = all_figures()[name]
    assert_valid(fig)
    assert title_of(fig).strip()
    assert axis_title(fig, "xaxis").strip() and axis_title(fig, "yaxis").strip()
    layout = fig["layout"]
    assert layout["font"]["size"] >= 14, "projector-readable text"
    assert isinstance(layout["uirevision"], str) and layout["uirevision"]
    assert isinstance(layout["height"], int)
    if sum(1 for t in fig["data"] if t.get("showlegend", True) and t["type"] not in ("heatmap", "contour")) > 1:
        assert layout["showlegend"] is True


def test_figures_are_plain_dicts_not_graph_objects():
    for fig in all_figures().values():
        assert type(fig) is dict
        assert all(type(t) is dict for t in fig["data"])


def test_uirevision_is_constant_across_refreshes_so_zoom_survives():
    a, b = all_figures(100), all_figures(400)
    for name in a:
        assert a[name]["layout"]["uirevision"] == b[name]["layout"]["uirevision"], name


@pytest.mark.parametrize("rows", [0, 1])
def test_tiny_and_empty_histories_give_valid_figures(rows):
    for fig in all_figures(rows).values():
        assert_valid(fig)


def test_missing_metric_columns_give_valid_figures():
    only_steps = {"step": np.arange(5.0)}
    for fig in (
        viz.modes_figure(only_steps, 8),
        viz.divergence_figure(only_steps),
        viz.digits_quality_figure(only_steps),
        viz.frechet_figure(only_steps, None),
        viz.multi_run_modes_figure([], 8),
        viz.density_1d_figure({}),
        viz.class_histogram_figure([]),
        viz.playground_figure(None, None, {}, set(viz.PLAYGROUND_LAYERS), None),
    ):
        assert_valid(fig)


def test_non_finite_values_do_not_break_figures():
    hist = make_history(200)
    hist["loss_d"][50:60] = np.nan
    hist["loss_g"][70] = np.inf
    fig = viz.loss_figure(hist)
    assert_valid(fig)
    smoothed = [t for t in fig["data"] if t["name"] == "D loss" and t.get("showlegend", True)][0]
    assert np.isfinite(smoothed["y"][-1]), "one NaN step must not erase the rest of the smoothed curve"


def test_empty_figure_is_accepted_by_streamlit():
    fig = viz.empty_figure("Press start to begin")
    assert_valid(fig)
    assert fig["data"], "st.plotly_chart raises PlotlyEmptyDataError on an empty data list"
    assert "Press start" in fig["layout"]["annotations"][0]["text"]


def test_module_is_pure():
    import ast

    tree = ast.parse(open(viz.__file__, encoding="utf8").read())
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
    assert not any(name.startswith(("streamlit", "plotly.graph_objects", "plotly.graph_objs")) for name in imported)
    top_level = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    top_names = {alias.name for node in top_level if isinstance(node, ast.Import) for alias in node.names}
    top_names |= {node.module for node in top_level if isinstance(node, ast.ImportFrom) and node.module}
    assert not any(name.split(".")[0] in ("plotly", "streamlit") for name in top_names), (
        "plotly is imported lazily, only by trusted_figure"
    )


# --- training curves -----------------------------------------------------------------------------
def test_accuracy_figure_has_the_chance_line_at_one_half():
    fig = viz.accuracy_figure(make_history(100))
    lines = [s for s in fig["layout"]["shapes"] if s["y0"] == 0.5 == s["y1"]]
    assert len(lines) == 1 and lines[0]["line"]["dash"] == "dash"
    assert any("chance (equilibrium)" in a["text"] for a in fig["layout"]["annotations"])
    assert fig["layout"]["yaxis"]["range"][0] <= 0 and fig["layout"]["yaxis"]["range"][1] >= 1
    assert {t["name"] for t in fig["data"]} == {"on real", "on fake", "overall"}


def test_d_outputs_probabilistic_vs_critic():
    hist = make_history(100)
    prob = viz.d_outputs_figure(hist, probabilistic=True)
    assert any(s["y0"] == 0.5 for s in prob["layout"].get("shapes", []))
    assert prob["layout"]["yaxis"]["range"][1] <= 1.05
    critic = viz.d_outputs_figure(hist, probabilistic=False)
    assert "critic score" in axis_title(critic, "yaxis")
    assert not critic["layout"].get("shapes")  # loss unknown: no decision line


@pytest.mark.parametrize(
    "loss, probabilistic, line",
    [("nonsaturating", True, 0.5), ("minimax", True, 0.5), ("least-squares", False, 0.5), ("hinge", False, 0.0)],
)
def test_what_d_says_marks_each_losss_own_decision_point(loss, probabilistic, line):
    """Issue 12 item 3: the "can't tell" line sits where the loss's verdict flips (0.5 for a
    probability and for least squares' 0/1 targets, 0 for hinge), the point D's accuracy uses."""
    fig = viz.d_outputs_figure(make_history(100), probabilistic, loss=loss)
    assert [s["y0"] for s in fig["layout"]["shapes"]] == [line]


def test_what_the_wgan_critic_says_has_a_moving_midpoint_not_a_fixed_line():
    hist = make_history(100)
    fig = viz.d_outputs_figure(hist, probabilistic=False, loss="wgan-gp", smooth=False)
    assert not fig["layout"].get("shapes")
    (mid,) = [t for t in fig["data"] if t["name"].startswith("midpoint")]
    real, fake = (next(t for t in fig["data"] if t["name"].startswith(n)) for n in ("D(x)", "D(G(z))"))
    y = {name: np.asarray(trace["y"], float) for name, trace in (("mid", mid), ("real", real), ("fake", fake))}
    np.testing.assert_allclose(y["mid"], (y["real"] + y["fake"]) / 2, rtol=1e-6)


@pytest.mark.parametrize(
    "loss, d_eq, g_eq",
    [("nonsaturating", 1.3863, 0.6931), ("minimax", 1.3863, -0.6931), ("least-squares", 0.25, 0.125)],
)
def test_loss_chart_marks_the_losses_at_equilibrium(loss, d_eq, g_eq):
    """Issue 12 item 6: with D = 1/2 everywhere the losses take these values (losses.py's
    normalisation: batch means, D's two terms added); WGAN-GP and hinge have none."""
    fig = viz.loss_figure(make_history(100), loss=loss)
    assert sorted(round(s["y0"], 4) for s in fig["layout"]["shapes"]) == sorted([d_eq, g_eq])
    assert sum("equilibrium" in a["text"] for a in fig["layout"]["annotations"]) == 2
    for name in ("wgan-gp", "hinge", None):
        assert not viz.loss_figure(make_history(100), loss=name)["layout"].get("shapes")


@pytest.mark.parametrize("loss", ["nonsaturating", "minimax", "least-squares"])
def test_the_equilibrium_constants_are_the_losses_at_d_one_half(loss):
    from gan_core.losses import LOSSES

    half = torch.zeros(64) if LOSSES[loss].probabilistic else torch.full((64,), 0.5)  # logit 0 / score 1/2
    d_eq, g_eq = viz.EQUILIBRIUM_LOSSES[loss]
    assert LOSSES[loss].d_loss(half, half).item() == pytest.approx(d_eq, abs=1e-6)
    assert LOSSES[loss].g_loss(half).item() == pytest.approx(g_eq, abs=1e-6)


def test_loss_figure_smoothing_draws_faint_raw_under_smoothed():
    fig = viz.loss_figure(make_history(1000), smooth=True)
    assert len(fig["data"]) == 4
    raw = [t for t in fig["data"] if t.get("opacity", 1) < 1]
    assert len(raw) == 2 and all(t["showlegend"] is False for t in raw)
    # short runs (step-by-step clicking) are drawn unsmoothed, so one click shows at once
    assert len(viz.loss_figure(make_history(20), smooth=True)["data"]) == 2


def test_grad_norm_figure_is_log_scale():
    fig = viz.grad_norm_figure(make_history(100))
    assert fig["layout"]["yaxis"]["type"] == "log"
    assert [t["line"]["color"] for t in fig["data"]] == [viz.D_COLOR, viz.G_COLOR]


# --- colours -------------------------------------------------------------------------------------
def test_one_colour_scheme_across_figures():
    figs = all_figures()

    def colors(fig, frag):
        return {t.get("line", {}).get("color") or t.get("marker", {}).get("color") for t in traces_named(fig, frag)}

    assert colors(figs["d_outputs"], "D(x)") == {viz.REAL}
    assert colors(figs["d_outputs"], "D(G(z))") == {viz.FAKE}
    assert colors(figs["playground"], "real") == {viz.REAL}
    assert colors(figs["playground"], "generated") == {viz.FAKE}
    assert colors(figs["density_1d"], "p_data") == {viz.REAL}
    assert colors(figs["density_1d"], "p_g") == {viz.FAKE}
    assert colors(figs["density_1d"], "optimal D*") == {viz.OPTIMAL}
    assert colors(figs["density_1d"], "D(x)") == {viz.D_COLOR}
    assert colors(figs["accuracy"], "on real") == {viz.REAL}
    assert colors(figs["accuracy"], "on fake") == {viz.FAKE}
    assert colors(figs["loss"], "D loss") == {viz.D_COLOR}
    assert colors(figs["loss"], "G loss") == {viz.G_COLOR}
    assert colors(figs["modes"], "modes covered") == {viz.FAKE}
    assert figs["class_hist"]["data"][0]["marker"]["color"] == viz.FAKE
    assert traces_named(figs["density_1d"], "optimal D*")[0]["line"]["dash"] == "dash"


def test_heatmap_colorscale_is_diverging_around_one_half():
    scale = {round(v, 2): c for v, c in viz.D_COLORSCALE}
    assert scale[0.5].lower() in ("#f7f7f7", "#ffffff", "white")
    assert scale[0.0] != scale[1.0]


# --- decimation and smoothing --------------------------------------------------------------------
def test_decimate_bounds_points_and_keeps_the_ends():
    x = np.arange(100_000, dtype=float)
    y = np.sin(x)
    xd, yd = viz.decimate(x, y, 600)
    assert len(xd) == len(yd) <= 600
    assert xd[0] == 0 and xd[-1] == 99_999 and yd[-1] == y[-1]
    assert np.all(np.diff(xd) > 0)
    xs, ys = viz.decimate(x[:10], y[:10], 600)
    assert len(xs) == 10


def test_long_history_is_decimated_in_every_trace():
    fig = viz.loss_figure(make_history(100_000))
    for trace in fig["data"]:
        assert len(trace["x"]) <= 600
        assert trace["x"][-1] == pytest.approx(2 * 99_999)


def test_ema():
    y = np.array([1.0, 1.0, np.nan, 3.0])
    out = viz.ema(y, 0.5)
    assert out.tolist() == [1.0, 1.0, 1.0, 2.0]
    np.testing.assert_array_equal(viz.ema(np.arange(5.0), 1.0), np.arange(5.0))
    assert viz.ema(np.zeros(0), 0.1).shape == (0,)


# --- playground ----------------------------------------------------------------------------------
LAYER_TRACES = {
    "heatmap": "D(x)",
    "manifold": "G's manifold",
    "real": "real data",
    "fake": "generated",
    "arrows": "G's gradient",
}


@pytest.mark.parametrize(
    "layers", [set(), {"real"}, {"fake", "arrows"}, {"heatmap", "manifold"}, set(viz.PLAYGROUND_LAYERS)]
)
def test_playground_contains_the_requested_layers_only(layers):
    rng = np.random.default_rng(0)
    fig = viz.playground_figure(
        rng.normal(size=(512, 2)), rng.normal(size=(512, 2)), make_views_2d(), layers, [[-3, 3], [-3, 3]]
    )
    assert_valid(fig)
    names = [t.get("name", "") for t in fig["data"] if t.get("name")]
    for layer, name in LAYER_TRACES.items():
        present = sum(1 for n in names if n.startswith(name))
        assert present == (1 if layer in layers else 0), (layer, names)


def test_playground_view_is_fixed_and_square():
    fig = viz.playground_figure(np.zeros((4, 2)), np.ones((4, 2)), {}, {"real", "fake"}, [[-2, 3], [-1, 1]])
    layout = fig["layout"]
    assert layout["xaxis"]["range"] == [-2, 3] and layout["yaxis"]["range"] == [-1, 1]
    assert layout["yaxis"]["scaleanchor"] == "x" and layout["yaxis"]["scaleratio"] == 1


def test_arrows_are_one_trace_of_gap_separated_segments_scaled_to_the_plot():
    views = make_views_2d()
    direction = views["arrows"]["direction"]
    fig = viz.playground_figure(None, None, views, {"arrows"}, [[-3, 3], [-3, 3]])
    assert len(fig["data"]) == 1
    arrows = fig["data"][0]
    x, y = np.asarray(arrows["x"], float), np.asarray(arrows["y"], float)
    assert np.isnan(x).sum() == 2 * 96  # a gap after each shaft and after each head
    per_arrow = np.stack([x, y], 1).reshape(96, 7, 2)
    lengths = np.linalg.norm(per_arrow[:, 1] - per_arrow[:, 0], axis=1)
    assert lengths.max() == pytest.approx(viz.ARROW_FRACTION * 6, rel=1e-5)
    norms = np.linalg.norm(direction, axis=1)  # relative lengths keep the gradient magnitudes
    np.testing.assert_allclose(lengths / lengths.max(), norms / norms.max(), rtol=1e-5)
    # each arrow points along the gradient
    cos = np.sum((per_arrow[:, 1] - per_arrow[:, 0]) * direction, 1) / (lengths * norms)
    assert np.all(cos > 0.9999)


def test_manifold_is_one_trace_with_a_gap_after_each_line():
    fig = viz.playground_figure(None, None, make_views_2d(), {"manifold"}, None)
    (trace,) = fig["data"]
    assert len(trace["x"]) == 22 * 42 and np.isnan(np.asarray(trace["x"], float)).sum() == 22
    assert trace["line"]["color"] == viz.G_COLOR and trace["opacity"] < 1


def test_playground_heatmap_probabilistic_and_critic():
    prob = viz.playground_figure(None, None, make_views_2d(True), {"heatmap"}, None)["data"][0]
    assert (prob["zmin"], prob["zmax"]) == (0.0, 1.0)
    assert prob["colorbar"]["title"]["text"] == "D(x)"
    critic = viz.playground_figure(None, None, make_views_2d(False), {"heatmap"}, None)["data"][0]
    assert critic["zmin"] == -critic["zmax"] and critic["zmax"] > 0
    assert critic["colorbar"]["title"]["text"] == "critic score"


@pytest.mark.parametrize("loss, centre", [("least-squares", 0.5), ("hinge", 0.0), ("wgan-gp", 3.7)])
def test_score_maps_are_white_at_the_losss_own_decision_point(loss, centre):
    """Issue 12 item 3: a least-squares map is white at 0.5 (its targets are 0 and 1), hinge at 0,
    WGAN-GP at the midpoint of the mean real and fake scores (the evaluator's `center`)."""
    views = make_views_2d(False)
    views["heatmap"] = {**views["heatmap"], "z": views["heatmap"]["z"] + centre, "center": centre, "loss": loss}
    (heat,) = viz.playground_figure(None, None, views, {"heatmap"}, None)["data"]
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
    default = [_arrow_lengths(viz.playground_figure(None, None, v, {"arrows"}, bounds)) for v in (strong, weak)]
    np.testing.assert_allclose(default[0], default[1], rtol=1e-5)
    fixed = [
        _arrow_lengths(viz.playground_figure(None, None, v, {"arrows"}, bounds, fixed_arrows=True))
        for v in (strong, weak)
    ]
    np.testing.assert_allclose(fixed[1], fixed[0] * 0.01, rtol=1e-4)
    norms = np.linalg.norm(strong["arrows"]["direction"], axis=1)
    np.testing.assert_allclose(fixed[0], norms * viz.ARROW_FIXED_FRACTION * 6, rtol=1e-4)  # capped far above


def test_playground_caps_points():
    fig = viz.playground_figure(np.zeros((5000, 2)), None, {}, {"real"}, None)
    assert len(fig["data"][0]["x"]) == 512


# --- metrics charts ------------------------------------------------------------------------------
def test_modes_figure_axes_and_reference_line():
    fig = viz.modes_figure(make_metric_history(50), N_MODES)
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
    fig = viz.modes_figure(mh, N_MODES)
    headline, loose = fig["data"][0], fig["data"][1]
    assert headline["name"] == MODE_COVERAGE.label and list(headline["y"]) == [5.0, 6.0]
    assert loose["line"]["dash"] == "dot" and list(loose["y"]) == [8.0, 8.0] and "≥ 1 sample" in loose["name"]
    lab = viz.multi_run_modes_figure([("A", mh)], N_MODES)
    assert list(lab["data"][0]["y"]) == [5.0, 6.0] and MODE_COVERAGE.label in lab["layout"]["title"]["subtitle"]["text"]


def test_divergence_figure_draws_js_in_nats_with_its_floor_and_no_kl():
    """Issue 13 item 7: a perfect G reads the floor (two real samples), not 0; the grid KL, set by
    the smoothing epsilon of empty cells, is not drawn."""
    fig = viz.divergence_figure(make_metric_history(30), floor=0.0123)
    shapes = fig["layout"]["shapes"]
    assert any(s["y0"] == pytest.approx(math.log(2)) for s in shapes)
    assert any(s["y0"] == pytest.approx(0.0123) and s["line"]["dash"] == "dot" for s in shapes)
    assert any("floor" in a["text"] and "0.0123" in a["text"] for a in fig["layout"]["annotations"])
    assert not traces_named(fig, "KL") and "yaxis2" not in fig["layout"]
    assert "nats" in fig["layout"]["yaxis"]["title"]["text"] and "nats" in fig["data"][0]["name"]
    assert len(viz.divergence_figure(make_metric_history(30))["layout"]["shapes"]) == 1  # no floor known


def test_multi_run_modes_figure_gives_each_run_its_colour():
    mh = make_metric_history(20)
    runs = [(f"run {i}", mh) for i in range(3)]
    fig = viz.multi_run_modes_figure(runs, N_MODES)
    colors = [t["line"]["color"] for t in fig["data"]]
    assert len(set(colors)) == 3 and [t["name"] for t in fig["data"]] == ["run 0", "run 1", "run 2"]
    assert any(s["y0"] == N_MODES for s in fig["layout"]["shapes"])


def test_class_histogram_counts_covered_by_the_one_rule():
    """Issue 13 item 6: the histogram's "k/10 covered" is the quality chart's rule (confident samples
    at or above the threshold line), not argmax counts: an untrained G's grey noise, all "8" at
    10 % confidence, covers 0 of 10 (it read 1/10)."""
    noise = {"confident": [0] * 10, "unsure": [0] * 8 + [1000, 0], "threshold": 20.0, "n": 1000}
    fig = viz.class_histogram_figure(noise)
    assert "0/10 covered" in title_of(fig)
    confident, unsure = fig["data"]
    assert fig["layout"]["barmode"] == "stack" and unsure["marker"]["opacity"] < 1 and list(unsure["y"])[8] == 1000
    shapes = fig["layout"]["shapes"]
    assert [s["y0"] for s in shapes] == [pytest.approx(100.0), pytest.approx(20.0)]  # fair share, threshold
    some = {"confident": [30, 19, 20, 0, 0, 0, 0, 0, 0, 0], "unsure": [0] * 10, "threshold": 20.0, "n": 1000}
    assert "2/10 covered" in title_of(viz.class_histogram_figure(some))
    assert "7/10" in title_of(viz.class_histogram_figure(some, coverage=7))  # the run's own metric wins
    plain = viz.class_histogram_figure([10, 10, 10, 10, 10, 0, 0, 0, 0, 0], mean_confidence=0.9)
    assert "5/10" in title_of(plain) and "confidence 0.90" in plain["layout"]["title"]["subtitle"]["text"]


def test_frechet_figure_is_log_scaled_with_its_floor():
    fig = viz.frechet_figure(make_metric_history(20), floor=1.4)
    assert fig["layout"]["yaxis"]["type"] == "log"
    shape, label = fig["layout"]["shapes"][0], fig["layout"]["annotations"][0]
    assert shape["y0"] == pytest.approx(1.4)  # shapes take data values on a log axis ...
    assert label["y"] == pytest.approx(math.log10(1.4)) and "1.4" in label["text"]  # annotations log10
    assert "classifier" in fig["layout"]["title"]["subtitle"]["text"]


def test_digits_quality_figure_ranges():
    fig = viz.digits_quality_figure(make_metric_history(20))
    assert fig["layout"]["yaxis"]["range"][1] >= 10 and fig["layout"]["yaxis2"]["range"][1] <= 1.1


# --- theory page ---------------------------------------------------------------------------------
def test_density_1d_figure_layers():
    fig = viz.density_1d_figure(make_views_1d(), real=np.zeros((10, 1)))
    d = traces_named(fig, "D(x)")[0]
    assert d["yaxis"] == "y2" and fig["layout"]["yaxis2"]["range"] == [-0.02, 1.02]
    assert any(s["y0"] == 0.5 and s["yref"] == "y2" for s in fig["layout"]["shapes"])
    critic = viz.density_1d_figure(make_views_1d(False))
    assert not traces_named(critic, "optimal D*"), "D* is a probability; not drawn against a critic"


def test_density_1d_draws_d_star_only_where_some_density_is():
    """D* = p_data / (p_data + p_g) is 0/0 where neither density has mass: there the estimate
    swings between 0 and 1 on nothing (issue 13, item 3). It is drawn only where p_data or p_g is
    above a small share of its own peak, and the legend says so."""
    x = np.linspace(-6, 6, 601)
    p_data, p_g = np.exp(-((x - 0.3) ** 2) / 0.5), np.exp(-((x + 0.3) ** 2) / 0.4)  # tails of unequal width
    views = {"x": x, "p_data": p_data, "p_g": p_g, "d": np.full_like(x, 0.5), "probabilistic": True}
    views["d_optimal"] = p_data / (p_data + p_g)
    fig = viz.density_1d_figure(views)
    assert_valid(fig)
    (star,) = traces_named(fig, "optimal D*")
    y = np.asarray(star["y"], dtype=np.float64)
    there = (p_data >= viz.D_STAR_SUPPORT * p_data.max()) | (p_g >= viz.D_STAR_SUPPORT * p_g.max())
    assert np.isnan(y[~there]).all() and (~there).sum() > 100  # the far tails: not drawn
    np.testing.assert_allclose(y[there], views["d_optimal"][there], rtol=1e-6)  # float32 on the wire
    assert f"{viz.D_STAR_SUPPORT:.0%}" in star["name"] and "peak" in star["name"]
    # An untrained G's spike of p_g: D* = 1 is still drawn over the data it has not reached.
    spike = np.exp(-((x + 3) ** 2) / 0.002) * 20
    views = {**views, "p_g": spike, "d_optimal": p_data / (p_data + spike + 1e-300)}
    y = np.asarray(traces_named(viz.density_1d_figure(views), "optimal D*")[0]["y"], dtype=np.float64)
    data_bulk = p_data >= 0.1 * p_data.max()
    assert np.isfinite(y[data_bulk]).all() and np.allclose(y[data_bulk], 1.0)


def _slope(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.gradient(y, x)


def test_generator_loss_gradients_are_the_slopes_of_the_drawn_curves():
    """The dotted |gradient| lines must be the slopes of the loss curves as drawn, on the same
    x-axis (issue 13, item 1): against D, log(1 - D) has slope -1 near D = 0, so the losses are
    drawn against D's logit s, where the saturating -softplus(s) really is flat when D rejects."""
    fig = viz.generator_loss_curves_figure()
    assert_valid(fig)
    for loss_name, grad_name in (
        ("saturating loss", "|slope|, saturating"),
        ("non-saturating loss", "|slope|, non-saturating"),
    ):
        (loss,) = [t for t in fig["data"] if t.get("name", "").startswith(loss_name)]
        (grad,) = traces_named(fig, grad_name)
        x = np.asarray(loss["x"], dtype=np.float64)
        np.testing.assert_array_equal(x, np.asarray(grad["x"], dtype=np.float64))
        slope = _slope(x, np.asarray(loss["y"], dtype=np.float64))
        np.testing.assert_allclose(np.abs(slope)[1:-1], np.asarray(grad["y"], dtype=np.float64)[1:-1], atol=2e-3)
    s = np.asarray(traces_named(fig, "|slope|, saturating")[0]["x"], dtype=np.float64)
    sat = np.asarray(traces_named(fig, "|slope|, saturating")[0]["y"], dtype=np.float64)
    assert s.min() <= -5 and s.max() >= 5 and sat[0] < 0.01  # D rejects (s << 0): flat
    assert "logit" in fig["layout"]["xaxis"]["title"]["text"]
    top = fig["layout"]["xaxis2"]  # D itself, on a second axis above
    d_ticks = 1 / (1 + np.exp(-np.asarray(top["tickvals"], dtype=np.float64)))
    np.testing.assert_allclose(d_ticks, [float(t) for t in top["ticktext"]], atol=5e-3)
    assert any("vanishes" in a["text"] for a in fig["layout"]["annotations"])
    assert not fig["layout"].get("shapes")
    marked = viz.generator_loss_curves_figure(0.25)
    assert marked["layout"]["shapes"][0]["x0"] == pytest.approx(math.log(0.25 / 0.75))  # at D's logit
    assert any("0.250" in a["text"] for a in marked["layout"]["annotations"])
    assert viz.generator_loss_curves_figure(1e-9)["layout"]["shapes"][0]["x0"] >= s.min()  # kept on the chart


def test_value_function_marks_equilibrium_and_operating_point():
    fig = viz.value_function_figure()
    contour = fig["data"][0]
    z = np.asarray(contour["z"])
    i = np.argmin(np.abs(np.asarray(contour["x"]) - 0.5))
    assert z[i, i] == pytest.approx(-math.log(4), abs=0.05)
    assert any("log 4" in a["text"] for a in fig["layout"]["annotations"])
    assert not traces_named(fig, "this run")
    marked = viz.value_function_figure(0.8, 0.1)
    point = traces_named(marked, "this run")[0]
    assert (point["x"], point["y"]) == ([0.8], [0.1])


# --- handing figures to Streamlit ----------------------------------------------------------------
def _streamlit_spec(fig) -> dict:
    """What st.plotly_chart (Streamlit 1.67) sends to the browser for a figure."""
    figure = plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)
    return json.loads(pio.to_json(figure, validate=False))


@pytest.mark.parametrize("name", ["playground", "loss", "modes", "value_function", "class_hist"])
def test_trusted_figure_sends_what_validation_would(name):
    fig = all_figures()[name]
    assert _streamlit_spec(viz.trusted_figure(fig)) == _streamlit_spec(fig)


def test_trusted_figure_does_not_modify_the_dict():
    fig = viz.loss_figure(make_history(50))
    before = json.dumps(fig, cls=PlotlyJSONEncoder)
    _streamlit_spec(viz.trusted_figure(fig))
    assert json.dumps(fig, cls=PlotlyJSONEncoder) == before


def test_class_histogram_names_the_classes_of_its_data_set():
    names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    view = {"confident": [30] * 10, "unsure": [70] * 10, "threshold": 20.0, "n": 1000, "labels": names}
    fig = viz.class_histogram_figure(view, 10, 0.85)
    assert [list(t["x"]) for t in fig["data"]] == [names, names]
    assert title_of(fig).startswith("By class: 10/10 covered")
    assert list(viz.class_histogram_figure([3] * 10)["data"][0]["x"]) == [str(d) for d in range(10)]
