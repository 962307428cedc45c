"""figures.curves: the training curves (losses, D's accuracy and outputs, gradient norms)."""

import numpy as np
import pytest
import torch
from figure_checks import assert_valid, axis_title, make_history

from figures import curves, theme


def test_non_finite_values_do_not_break_figures():
    hist = make_history(200)
    hist["loss_d"][50:60] = np.nan
    hist["loss_g"][70] = np.inf
    fig = curves.loss_figure(hist)
    assert_valid(fig)
    smoothed = [t for t in fig["data"] if t["name"] == "D loss" and t.get("showlegend", True)][0]
    assert np.isfinite(smoothed["y"][-1]), "one NaN step must not erase the rest of the smoothed curve"


# --- training curves -----------------------------------------------------------------------------
def test_accuracy_figure_has_the_chance_line_at_one_half():
    fig = curves.accuracy_figure(make_history(100))
    lines = [s for s in fig["layout"]["shapes"] if s["y0"] == 0.5 == s["y1"]]
    assert len(lines) == 1 and lines[0]["line"]["dash"] == "dash"
    assert any("50 %: chance" in a["text"] for a in fig["layout"]["annotations"])
    assert fig["layout"]["yaxis"]["range"][0] <= 0 and fig["layout"]["yaxis"]["range"][1] >= 1
    assert {t["name"] for t in fig["data"]} == {"on real", "on fake", "overall"}


def test_d_outputs_probabilistic_vs_critic():
    hist = make_history(100)
    prob = curves.d_outputs_figure(hist, probabilistic=True)
    assert any(s["y0"] == 0.5 for s in prob["layout"].get("shapes", []))
    assert prob["layout"]["yaxis"]["range"][1] <= 1.05
    critic = curves.d_outputs_figure(hist, probabilistic=False)
    assert "critic score" in axis_title(critic, "yaxis")
    assert not critic["layout"].get("shapes")  # loss unknown: no decision line


@pytest.mark.parametrize(
    "loss, probabilistic, line",
    [("nonsaturating", True, 0.5), ("minimax", True, 0.5), ("least-squares", False, 0.5), ("hinge", False, 0.0)],
)
def test_what_d_says_marks_each_losss_own_decision_point(loss, probabilistic, line):
    """Issue 12 item 3: the "can't tell" line sits where the loss's verdict flips (0.5 for a
    probability and for least squares' 0/1 targets, 0 for hinge), the point D's accuracy uses."""
    fig = curves.d_outputs_figure(make_history(100), probabilistic, loss=loss)
    assert [s["y0"] for s in fig["layout"]["shapes"]] == [line]


def test_what_the_wgan_critic_says_has_a_moving_midpoint_not_a_fixed_line():
    hist = make_history(100)
    fig = curves.d_outputs_figure(hist, probabilistic=False, loss="wgan-gp", smooth=False)
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
    fig = curves.loss_figure(make_history(100), loss=loss)
    assert sorted(round(s["y0"], 4) for s in fig["layout"]["shapes"]) == sorted([d_eq, g_eq])
    assert sum("equilibrium" in a["text"] for a in fig["layout"]["annotations"]) == 2
    for name in ("wgan-gp", "hinge", None):
        assert not curves.loss_figure(make_history(100), loss=name)["layout"].get("shapes")


@pytest.mark.parametrize("loss", ["nonsaturating", "minimax", "least-squares"])
def test_the_equilibrium_constants_are_the_losses_at_d_one_half(loss):
    from gan_core.losses import LOSSES

    half = torch.zeros(64) if LOSSES[loss].probabilistic else torch.full((64,), 0.5)  # logit 0 / score 1/2
    d_eq, g_eq = curves.EQUILIBRIUM_LOSSES[loss]
    assert LOSSES[loss].d_loss(half, half).item() == pytest.approx(d_eq, abs=1e-6)
    assert LOSSES[loss].g_loss(half).item() == pytest.approx(g_eq, abs=1e-6)


def test_loss_figure_smoothing_draws_faint_raw_under_smoothed():
    fig = curves.loss_figure(make_history(1000), smooth=True)
    assert len(fig["data"]) == 4
    raw = [t for t in fig["data"] if t.get("opacity", 1) < 1]
    assert len(raw) == 2 and all(t["showlegend"] is False for t in raw)
    # short runs (step-by-step clicking) are drawn unsmoothed, so one click shows at once
    assert len(curves.loss_figure(make_history(20), smooth=True)["data"]) == 2


def test_grad_norm_figure_is_log_scale():
    fig = curves.grad_norm_figure(make_history(100))
    assert fig["layout"]["yaxis"]["type"] == "log"
    assert [t["line"]["color"] for t in fig["data"]] == [theme.D_COLOR, theme.G_COLOR]
