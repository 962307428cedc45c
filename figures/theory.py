"""The Theory page's pictures of its live 1D run: the densities p_data and p_g with D(x) and the
optimal D* over them (Goodfellow et al. 2014, Fig. 1), and C(G) = −log 4 + 2·JS(p_data ‖ p_g), the
generator's cost against the best possible D, over training.

Both read what the run measured (the evaluator's 1D views and its metric history), so they show the
theorem happening rather than stating it; the closed-form pictures beside them (the value function,
the generator losses against D's logit) are in figures.objective. D* and JS are estimates: D* is
drawn only where some density has mass, and JS comes with the floor a perfect G would read. Plain
dicts built with figures.theme, like every figure.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from figures.theme import (
    D_COLOR,
    FAKE,
    G_COLOR,
    OPTIMAL,
    REAL,
    TICK_SIZE,
    chart_axis,
    chart_layout,
    column,
    decimate,
    empty_figure,
    hline,
    is_finite,
    line_trace,
    step_values,
    with_lines,
)

LOG4 = math.log(4.0)
LOG2 = math.log(2.0)
# Which JS estimate a metric history may carry, best first: from the smoothed densities drawn on
# the page, else the 100-bin histogram estimate (biased upwards by sampling noise).
JS_KEYS = (("js_kde", "smoothed-density estimate"), ("js_grid", "histogram estimate: noise keeps it above 0"))
# D*: drawn where p_data or p_g is at least this share of its own peak (elsewhere it is 0/0 in the
# limit, and the estimated tails make it swing between 0 and 1).
D_STAR_SUPPORT = 0.02


def density_1d_figure(views: dict[str, Any] | None, real: np.ndarray | None = None) -> dict:
    """Goodfellow et al. (2014) Fig. 1: p_data, p_g, D(x) and the optimal D* = p_data/(p_data+p_g)."""
    views = views or {}
    if "x" not in views:
        return empty_figure("no 1D view yet: press start", "Densities and the discriminator")
    x = np.asarray(views["x"], dtype=np.float64)
    probabilistic = bool(views.get("probabilistic", True))
    data = [
        {
            **line_trace(x, column(views, "p_data"), "p_data (real)", REAL),
            "fill": "tozeroy",
            "fillcolor": "rgba(44,160,44,0.15)",
        },
        {
            **line_trace(x, column(views, "p_g"), _p_g_name(views.get("p_g_outside")), FAKE),
            "fill": "tozeroy",
            "fillcolor": "rgba(148,103,189,0.15)",
        },
        line_trace(x, column(views, "d"), "D(x)" if probabilistic else "critic score", D_COLOR, yaxis="y2"),
    ]
    if probabilistic and "d_optimal" in views:
        # D* = p_data / (p_data + p_g) is 0/0 where neither density has mass: there the estimated
        # tails decide it, and it swings between 0 and 1 on nothing. Drawn only where it means something.
        # Each density against its own peak: a spike of p_g (an untrained G) must not hide D* = 1
        # over the data it has not reached.
        d_star = column(views, "d_optimal")
        p_data, p_g = column(views, "p_data"), column(views, "p_g")
        if p_data.shape == p_g.shape == d_star.shape and d_star.size:
            there = (p_data >= D_STAR_SUPPORT * np.nanmax(p_data)) | (p_g >= D_STAR_SUPPORT * np.nanmax(p_g))
            d_star = np.where(there, d_star, np.nan)
        name = f"optimal D*(x), where p<sub>data</sub> or p<sub>g</sub> > {D_STAR_SUPPORT:.0%} of its peak"
        data.append(line_trace(x, d_star, name, OPTIMAL, dash="dash", yaxis="y2"))
    if real is not None and np.size(real):
        r = np.asarray(real, dtype=np.float64).reshape(-1)[:200]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": r,
                "y": np.zeros_like(r),
                "name": "real samples",
                "marker": {"symbol": "line-ns-open", "size": 10, "color": REAL, "opacity": 0.5},
                "showlegend": False,
                "hoverinfo": "skip",
            }
        )
    y2 = chart_axis("D(x)", overlaying="y", side="right", showgrid=False)
    if probabilistic:
        y2.update(range=[-0.02, 1.02])
    else:
        y2["title"] = {"text": "critic score"}
    layout = chart_layout(
        "Densities and the discriminator",
        "x",
        "density",
        "density_1d",
        hovermode="x",
        yaxis=chart_axis("density", rangemode="tozero"),
        yaxis2=y2,
    )
    layout["margin"]["r"] = 64
    if probabilistic:
        with_lines(layout, hline(0.5, "D = 0.5", yref="y2", dash="dot", label_side="left"))
    return {"data": data, "layout": layout}


def _p_g_name(outside: Any) -> str:
    """p_g's legend entry, saying how much of it lies beyond the drawn window (the window follows
    G's samples only so far; that mass still counts in JS)."""
    if is_finite(outside) and float(outside) >= 0.005:
        return f"p_g (generated; {float(outside):.0%} of it beyond this window)"
    return "p_g (generated)"


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
    d = column(metric_history, "d_updates")
    if d.shape[0] >= n and n:
        return d[:n], "D updates"
    return step_values(metric_history, n), "training step"


def d_alone_stretches(metric_history: dict[str, Any] | None) -> list[tuple[float, float]]:
    """(first, last) D update of each stretch between evaluations where D trained and G did not:
    "Give D a head start", or Step D by hand. Adjacent stretches merge into one."""
    d, g = column(metric_history, "d_updates"), column(metric_history, "g_updates")
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
    js_all = column(metric_history, key)
    x_all, x_title = update_axis(metric_history, js_all.shape[0])
    x, js = decimate(x_all, js_all)
    cost = -LOG4 + 2.0 * np.clip(js, 0.0, LOG2)
    trace = line_trace(x, cost, "C(G) = −log 4 + 2·JS", G_COLOR)
    trace["customdata"] = js
    x_name = "D update" if x_title == "D updates" else "step"
    trace["hovertemplate"] = x_name + " %{x:,}<br>C(G) = %{y:.3f}<br>JS = %{customdata:.3f}<extra></extra>"
    layout = chart_layout(
        "C(G) = −log 4 + 2·JS over training",
        x_title,
        "C(G)",
        "criterion",
        note=f"JS: {description}",
        legend=False,
        hovermode="closest",
        yaxis=chart_axis("C(G) (nats)", range=[-LOG4 - 0.08, 0.1]),
    )
    floor = (floors or {}).get(key)
    minimum = hline(-LOG4, "minimum −log 4 ≈ −1.386: p_g = p_data", color=REAL, label_side="left")
    lines = [minimum, hline(0.0, "0: no overlap (JS = log 2)", label_side="left")]
    if is_finite(floor):
        # Where the estimate levels off for a perfect G: often within a hair of −log 4, so its label
        # sits above its line and the minimum's below, on the other side.
        estimated = hline(
            -LOG4 + 2.0 * float(floor), f"a perfect G, estimated (+2·{float(floor):.3f})", color=REAL, dash="dot"
        )
        if minimum[1] is not None:
            minimum[1]["yanchor"] = "top"
        lines.insert(1, estimated)
    with_lines(
        layout,
        *lines,
        *(_band(x0, x1, "D alone") for x0, x1 in (d_alone_stretches(metric_history) if x_title == "D updates" else [])),
    )
    return {"data": [trace], "layout": layout}
