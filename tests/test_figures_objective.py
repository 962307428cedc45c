"""figures.objective: the generator losses and their slopes against D's logit, the value function,
and the gradient signal each loss gives G."""

import math

import numpy as np
import pytest
from figure_checks import assert_valid, traces_named

from figures import objective
from figures.objective import gradient_signal


def _slope(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.gradient(y, x)


def test_generator_loss_gradients_are_the_slopes_of_the_drawn_curves():
    """The dotted |gradient| lines must be the slopes of the loss curves as drawn, on the same
    x-axis (issue 13, item 1): against D, log(1 - D) has slope -1 near D = 0, so the losses are
    drawn against D's logit s, where the saturating -softplus(s) really is flat when D rejects."""
    fig = objective.generator_loss_curves_figure()
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
    marked = objective.generator_loss_curves_figure(0.25)
    assert marked["layout"]["shapes"][0]["x0"] == pytest.approx(math.log(0.25 / 0.75))  # at D's logit
    assert any("0.250" in a["text"] for a in marked["layout"]["annotations"])
    assert objective.generator_loss_curves_figure(1e-9)["layout"]["shapes"][0]["x0"] >= s.min()  # kept on the chart


def test_value_function_marks_equilibrium_and_operating_point():
    fig = objective.value_function_figure()
    contour = fig["data"][0]
    z = np.asarray(contour["z"])
    i = np.argmin(np.abs(np.asarray(contour["x"]) - 0.5))
    assert z[i, i] == pytest.approx(-math.log(4), abs=0.05)
    assert any("log 4" in a["text"] for a in fig["layout"]["annotations"])
    assert not traces_named(fig, "this run")
    marked = objective.value_function_figure(0.8, 0.1)
    point = traces_named(marked, "this run")[0]
    assert (point["x"], point["y"]) == ([0.8], [0.1])


def test_gradient_signal_vanishes_for_the_saturating_loss_when_d_wins():
    s = gradient_signal(0.02)
    assert math.isclose(s["saturating"], 0.02) and math.isclose(s["nonsaturating"], 0.98)
    assert s["ratio"] > 40
    assert gradient_signal(None) is None and gradient_signal(float("nan")) is None
    assert gradient_signal(3.5) is None  # a critic score is not a probability
