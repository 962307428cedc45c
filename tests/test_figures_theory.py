"""figures.theory: the live 1D run's densities with D and D*, and C(G) = −log 4 + 2·JS drawn right."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from figure_checks import assert_valid, make_views_1d, traces_named

from figures import theory
from figures.theory import LOG4, criterion_figure, js_history_key


def test_criterion_is_minus_log4_plus_twice_js_with_its_floor():
    js = np.array([math.log(2), 0.3, 0.0])
    fig = criterion_figure({"step": np.array([0.0, 10.0, 20.0]), "js_grid": js})
    go.Figure(fig)  # a valid Plotly figure (Streamlit validates it the same way)
    y = np.asarray(fig["data"][0]["y"], dtype=float)
    assert np.allclose(y, -LOG4 + 2 * js)
    assert math.isclose(y[0], 0.0, abs_tol=1e-12)  # disjoint supports: C(G) = 0
    floors = [s["y0"] for s in fig["layout"]["shapes"]]
    assert any(math.isclose(f, -LOG4) for f in floors) and 0.0 in floors
    lo, hi = fig["layout"]["yaxis"]["range"]
    assert lo < -LOG4 and hi > 0


def test_criterion_prefers_the_density_estimate_and_handles_no_data():
    h = {"step": np.arange(3.0), "js_grid": np.full(3, 0.5), "js_kde": np.full(3, 0.1)}
    assert js_history_key(h)[0] == "js_kde"
    assert np.allclose(criterion_figure(h)["data"][0]["y"], -LOG4 + 0.2)
    empty = criterion_figure({})
    go.Figure(empty)
    assert "press start" in empty["layout"]["annotations"][0]["text"]


def test_criterion_counts_d_updates_and_shades_ds_head_start():
    """150 D-only updates (the page's head start) must not stack on one x (issue 13, item 4):
    the x-axis counts D updates, and a stretch where only D trained is shaded and labelled."""
    h = {
        "step": np.array([0.0, 0.0, 0.0, 50.0]),
        "d_updates": np.array([0.0, 150.0, 150.0, 200.0]),
        "g_updates": np.array([0.0, 0.0, 3.0, 53.0]),
        "js_kde": np.array([0.6, 0.6, 0.58, 0.3]),
    }
    fig = criterion_figure(h)
    go.Figure(fig)
    assert list(np.asarray(fig["data"][0]["x"], dtype=float)) == [0.0, 150.0, 150.0, 200.0]
    assert "D updates" in fig["layout"]["xaxis"]["title"]["text"]
    bands = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
    assert [(b["x0"], b["x1"]) for b in bands] == [(0.0, 150.0)]
    assert any("D alone" in a["text"] for a in fig["layout"]["annotations"])
    # A history without the counters (an old run) still draws, against the training step.
    old = criterion_figure({"step": np.array([0.0, 10.0]), "js_kde": np.array([0.5, 0.4])})
    assert list(np.asarray(old["data"][0]["x"], dtype=float)) == [0.0, 10.0]
    assert not [s for s in old["layout"]["shapes"] if s["type"] == "rect"]


# --- the densities -------------------------------------------------------------------------------
def test_density_1d_figure_layers():
    fig = theory.density_1d_figure(make_views_1d(), real=np.zeros((10, 1)))
    d = traces_named(fig, "D(x)")[0]
    assert d["yaxis"] == "y2" and fig["layout"]["yaxis2"]["range"] == [-0.02, 1.02]
    assert any(s["y0"] == 0.5 and s["yref"] == "y2" for s in fig["layout"]["shapes"])
    critic = theory.density_1d_figure(make_views_1d(False))
    assert not traces_named(critic, "optimal D*"), "D* is a probability; not drawn against a critic"


def test_density_1d_draws_d_star_only_where_some_density_is():
    """D* = p_data / (p_data + p_g) is 0/0 where neither density has mass: there the estimate
    swings between 0 and 1 on nothing (issue 13, item 3). It is drawn only where p_data or p_g is
    above a small share of its own peak, and the legend says so."""
    x = np.linspace(-6, 6, 601)
    p_data, p_g = np.exp(-((x - 0.3) ** 2) / 0.5), np.exp(-((x + 0.3) ** 2) / 0.4)  # tails of unequal width
    views = {"x": x, "p_data": p_data, "p_g": p_g, "d": np.full_like(x, 0.5), "probabilistic": True}
    views["d_optimal"] = p_data / (p_data + p_g)
    fig = theory.density_1d_figure(views)
    assert_valid(fig)
    (star,) = traces_named(fig, "optimal D*")
    y = np.asarray(star["y"], dtype=np.float64)
    there = (p_data >= theory.D_STAR_SUPPORT * p_data.max()) | (p_g >= theory.D_STAR_SUPPORT * p_g.max())
    assert np.isnan(y[~there]).all() and (~there).sum() > 100  # the far tails: not drawn
    np.testing.assert_allclose(y[there], views["d_optimal"][there], rtol=1e-6)  # float32 on the wire
    assert f"{theory.D_STAR_SUPPORT:.0%}" in star["name"] and "peak" in star["name"]
    # An untrained G's spike of p_g: D* = 1 is still drawn over the data it has not reached.
    spike = np.exp(-((x + 3) ** 2) / 0.002) * 20
    views = {**views, "p_g": spike, "d_optimal": p_data / (p_data + spike + 1e-300)}
    y = np.asarray(traces_named(theory.density_1d_figure(views), "optimal D*")[0]["y"], dtype=np.float64)
    data_bulk = p_data >= 0.1 * p_data.max()
    assert np.isfinite(y[data_bulk]).all() and np.allclose(y[data_bulk], 1.0)
