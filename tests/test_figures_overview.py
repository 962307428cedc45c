"""The Overview page's pure builders: which network the diagram lights up, and D's verdicts."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest

from figures.overview import FROZEN, NEUTRAL, RESTING, TRAINING, d_at_points, d_opinion, diagram_state, gan_loop_svg


def _net_classes(svg: str) -> dict[str, str]:
    """{'G': 'ganx-net ganx-frozen', 'D': ...} read from the SVG's network groups."""
    root = ET.fromstring(svg)
    out = {}
    for group in root.iter("{http://www.w3.org/2000/svg}g") if root.tag.startswith("{") else root.iter("g"):
        cls = group.get("class", "")
        if "ganx-net" in cls:
            letter = [t.text for t in group if t.tag.endswith("text") and t.get("class") == "ganx-big"][0]
            out[letter] = cls
    return out


def test_running_run_shows_both_networks_taking_turns_with_k_d_steps():
    state = diagram_state("running", "both", 120, 600, 120, d_steps=5, g_steps=1)
    assert state.live and state.d == TRAINING and state.g == TRAINING
    assert "take turns: 5 D steps, then 1 G step" in state.sentence
    svg = gan_loop_svg(state)
    classes = _net_classes(svg)
    assert "ganx-live-d" in classes["D"] and "ganx-live-g" in classes["G"]
    assert "LIVE" in svg


@pytest.mark.parametrize(
    "phase, d_look, g_look, badge",
    [
        ("d", TRAINING, FROZEN, "D JUST LEARNED"),
        ("g", FROZEN, TRAINING, "G JUST LEARNED"),
        ("both", RESTING, RESTING, "PAUSED"),
    ],
)
def test_one_off_step_highlights_the_network_that_learned(phase, d_look, g_look, badge):
    state = diagram_state("paused", phase, 3, 4, 3)
    assert (state.d, state.g, state.badge, state.live) == (d_look, g_look, badge, False)
    classes = _net_classes(gan_loop_svg(state))
    assert f"ganx-{d_look}" in classes["D"] and f"ganx-{g_look}" in classes["G"]
    assert "ganx-live" not in classes["D"] + classes["G"]


def test_untrained_run_is_neutral_and_the_svg_is_well_formed():
    state = diagram_state("idle", "both", 0, 0, 0)
    assert (state.d, state.g, state.badge) == (NEUTRAL, NEUTRAL, "READY")
    svg = gan_loop_svg(state, noise="uniform")
    ET.fromstring(svg)  # raises on malformed markup
    assert "U(−1, 1)" in svg


def test_g_step_draws_the_gradient_path_back_through_frozen_d_and_d_step_draws_d_loss():
    g_svg = gan_loop_svg(diagram_state("paused", "g", 0, 1, 1))
    d_svg = gan_loop_svg(diagram_state("paused", "d", 0, 1, 0))
    assert "gradient flows back" in g_svg and "gradient flows back" not in d_svg
    assert "D’s loss" in d_svg and "D’s loss" not in g_svg


def test_diverged_run_greys_both_networks():
    state = diagram_state("diverged", "both", 10, 10, 10)
    assert (state.d, state.g, state.live) == (FROZEN, FROZEN, False)


def _plane_map(fn, n=21, lo=-2.0, hi=2.0):
    xs = np.linspace(lo, hi, n)
    ys = np.linspace(lo, hi, n)
    gx, gy = np.meshgrid(xs, ys)  # rows follow y, as the evaluator builds it
    return {"x": xs, "y": ys, "z": fn(gx, gy), "probabilistic": True}


def test_d_at_points_interpolates_a_linear_map_exactly_and_clamps_outside():
    heat = _plane_map(lambda x, y: 0.5 + 0.1 * x - 0.2 * y)
    pts = np.array([[0.33, -1.27], [1.9, 0.05], [-0.4, 0.4]])
    np.testing.assert_allclose(d_at_points(heat, pts), 0.5 + 0.1 * pts[:, 0] - 0.2 * pts[:, 1], atol=1e-12)
    far = d_at_points(heat, np.array([[10.0, 0.0], [0.0, -10.0]]))
    np.testing.assert_allclose(far, [0.5 + 0.1 * 2.0, 0.5 + 0.2 * 2.0])


def test_d_opinion_is_ds_verdict_on_batches_not_the_map():
    """Issue 12: the Overview's D(x) / D(G(z)) tiles show D's verdict on a real and a fake batch
    (views["d_verdict"]), never the map read at points (with minibatch statistics they differ)."""
    heat = _plane_map(lambda x, y: np.where(x > 0, 0.9, 0.1))
    views = {
        "heatmap": heat,
        "real": np.array([[1.0, 0.0], [1.5, 1.0]]),
        "d_verdict": {"real": 0.48, "fake": 0.36, "probabilistic": True},
    }
    opinion = d_opinion(views)
    assert opinion.on_real == pytest.approx(0.48) and opinion.on_fake == pytest.approx(0.36)
    assert d_opinion({"heatmap": heat, "real": views["real"]}) is None  # a map alone is not a verdict
    assert d_opinion(None) is None
