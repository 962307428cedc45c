"""What the UI does to a finished figure dict (from figures/) on its way to the browser: projector-sized
fonts for presentation mode (scale_fonts) and the hand-off that lets `st.plotly_chart` skip
re-validating it (trusted_figure).

Both are Streamlit concerns, not drawing: figures/ builds plain dicts and imports no plotly. Streamlit
1.67's `st.plotly_chart(dict)` still validates a dict (it calls
`plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)`, i.e.
`go.Figure(**fig).to_dict()`), so the dict saves our own build cost but not Streamlit's; a
TrustedFigure saves that second validation (~3-5 ms of GIL per chart). plotly is imported lazily,
on the first trusted figure only. Both copy the dict's containers and share its numpy arrays.
"""

from __future__ import annotations

import functools
import math
from typing import Any

from figures.theme import FONT_SIZE


# --- handing a figure to Streamlit --------------------------------------------------------------
def _copy_containers(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _copy_containers(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_copy_containers(v) for v in obj]
    return obj  # arrays are not copied: base64 encoding below makes its own bytes


@functools.cache
def _trusted_figure_class() -> type:
    import plotly.io as pio
    from plotly.basedatatypes import BaseFigure, convert_to_base64

    class TrustedFigure(BaseFigure):
        """A figure dict dressed as a Plotly figure: `st.plotly_chart` then takes it as already
        validated and only calls `to_dict()`, instead of rebuilding it as `go.Figure(**fig)`."""

        def __init__(self, fig: dict) -> None:  # no super().__init__(): that is the validation skipped
            self._fig = fig

        def to_dict(self) -> dict:
            out = _copy_containers(self._fig)
            layout = out.setdefault("layout", {})
            if isinstance(layout.get("template"), str):  # what validation would expand it to
                layout["template"] = pio.templates[layout["template"]].to_plotly_json()
            convert_to_base64(out)  # numpy arrays -> compact typed arrays, as Plotly itself sends them
            return out

        def to_plotly_json(self) -> dict:
            return self.to_dict()

        def __repr__(self) -> str:
            return f"TrustedFigure({len(self._fig.get('data', []))} traces)"

    return TrustedFigure


def trusted_figure(fig: dict) -> Any:
    """Wrap a figure from figures/ so `st.plotly_chart` skips re-validating it: Streamlit 1.67
    validates a dict with `go.Figure(**fig)` on every refresh (~3-5 ms of GIL per chart, while
    a training thread waits). Safe because the tests validate every figure figures/ makes;
    a plain dict also works, only slower."""
    return _trusted_figure_class()(fig)


# --- projector sizes ----------------------------------------------------------------------------
_FONT_KEYS = ("font", "tickfont", "textfont", "titlefont", "insidetextfont", "outsidetextfont")
AXIS_TITLE_SIZE = 14  # what the live-chart component gives an axis title without a size
PROJECTOR_FONT_SCALE = 1.35  # presentation mode: readable from the back of a classroom


def scale_fonts(fig: dict, scale: float) -> dict:
    """`fig` with every font `scale` times larger (presentation mode on a projector): titles,
    ticks, legends, annotations, colour bars, hover labels. The top margin, where the title,
    subtitle and legend sit, grows with them, and the figure grows by as much, so the plot area
    keeps its size. Returns a new figure (data arrays shared, not copied); scale 1 returns `fig`."""
    if scale == 1:
        return fig
    if not (math.isfinite(scale) and 0.5 <= scale <= 3):
        raise ValueError(f"font scale must be between 0.5 and 3, got {scale!r}")
    out = _copy_containers(fig)

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item)
            return
        if not isinstance(node, dict):
            return
        for key, value in node.items():
            if key in _FONT_KEYS and isinstance(value, dict) and isinstance(value.get("size"), (int, float)):
                value["size"] = round(value["size"] * scale, 1)
            walk(value)

    walk(out)
    layout = out.setdefault("layout", {})
    font = layout.setdefault("font", {})
    if "size" not in font:
        font["size"] = round(FONT_SIZE * scale, 1)
    for name, axis in layout.items():
        if name[1:5] == "axis" and name[0] in "xy" and isinstance(axis, dict) and isinstance(axis.get("title"), dict):
            axis["title"].setdefault("font", {}).setdefault("size", round(AXIS_TITLE_SIZE * scale, 1))
    title = layout.get("title")
    if isinstance(title, dict) and title.get("yref") == "container" and isinstance(title.get("y"), (int, float)):
        title["y"] = round(1 - (1 - title["y"]) * scale, 4)  # the gap above a title grows with its font
    legend = layout.get("legend")
    if isinstance(legend, dict) and isinstance(legend.get("y"), (int, float)) and legend["y"] < 0:
        legend["y"] = round(legend["y"] * scale**2, 3)  # a legend under the axis: clear of its larger labels
    margin = layout.get("margin")
    if isinstance(margin, dict) and isinstance(margin.get("t"), (int, float)):
        extra = round(margin["t"] * (scale - 1))
        margin["t"] += extra
        if isinstance(layout.get("height"), (int, float)):
            layout["height"] += extra
    return out
