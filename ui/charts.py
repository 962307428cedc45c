"""One way to draw the live Plotly charts of every page.

Figures come from gan_core.viz as plain dicts and are wrapped with `trusted_figure`, so
Streamlit skips re-validating them (~3-5 ms of GIL per chart per refresh, while the training
thread waits); the viz tests validate every figure instead.

Known limitation (Streamlit 1.67): a Plotly chart's element id is derived from its spec, so each
refresh replaces the chart in the browser (a brief redraw, zoom not kept). Forcing a stable id
is NOT a fix: the frontend then never re-renders the chart and the picture freezes (measured:
titles stuck at "step 0" while the run was at step 900). An in-place update needs a custom
component (Plotly.react on one div) or a Streamlit release that updates charts by key.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from gan_core.viz import trusted_figure


def live_chart(fig: dict, key: str, where: Any = None) -> None:
    """Draw a figure dict from gan_core.viz in `where` (a column/container; default: current)."""
    (where or st).plotly_chart(trusted_figure(fig), key=key, width="stretch")
