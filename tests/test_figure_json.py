"""ui.figure_json: the live charts' JSON is the plain path's figure, sent compactly (issue 26)."""

from __future__ import annotations

import json
import time

import numpy as np
import plotly.io as pio
import pytest
from apptest_utils import decoded
from figure_checks import all_figures

from gan_core import fast
from ui.figure_json import figure_json


@pytest.mark.parametrize("name", sorted(all_figures()))
def test_the_fast_json_is_the_plain_paths_figure(name):
    fig = all_figures()[name]
    plain = json.loads(pio.to_json(fig, validate=False))
    assert decoded(json.loads(figure_json(fig))) == plain


def test_nan_stays_a_gap_and_int64_and_float32_arrays_keep_their_values():
    fig = {
        "data": [
            {"x": np.arange(5, dtype=np.int64), "y": np.array([1.0, np.nan, 3.0, np.inf, 5.0]), "type": "scatter"},
            {"x": np.float32([0.1, 0.2]), "y": np.array([2**40, 1], dtype=np.int64), "type": "scatter"},
            {"z": np.arange(6, dtype=np.float32).reshape(2, 3), "type": "heatmap"},
        ],
        "layout": {"xaxis": {"range": np.array([0.0, 4.0])}, "title": {"text": "a <b>bold</b>/title"}, "y": np.nan},
    }
    text = figure_json(fig)
    sent = json.loads(text)
    assert sent["data"][0]["y"] == [1.0, None, 3.0, None, 5.0]  # a gap in the line, as before
    assert (
        sent["data"][0]["x"]["dtype"] == "i4"
        and sent["data"][1]["y"] == [2**40, 1]
        and sent["data"][2]["z"]["shape"] == "2, 3"
    )
    assert sent["layout"]["xaxis"]["range"] == [0.0, 4.0]  # plotly.js reads a range as a list only
    assert decoded(sent) == json.loads(pio.to_json(fig, validate=False))
    assert isinstance(fig["data"][0]["x"], np.ndarray)  # the figure itself is not changed


def test_the_fast_json_is_smaller_and_several_times_quicker():
    """The 2D playground's field chart: what the page sends twice a second."""
    fig = all_figures()["playground"]

    def cpu(encode) -> float:
        t0 = time.thread_time()
        for _ in range(20):
            encode(fig)
        return time.thread_time() - t0

    assert len(figure_json(fig)) < 0.6 * len(pio.to_json(fig, validate=False))
    assert cpu(figure_json) < 0.3 * cpu(lambda f: pio.to_json(f, validate=False))


def test_the_plain_switch_sends_plotlys_own_text():
    fig = all_figures()["loss"]
    with fast.plain():
        assert figure_json(fig) == pio.to_json(fig, validate=False)
