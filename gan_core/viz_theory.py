"""Theory-page figures that gan_core.viz does not have: pure functions, plain Plotly dicts.

Same conventions as viz (colours, fonts, `template: none`, uirevision per chart); they reuse
viz's private helpers on purpose so the two modules look like one.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .viz import G_COLOR, REAL, _axis, _finite, _hline, _layout, _line, _series, _with_lines, empty_figure

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


def criterion_figure(metric_history: dict[str, Any] | None) -> dict:
    """C(G) = −log 4 + 2·JS(p_data ‖ p_g) over training: the generator's cost against the best
    possible D, between 0 (supports disjoint, JS = log 2) and the floor −log 4 (p_g = p_data)."""
    found = js_history_key(metric_history)
    if found is None:
        return empty_figure("no JS estimate yet: press start", "C(G) = −log 4 + 2·JS over training")
    key, description = found
    x, js = _series(metric_history, key, False)
    cost = -LOG4 + 2.0 * np.clip(js, 0.0, LOG2)
    trace = _line(x, cost, "C(G) = −log 4 + 2·JS", G_COLOR)
    trace["customdata"] = js
    trace["hovertemplate"] = "step %{x:,}<br>C(G) = %{y:.3f}<br>JS = %{customdata:.3f}<extra></extra>"
    layout = _layout(
        "C(G) = −log 4 + 2·JS over training",
        "training step",
        "C(G)",
        "criterion",
        note=f"JS: {description}",
        legend=False,
        hovermode="closest",
        yaxis=_axis("C(G)", range=[-LOG4 - 0.08, 0.1]),
    )
    _with_lines(
        layout,
        _hline(-LOG4, "floor −log 4 ≈ −1.386: p_g = p_data", color=REAL, label_side="left"),
        _hline(0.0, "0: no overlap (JS = log 2)", label_side="left"),
    )
    return {"data": [trace], "layout": layout}


def gradient_signal(d_fake: float | None) -> dict[str, float] | None:
    """|∂loss/∂logit| of each generator loss at D(G(z)) = d_fake: saturating = D, non-saturating
    = 1 − D. None when d_fake is not a probability (critic losses) or not measured yet."""
    if not _finite(d_fake) or not 0.0 <= float(d_fake) <= 1.0:
        return None
    d = float(d_fake)
    return {"saturating": d, "nonsaturating": 1.0 - d, "ratio": (1.0 - d) / max(d, 1e-12)}
