"""figures.theme: the placeholder chart, the heatmap's colours, decimation and smoothing."""

import numpy as np
import pytest
from figure_checks import assert_valid, make_history

from figures import curves, theme


def test_empty_figure_is_accepted_by_streamlit():
    fig = theme.empty_figure("Press start to begin")
    assert_valid(fig)
    assert fig["data"], "st.plotly_chart raises PlotlyEmptyDataError on an empty data list"
    assert "Press start" in fig["layout"]["annotations"][0]["text"]


def test_heatmap_colorscale_is_diverging_around_one_half():
    scale = {round(v, 2): c for v, c in theme.D_COLORSCALE}
    assert scale[0.5].lower() in ("#f7f7f7", "#ffffff", "white")
    assert scale[0.0] != scale[1.0]


# --- decimation and smoothing --------------------------------------------------------------------
def test_decimate_bounds_points_and_keeps_the_ends():
    x = np.arange(100_000, dtype=float)
    y = np.sin(x)
    xd, yd = theme.decimate(x, y, 600)
    assert len(xd) == len(yd) <= 600
    assert xd[0] == 0 and xd[-1] == 99_999 and yd[-1] == y[-1]
    assert np.all(np.diff(xd) > 0)
    xs, ys = theme.decimate(x[:10], y[:10], 600)
    assert len(xs) == 10


def test_long_history_is_decimated_in_every_trace():
    fig = curves.loss_figure(make_history(100_000))
    for trace in fig["data"]:
        assert len(trace["x"]) <= 600
        assert trace["x"][-1] == pytest.approx(2 * 99_999)


def test_ema():
    y = np.array([1.0, 1.0, np.nan, 3.0])
    out = theme.ema(y, 0.5)
    assert out.tolist() == [1.0, 1.0, 1.0, 2.0]
    np.testing.assert_array_equal(theme.ema(np.arange(5.0), 1.0), np.arange(5.0))
    assert theme.ema(np.zeros(0), 0.1).shape == (0,)
