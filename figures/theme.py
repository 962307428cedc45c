"""The look every figure shares: one colour scheme, projector-sized fonts, and the builders each chart
starts from (axes, titles, layouts, line traces, reference lines, history columns, decimation).

Figures are plain dicts ({"data": [...], "layout": {...}}), never `plotly.graph_objects`:
building a graph object validates every property in Python, and these figures are rebuilt
2-4 times a second while a training thread competes for the GIL. Arrays stay numpy arrays
(Plotly serialises them as compact base64 typed arrays); line breaks are NaN rows, which
Plotly.js draws as gaps exactly like `None`. Long series are decimated to ~600 points.
`layout.template = "none"` keeps Plotly from copying and sending its ~6 kB default template on
every refresh (Streamlit's theme is applied in the browser anyway). Nothing in figures/ imports
plotly or Streamlit: `st.plotly_chart(dict)` still validates a dict (`go.Figure(**fig)`), so the
UI hands figures over with `ui.figure_dicts.trusted_figure`, which skips that second validation
(the tests validate every figure instead).

One colour scheme everywhere: real data green, generated data purple, the discriminator
blue, the generator orange, the optimal discriminator grey dashed. The builders are public
because every figure module uses them: that is what makes the charts look like one app.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

# --- the colour scheme -------------------------------------------------------------------------
REAL = "#2ca02c"  # real data
FAKE = "#9467bd"  # generated data
D_COLOR = "#1f77b4"  # discriminator
G_COLOR = "#ff7f0e"  # generator
OPTIMAL = "#7f7f7f"  # the optimal discriminator D* (drawn dashed)
QUALITY = "#8c564b"  # secondary quality metrics (high-quality %, confidence)
SATURATING = "#d62728"  # the saturating (minimax) generator loss on the theory page
NEUTRAL = "#555555"  # reference lines (chance, all modes, log 2)
# Distinct colours for several runs on one chart, avoiding REAL and FAKE.
RUN_COLORS = ("#d62728", "#1f77b4", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#bcbd22", "#7f7f7f")

# D's heatmap: D -> 0 ("looks fake") is tinted like fakes, D -> 1 ("looks real") like real data,
# 0.5 (cannot tell) is near-white. Light tints so the points drawn on top stay visible.
D_COLORSCALE = [
    [0.0, "#9c7fc7"],
    [0.25, "#d7c9ea"],
    [0.5, "#f7f7f7"],
    [0.75, "#c7e6bf"],
    [1.0, "#7cc46c"],
]

CHART_HEIGHT = 360
PLAYGROUND_HEIGHT = 540  # the square charts: the playground's field (the value function: 60 px less)
MAX_POINTS = 600
FONT_SIZE = 16  # readable on a projector
TICK_SIZE = 14
TITLE_SIZE = 19
EMPTY = np.zeros(0, dtype=np.float64)  # a series with nothing in it yet
_GRID = "#e6e6e6"


# --- builders ------------------------------------------------------------------------------------
def decimate(x: Any, y: Any, max_points: int = MAX_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """Evenly thin a series to at most `max_points`, keeping the first and last point (the
    browser cost of a chart grows with its points; the history is already bin-averaged)."""
    x = np.asarray(x, dtype=np.float64).reshape(-1)
    y = np.asarray(y, dtype=np.float64).reshape(-1)
    n = min(x.shape[0], y.shape[0])
    x, y = x[:n], y[:n]
    if n <= max_points or max_points < 2:
        return x, y
    idx = np.unique(np.linspace(0, n - 1, max_points).round().astype(np.int64))
    return x[idx], y[idx]


def ema(y: Any, alpha: float) -> np.ndarray:
    """Exponential moving average (non-finite values are skipped, so one NaN step does not
    erase the whole smoothed curve)."""
    values = np.asarray(y, dtype=np.float64).reshape(-1)
    out = np.empty_like(values)
    if values.size == 0:
        return out
    alpha = float(min(max(alpha, 1e-6), 1.0))
    keep = 1.0 - alpha
    acc = math.nan
    raw = values.tolist()  # a Python loop over floats is ~10x faster than indexing numpy
    res = [0.0] * len(raw)
    for i, v in enumerate(raw):
        if math.isfinite(v):
            acc = v if acc != acc else keep * acc + alpha * v
        res[i] = acc
    out[:] = res
    return out


def auto_alpha(n: int) -> float:
    """Smoothing that adapts to the history length: none for short runs (a single 'train D
    once' click must show up at once), a window of ~1/30 of the run for long ones."""
    if n <= 60:
        return 1.0
    return max(0.02, min(1.0, 30.0 / n))


def f32(a: Any) -> np.ndarray:
    """Float32 for the browser: half the bytes of float64 on the wire, precision to spare."""
    return np.asarray(a, dtype=np.float32)


def column(table: dict[str, Any] | None, key: str) -> np.ndarray:
    """One column of a history as float64 with non-finite values as NaN (gaps in the chart)."""
    if not table or key not in table:
        return EMPTY
    arr = np.asarray(table[key], dtype=np.float64).reshape(-1)
    if arr.size and not np.isfinite(arr).all():
        arr = np.where(np.isfinite(arr), arr, np.nan)
    return arr


def step_values(table: dict[str, Any] | None, n: int) -> np.ndarray:
    x = column(table, "step")
    if x.shape[0] < n:
        return np.arange(n, dtype=np.float64)
    return x[:n]


def chart_axis(title: str, **extra: Any) -> dict[str, Any]:
    axis = {
        "title": {"text": title},
        "tickfont": {"size": TICK_SIZE},
        "gridcolor": _GRID,
        "zeroline": False,
        "linecolor": "#999999",
        "showline": True,
        "automargin": True,
    }
    if "overlaying" in extra:  # plotly.js 4 would otherwise sync a secondary axis's ticks to odd values
        axis["tickmode"] = "auto"
    axis.update(extra)
    return axis


def _title(text: str, note: str | None = None) -> dict[str, Any]:
    title: dict[str, Any] = {
        "text": text,
        "x": 0.01,
        "xanchor": "left",
        "y": 0.98,
        "yanchor": "top",
        "yref": "container",
        "font": {"size": TITLE_SIZE},
    }
    if note:  # plotly.js >= 2.33 (Streamlit 1.67 ships 4.x)
        title["subtitle"] = {"text": note, "font": {"size": TICK_SIZE, "color": NEUTRAL}}
    return title


def chart_layout(
    title: str,
    x_title: str,
    y_title: str,
    uirevision: str,
    *,
    note: str | None = None,
    height: int = CHART_HEIGHT,
    legend: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "title": _title(title, note),
        "xaxis": chart_axis(x_title),
        "yaxis": chart_axis(y_title),
        "height": height,
        "margin": {"l": 64, "r": 24, "t": 120 if note else 76, "b": 52},
        "font": {"size": FONT_SIZE},
        "uirevision": uirevision,
        "template": "none",  # see module docstring: no 6 kB default template per refresh
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "showlegend": legend,
        "legend": {
            "orientation": "h",
            "x": 0.0,
            "xanchor": "left",
            "y": 1.0,
            "yanchor": "bottom",
            "font": {"size": TICK_SIZE},
            "bgcolor": "rgba(255,255,255,0.6)",
        },
        "hovermode": "x unified",
    }
    layout.update(extra)
    return layout


def line_trace(
    x: np.ndarray,
    y: np.ndarray,
    name: str,
    color: str,
    *,
    dash: str = "solid",
    width: float = 2.5,
    opacity: float = 1.0,
    yaxis: str = "y",
    showlegend: bool = True,
    group: str | None = None,
    hover: bool = True,
) -> dict[str, Any]:
    trace: dict[str, Any] = {
        "type": "scatter",
        "mode": "lines",
        "x": f32(x),
        "y": f32(y),
        "name": name,
        "line": {"color": color, "width": width, "dash": dash},
        "showlegend": showlegend,
    }
    if opacity < 1.0:
        trace["opacity"] = opacity
    if yaxis != "y":
        trace["yaxis"] = yaxis
    if group:
        trace["legendgroup"] = group
    if not hover:
        trace["hoverinfo"] = "skip"
    return trace


def series(table: dict[str, Any] | None, key: str, smooth: bool) -> tuple[np.ndarray, np.ndarray]:
    """A history column, optionally EMA-smoothed over the full series, then decimated."""
    y = column(table, key)
    x = step_values(table, y.shape[0])
    if smooth:
        y = ema(y, auto_alpha(y.shape[0]))
    return decimate(x, y)


def hline(
    y: float,
    label: str | None = None,
    *,
    yref: str = "y",
    color: str = NEUTRAL,
    dash: str = "dash",
    label_side: str = "right",
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """A horizontal reference line across the plot (a layout shape) and its label."""
    shape = {
        "type": "line",
        "xref": "paper",
        "x0": 0,
        "x1": 1,
        "yref": yref,
        "y0": y,
        "y1": y,
        "line": {"color": color, "width": 1.5, "dash": dash},
        "layer": "below",
    }
    annotation = None
    if label:
        annotation = {
            "xref": "paper",
            "x": 1.0 if label_side == "right" else 0.0,
            "xanchor": label_side,
            "yref": yref,
            "y": y,
            "yanchor": "bottom",
            "text": label,
            "showarrow": False,
            "font": {"size": TICK_SIZE, "color": color},
            "bgcolor": "rgba(255,255,255,0.75)",
        }
    return shape, annotation


def with_lines(layout: dict[str, Any], *lines: tuple[dict[str, Any], dict[str, Any] | None]) -> dict[str, Any]:
    layout.setdefault("shapes", [])
    layout.setdefault("annotations", [])
    for shape, annotation in lines:
        layout["shapes"].append(shape)
        if annotation is not None:
            layout["annotations"].append(annotation)
    return layout


def is_finite(v: Any) -> bool:
    try:
        return v is not None and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def empty_figure(message: str, title: str = "") -> dict:
    """A placeholder ("press start to begin") that is still a valid chart: Streamlit rejects
    a figure whose data list is empty, so it carries one invisible trace."""
    return {
        "data": [{"type": "scatter", "x": [], "y": [], "mode": "markers", "showlegend": False, "hoverinfo": "skip"}],
        "layout": {
            "title": _title(title or " "),
            "height": CHART_HEIGHT,
            "margin": {"l": 24, "r": 24, "t": 60, "b": 24},
            "font": {"size": FONT_SIZE},
            "template": "none",
            "paper_bgcolor": "white",
            "plot_bgcolor": "white",
            "xaxis": {"visible": False},
            "yaxis": {"visible": False},
            "annotations": [
                {
                    "text": message,
                    "xref": "paper",
                    "yref": "paper",
                    "x": 0.5,
                    "y": 0.5,
                    "showarrow": False,
                    "font": {"size": 18, "color": NEUTRAL},
                }
            ],
            "uirevision": "empty",
        },
    }
