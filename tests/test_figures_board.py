"""The board's chart (issue 15)."""

from __future__ import annotations

import plotly.graph_objects as go

from classroom.board import BoardView, Entry, Result, make_challenge
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
    assert "<b>Bo</b>" in lr["text"][shared] and "<b>Cy</b>" in lr["text"][shared]
    assert lr["marker"]["size"][shared] > min(lr["marker"]["size"])
    reached = next(i for i, y in enumerate(lr["y"]) if y == 8)
    assert lr["marker"]["color"][reached] == GOAL and lr["marker"]["symbol"][reached] == "star"
    assert fig["layout"]["xaxis"]["type"] == "log" and fig["layout"]["xaxis3"]["type"] == "category"


def test_a_shared_point_shows_each_attempts_own_settings():
    """Issue 24 (review): attempts share a point by this panel's value and their modes only; the hover
    showed the first attempt's settings beside every nickname."""
    bo = {"lr_g": 1e-4, "d_steps": 1, "loss": "nonsaturating"}
    dee = {"lr_g": 1e-4, "d_steps": 5, "loss": "nonsaturating"}
    lr = board_figure(_view([("Bo", bo, 2), ("Dee", dee, 2)]))["data"][0]
    (text,) = lr["text"]
    lines = text.split("<br>")
    assert "d_steps 1" in next(line for line in lines if "Bo" in line)
    assert "d_steps 5" in next(line for line in lines if "Dee" in line)


def test_an_empty_board_says_so():
    fig = board_figure(BoardView(0, None, False, 0, ()))
    go.Figure(fig)
    assert "no results yet" in fig["layout"]["annotations"][0]["text"]
