"""Theory-page figures that figures.viz does not have: pure functions, plain Plotly dicts.

Same conventions as viz (colours, fonts, `template: none`, uirevision per chart); they reuse
viz's private helpers on purpose so the two modules look like one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from figures.viz import (
    D_COLOR,
    G_COLOR,
    REAL,
    TICK_SIZE,
    _axis,
    _col,
    _finite,
    _hline,
    _layout,
    _line,
    _steps,
    _with_lines,
    decimate,
    empty_figure,
)

LOG4 = math.log(4.0)
LOG2 = math.log(2.0)
# Which JS estimate a metric history may carry, best first: from the smoothed densities drawn on
# the page, else the 100-bin histogram estimate (biased upwards by sampling noise).
JS_KEYS = (("js_kde", "smoothed-density estimate"), ("js_grid", "histogram estimate: noise keeps it above 0"))


def js_history_key(metric_history: dict[str, Any] | None) -> tuple[str, str] | None:
    """(key, description) of the best JS estimate the history has, or None."""
    for key, description in JS_KEYS:
        if metric_history and key in metric_history and np.size(metric_history[key]):
            return key, description
    return None


def update_axis(metric_history: dict[str, Any] | None, n: int) -> tuple[np.ndarray, str]:
    """(x, title) for a Theory chart over training: D's update count where the history has it, so
    D-only steps (the head start) take room on the axis instead of stacking on one training step;
    else the training step (a history from before the counters)."""
    d = _col(metric_history, "d_updates")
    if d.shape[0] >= n and n:
        return d[:n], "D updates"
    return _steps(metric_history, n), "training step"


def d_alone_stretches(metric_history: dict[str, Any] | None) -> list[tuple[float, float]]:
    """(first, last) D update of each stretch between evaluations where D trained and G did not:
    "Give D a head start", or Step D by hand. Adjacent stretches merge into one."""
    d, g = _col(metric_history, "d_updates"), _col(metric_history, "g_updates")
    if d.shape[0] < 2 or g.shape != d.shape:
        return []
    stretches: list[tuple[float, float]] = []
    for i in np.flatnonzero((np.diff(d) > 0) & (np.diff(g) == 0)):
        start, end = float(d[i]), float(d[i + 1])
        if stretches and stretches[-1][1] == start:
            start = stretches.pop()[0]
        stretches.append((start, end))
    return stretches


def _band(x0: float, x1: float, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
    shape = {
        "type": "rect",
        "xref": "x",
        "x0": x0,
        "x1": x1,
        "yref": "paper",
        "y0": 0,
        "y1": 1,
        "fillcolor": "rgba(31,119,180,0.12)",
        "line": {"width": 0},
        "layer": "below",
    }
    annotation = {
        "xref": "x",
        "x": (x0 + x1) / 2,
        "yref": "paper",
        "y": 0.5,
        "text": label,
        "textangle": -90,
        "showarrow": False,
        "font": {"size": TICK_SIZE, "color": D_COLOR},
    }
    return shape, annotation


def criterion_figure(metric_history: dict[str, Any] | None, floors: dict[str, float] | None = None) -> dict:
    """C(G) = −log 4 + 2·JS(p_data ‖ p_g) over training: the generator's cost against the best
    possible D, between 0 (supports disjoint, JS = log 2) and the minimum −log 4 (p_g = p_data).
    Drawn against D's updates, with the stretches where D trained alone shaded (C(G) is flat
    there: it depends on G only). With `floors` (the evaluator's, keyed like the history) a dotted
    line marks where the JS estimate levels off for a perfect G: −log 4 + 2·floor."""
    found = js_history_key(metric_history)
    if found is None:
        return empty_figure("no JS estimate yet: press start", "C(G) = −log 4 + 2·JS over training")
    key, description = found
    js_all = _col(metric_history, key)
    x_all, x_title = update_axis(metric_history, js_all.shape[0])
    x, js = decimate(x_all, js_all)
    cost = -LOG4 + 2.0 * np.clip(js, 0.0, LOG2)
    trace = _line(x, cost, "C(G) = −log 4 + 2·JS", G_COLOR)
    trace["customdata"] = js
    x_name = "D update" if x_title == "D updates" else "step"
    trace["hovertemplate"] = x_name + " %{x:,}<br>C(G) = %{y:.3f}<br>JS = %{customdata:.3f}<extra></extra>"
    layout = _layout(
        "C(G) = −log 4 + 2·JS over training",
        x_title,
        "C(G)",
        "criterion",
        note=f"JS: {description}",
        legend=False,
        hovermode="closest",
        yaxis=_axis("C(G) (nats)", range=[-LOG4 - 0.08, 0.1]),
    )
    floor = (floors or {}).get(key)
    minimum = _hline(-LOG4, "minimum −log 4 ≈ −1.386: p_g = p_data", color=REAL, label_side="left")
    lines = [minimum, _hline(0.0, "0: no overlap (JS = log 2)", label_side="left")]
    if _finite(floor):
        # Where the estimate levels off for a perfect G: often within a hair of −log 4, so its label
        # sits above its line and the minimum's below, on the other side.
        estimated = _hline(
            -LOG4 + 2.0 * float(floor), f"a perfect G, estimated (+2·{float(floor):.3f})", color=REAL, dash="dot"
        )
        if minimum[1] is not None:
            minimum[1]["yanchor"] = "top"
        lines.insert(1, estimated)
    _with_lines(
        layout,
        *lines,
        *(_band(x0, x1, "D alone") for x0, x1 in (d_alone_stretches(metric_history) if x_title == "D updates" else [])),
    )
    return {"data": [trace], "layout": layout}


def gradient_signal(d_fake: float | None) -> dict[str, float] | None:
    """|∂loss/∂logit| of each generator loss at D(G(z)) = d_fake: saturating = D, non-saturating
    = 1 − D. None when d_fake is not a probability (critic losses) or not measured yet."""
    if not _finite(d_fake) or not 0.0 <= float(d_fake) <= 1.0:
        return None
    d = float(d_fake)
    return {"saturating": d, "nonsaturating": 1.0 - d, "ratio": (1.0 - d) / max(d, 1e-12)}
