"""One way to draw the live Plotly charts of every page.

By default a chart is a small component (ui/plotly_component.py) that keeps one <div> and
hands each new figure to Plotly.react: the browser redraws only what changed and a user's zoom
survives the refreshes (uirevision).

Why not st.plotly_chart: in Streamlit 1.67 a Plotly chart's element id is derived from its spec,
so each refresh replaces the chart in the browser (a full rebuild twice a second, zoom lost, and
up to a core of Chromium per live page, measured). Forcing a stable id is NOT a fix: the frontend
then never re-renders the chart and the picture freezes. GAN_EXPLAINER_CHARTS=streamlit switches
back to st.plotly_chart (for A/B benchmarks), as does a read-only install where plotly.js cannot
be put in ./static. Figures are plain dicts from figures/; `trusted_figure` (ui.figure_dicts) lets
st.plotly_chart skip re-validating them, and the figure tests validate every figure instead.
"""

from __future__ import annotations

import os
from typing import Any

import streamlit as st

from ui import present
from ui.figure_dicts import scale_fonts, trusted_figure

IN_PLACE = os.environ.get("GAN_EXPLAINER_CHARTS", "in-place") != "streamlit"


def live_chart(fig: dict, key: str, where: Any = None, font_scale: float | None = None) -> None:
    """Draw a figure dict from figures/ in `where` (a column/container; default: current), its
    fonts `font_scale` times larger (default: projector-sized in presentation mode)."""
    fig = scale_fonts(fig, present.font_scale() if font_scale is None else font_scale)
    if IN_PLACE:
        from ui.plotly_component import live_plotly

        if live_plotly(fig, key, where):
            return
    (where or st).plotly_chart(trusted_figure(fig), key=key, width="stretch")
