"""The board's chart and projector-sized fonts (issue 15)."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from classroom.board import BoardView, Entry, Result, make_challenge
from figures import viz
from figures.board import GOAL, board_figure


def _view(entries: list[tuple[str, dict, int]]) -> BoardView:
    challenge = make_challenge("ring8-collapse", ("lr_g", "d_steps", "loss"))
    made = tuple(
        Entry(name, tuple((k, settings[k]) for k in challenge.allowed), Result(modes, 0.9, 1000), 0.0)
        for name, settings, modes in entries
    )
    return BoardView(1, challenge, True, len(made), made)


def test_every_attempt_is_a_point_at_its_true_setting_and_result():
    a = {"lr_g": 1e-4, "d_steps": 1, "loss": "nonsaturating"}
    b = {"lr_g": 2.5e-5, "d_steps": 5, "loss": "nonsaturating"}
    fig = board_figure(_view([("Ada", b, 8), ("Bo", a, 2), ("Cy", a, 2)]))
    go.Figure(fig)  # a valid Plotly figure
    lr, steps, loss = fig["data"]
    assert [t["xaxis"] for t in fig["data"]] == ["x", "x2", "x3"]
    assert sorted(zip(lr["x"], lr["y"])) == [(2.5e-5, 8), (1e-4, 2)]
    assert sorted(zip(steps["x"], steps["y"])) == [(1, 2), (5, 8)]
    # Ada and Bo/Cy share no point; Bo and Cy share one, bigger, that names both.
    shared = next(i for i, y in enumerate(lr["y"]) if y == 2)
    assert "Bo, Cy" in lr["text"][shared] and lr["marker"]["size"][shared] > min(lr["marker"]["size"])
    reached = next(i for i, y in enumerate(lr["y"]) if y == 8)
    assert lr["marker"]["color"][reached] == GOAL and lr["marker"]["symbol"][reached] == "star"
    assert fig["layout"]["xaxis"]["type"] == "log" and fig["layout"]["xaxis3"]["type"] == "category"


def test_an_empty_board_says_so():
    fig = board_figure(BoardView(0, None, False, 0, ()))
    go.Figure(fig)
    assert "no results yet" in fig["layout"]["annotations"][0]["text"]


def test_scale_fonts_enlarges_every_font_and_keeps_the_plot_area():
    fig = viz.loss_figure({"step": np.arange(10.0), "loss_d": np.ones(10), "loss_g": np.ones(10)}, loss="minimax")
    big = viz.scale_fonts(fig, 1.5)
    go.Figure(big)
    assert big["layout"]["title"]["font"]["size"] == pytest.approx(1.5 * fig["layout"]["title"]["font"]["size"])
    assert big["layout"]["xaxis"]["tickfont"]["size"] == pytest.approx(1.5 * viz.TICK_SIZE)
    assert big["layout"]["xaxis"]["title"]["font"]["size"] == pytest.approx(1.5 * viz.AXIS_TITLE_SIZE)
    assert all(a["font"]["size"] == pytest.approx(1.5 * viz.TICK_SIZE) for a in big["layout"]["annotations"])
    grown = big["layout"]["margin"]["t"] - fig["layout"]["margin"]["t"]
    assert grown > 0 and big["layout"]["height"] - fig["layout"]["height"] == grown
    assert fig["layout"]["title"]["font"]["size"] == viz.TITLE_SIZE  # the original is untouched
    assert big["data"][0]["y"] is fig["data"][0]["y"]  # arrays shared, not copied
    assert viz.scale_fonts(fig, 1) is fig
    field = viz.scale_fonts(viz.playground_figure(np.zeros((4, 2)), np.ones((4, 2)), {}, ("real", "fake")), 1.5)
    assert field["layout"]["legend"]["y"] < -0.2 * 1.5  # a legend under the plot moves clear of the axis title
    with pytest.raises(ValueError, match="font scale"):
        viz.scale_fonts(fig, 10)
