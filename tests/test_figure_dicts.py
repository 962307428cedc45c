"""ui.figure_dicts: figures handed to st.plotly_chart unvalidated send what validation would, and
projector-sized fonts (issue 15)."""

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import plotly.tools
import pytest
from figure_checks import all_figures, make_history
from plotly.utils import PlotlyJSONEncoder

from figures import curves, playground, theme
from ui import figure_dicts


# --- handing figures to Streamlit ----------------------------------------------------------------
def _streamlit_spec(fig) -> dict:
    """What st.plotly_chart (Streamlit 1.67) sends to the browser for a figure."""
    figure = plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)
    return json.loads(pio.to_json(figure, validate=False))


@pytest.mark.parametrize("name", ["playground", "loss", "modes", "value_function", "class_hist"])
def test_trusted_figure_sends_what_validation_would(name):
    fig = all_figures()[name]
    assert _streamlit_spec(figure_dicts.trusted_figure(fig)) == _streamlit_spec(fig)


def test_trusted_figure_does_not_modify_the_dict():
    fig = curves.loss_figure(make_history(50))
    before = json.dumps(fig, cls=PlotlyJSONEncoder)
    _streamlit_spec(figure_dicts.trusted_figure(fig))
    assert json.dumps(fig, cls=PlotlyJSONEncoder) == before


# --- projector sizes ----------------------------------------------------------------------------
def test_scale_fonts_enlarges_every_font_and_keeps_the_plot_area():
    fig = curves.loss_figure({"step": np.arange(10.0), "loss_d": np.ones(10), "loss_g": np.ones(10)}, loss="minimax")
    big = figure_dicts.scale_fonts(fig, 1.5)
    go.Figure(big)
    assert big["layout"]["title"]["font"]["size"] == pytest.approx(1.5 * fig["layout"]["title"]["font"]["size"])
    assert big["layout"]["xaxis"]["tickfont"]["size"] == pytest.approx(1.5 * theme.TICK_SIZE)
    assert big["layout"]["xaxis"]["title"]["font"]["size"] == pytest.approx(1.5 * figure_dicts.AXIS_TITLE_SIZE)
    assert all(a["font"]["size"] == pytest.approx(1.5 * theme.TICK_SIZE) for a in big["layout"]["annotations"])
    grown = big["layout"]["margin"]["t"] - fig["layout"]["margin"]["t"]
    assert grown > 0 and big["layout"]["height"] - fig["layout"]["height"] == grown
    assert fig["layout"]["title"]["font"]["size"] == theme.TITLE_SIZE  # the original is untouched
    assert big["data"][0]["y"] is fig["data"][0]["y"]  # arrays shared, not copied
    assert figure_dicts.scale_fonts(fig, 1) is fig
    field = figure_dicts.scale_fonts(
        playground.playground_figure(np.zeros((4, 2)), np.ones((4, 2)), {}, ("real", "fake")), 1.5
    )
    assert field["layout"]["legend"]["y"] < -0.2 * 1.5  # a legend under the plot moves clear of the axis title
    with pytest.raises(ValueError, match="font scale"):
        figure_dicts.scale_fonts(fig, 10)
