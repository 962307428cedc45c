"""Dirac GAN figures draw the field, the path and the distances the engine computed."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from figures.dirac import ARROW_SPACING, distance_figure, field_figure, parameters_figure
from gan_core.dirac import DiracConfig, DiracGAN


def _arrows(trace: dict) -> tuple[np.ndarray, np.ndarray]:
    """(starts, tips) of arrows drawn as start, tip, gap, barb, tip, barb, gap."""
    xy = np.stack([np.asarray(trace["x"], dtype=float), np.asarray(trace["y"], dtype=float)], 1).reshape(-1, 7, 2)
    return xy[:, 0], xy[:, 1]


def test_field_arrows_point_along_the_field_and_fit_the_grid():
    gan = DiracGAN(DiracConfig(loss="wgan-gp"))
    thetas, psis = np.linspace(-2, 2, 5), np.linspace(-1, 1, 3)  # spacings 1.0 and 1.0
    field = gan.gradient_field(thetas, psis)
    fig = field_figure(field)
    go.Figure(fig)
    starts, tips = _arrows(fig["data"][0])
    grid_theta, grid_psi = np.meshgrid(thetas, psis)
    assert np.allclose(starts, np.stack([grid_theta.ravel(), grid_psi.ravel()], 1), atol=1e-6)
    drawn = tips - starts
    true = np.stack([field.d_theta.ravel(), field.d_psi.ravel()], 1)
    # WGAN's field is (ψ, −θ): every arrow is that vector, scaled so the longest fills ARROW_SPACING of a grid step.
    scale = ARROW_SPACING * 1.0 / np.hypot(true[:, 0], true[:, 1]).max()
    assert np.allclose(drawn, true * scale, atol=1e-5)
    equilibrium = [t for t in fig["data"] if "equilibrium" in t["name"]][0]
    assert (equilibrium["x"], equilibrium["y"]) == ([0.0], [0.0])
    assert fig["layout"]["yaxis"]["scaleanchor"] == "x"  # one unit of θ and ψ look alike: circles look round


def test_unit_arrows_show_directions_only():
    field = DiracGAN().gradient_field(np.linspace(-1, 1, 5), np.linspace(-1, 1, 5))
    starts, tips = _arrows(field_figure(field, unit_arrows=True)["data"][0])
    lengths = np.hypot(*(tips - starts).T)
    at_rest = np.hypot(*starts.T) < 1e-9  # the field vanishes at the equilibrium: no direction there
    assert np.allclose(lengths[~at_rest], ARROW_SPACING * 0.5, atol=1e-5)  # all equal: grid spacing 0.5
    assert at_rest.sum() == 1 and lengths[at_rest][0] == 0.0


def test_the_trajectory_is_the_path_training_took():
    gan = DiracGAN(DiracConfig(theta=1.0, psi=0.5))
    trajectory = gan.run(40)
    fig = field_figure(gan.gradient_field(np.linspace(-2, 2, 9), np.linspace(-2, 2, 9)), trajectory)
    go.Figure(fig)
    path = [t for t in fig["data"] if t["name"].startswith("training")][0]
    assert np.allclose(path["x"], trajectory.theta, atol=1e-6) and np.allclose(path["y"], trajectory.psi, atol=1e-6)
    assert "40 steps" in path["name"]
    start = [t for t in fig["data"] if t["name"] == "start"][0]
    now = [t for t in fig["data"] if t["name"] == "now"][0]
    assert start["x"] == [1.0] and start["y"] == [0.5]
    assert np.isclose(now["x"][0], gan.theta) and np.isclose(now["y"][0], gan.psi)


def test_theta_and_psi_over_time():
    trajectory = DiracGAN(DiracConfig(update="alternating")).run(30)
    fig = parameters_figure(trajectory)
    go.Figure(fig)
    theta, psi = fig["data"]
    assert np.allclose(theta["x"], trajectory.steps) and np.allclose(theta["y"], trajectory.theta, atol=1e-6)
    assert np.allclose(psi["y"], trajectory.psi, atol=1e-6)
    assert "G" in theta["name"] and "D" in psi["name"]


def test_distance_lines_and_the_theory_line():
    sim = DiracGAN(DiracConfig(theta=1e-3, psi=0.0, lr=0.3))
    runs = {
        "simultaneous": sim.run(50),
        "R1": DiracGAN(DiracConfig(theta=1e-3, psi=0.0, lr=0.3, r1_weight=1.0)).run(50),
    }
    fig = distance_figure(runs, growth=sim.simultaneous_growth())
    go.Figure(fig)
    assert [t["name"] for t in fig["data"]][:2] == ["simultaneous", "R1"]
    assert np.allclose(fig["data"][0]["y"], runs["simultaneous"].distance, rtol=1e-6)
    theory = fig["data"][2]
    # Near (0, 0) the measured distance follows the predicted factor per step.
    assert np.allclose(theory["y"], runs["simultaneous"].distance, rtol=1e-4)
    assert "×1.011" in theory["name"]  # √(1 + 0.3²·0.5²) = 1.0112
    assert fig["layout"]["yaxis"]["type"] == "log"


def test_a_run_that_reaches_zero_leaves_a_gap_on_the_log_axis():
    trajectory = DiracGAN(DiracConfig(theta=0.0, psi=0.0)).run(3)  # starts at the equilibrium and stays
    fig = distance_figure({"at rest": trajectory})
    go.Figure(fig)
    assert np.isnan(np.asarray(fig["data"][0]["y"], dtype=float)).all()
