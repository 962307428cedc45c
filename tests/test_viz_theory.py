"""Theory-page figure builders: C(G) = −log 4 + 2·JS drawn right, and the gradient signal."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from figures.theory import LOG4, criterion_figure, gradient_signal, js_history_key


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


def test_gradient_signal_vanishes_for_the_saturating_loss_when_d_wins():
    s = gradient_signal(0.02)
    assert math.isclose(s["saturating"], 0.02) and math.isclose(s["nonsaturating"], 0.98)
    assert s["ratio"] > 40
    assert gradient_signal(None) is None and gradient_signal(float("nan")) is None
    assert gradient_signal(3.5) is None  # a critic score is not a probability


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
