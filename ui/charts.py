"""Live Plotly charts that update in place instead of being rebuilt on every refresh.

Streamlit 1.67 derives a Plotly chart's element id from its whole spec, even when a key is
given, and the browser uses that id as the component's identity: every data refresh (2/s)
unmounts the chart and draws a new one. The result is a blank flash per refresh, lost zoom
(despite a constant `uirevision`) and browser CPU taken from training on a 2-core laptop.

For charts drawn through `live_chart` (their keys carry LIVE_PREFIX) the id is computed
without the spec, so the same chart keeps its identity across refreshes and the browser
updates it with Plotly.react. Everything else is untouched. If Streamlit's internals change,
the patch does not install and charts fall back to the stock (remounting) behaviour.
"""
from __future__ import annotations

from typing import Any

import streamlit as st

from gan_core.viz import trusted_figure

LIVE_PREFIX = "live:"


def _install_stable_ids() -> bool:
    try:
        import streamlit.elements.plotly_chart as plotly_chart_module

        original = plotly_chart_module.compute_and_register_element_id
    except (ImportError, AttributeError):
        return False
    if getattr(original, "_gan_explainer_stable", False):
        return True

    def stable_id(element_type: str, *, user_key: str | None = None, **kwargs: Any) -> str:
        if element_type == "plotly_chart" and user_key and user_key.startswith(LIVE_PREFIX):
            kwargs.pop("plotly_spec", None)  # identity = key + layout options, not the data
        return original(element_type, user_key=user_key, **kwargs)

    stable_id._gan_explainer_stable = True  # type: ignore[attr-defined]
    plotly_chart_module.compute_and_register_element_id = stable_id
    return True


STABLE_IDS = _install_stable_ids()


def live_chart(fig: dict, key: str, where: Any = None) -> None:
    """Draw a figure dict from gan_core.viz so refreshes update it in place.

    `where` is a column/container (defaults to the current one); `key` must be unique on the page.
    """
    (where or st).plotly_chart(trusted_figure(fig), key=LIVE_PREFIX + key, width="stretch")
