"""Pure functions that turn engine data (histories, views, metrics) into Plotly figures.

Figures are plain dicts ({"data": [...], "layout": {...}}), never `plotly.graph_objects`:
building a graph object validates every property in Python, and these figures are rebuilt
2-4 times a second while a training thread competes for the GIL. Arrays stay numpy arrays
(Plotly serialises them as compact base64 typed arrays); line breaks are NaN rows, which
Plotly.js draws as gaps exactly like `None`. Long series are decimated to ~600 points.

Note on Streamlit: `st.plotly_chart(dict)` still validates the dict (it calls
`plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)`, i.e.
`go.Figure(**fig).to_dict()`), so the dict saves our own build cost but not Streamlit's;
`trusted_figure(fig)` (bottom of this module) lets a page skip that second validation.
`layout.template = "none"` keeps Plotly from copying and sending its ~6 kB default template on
every refresh (Streamlit's theme is applied in the browser anyway).

One colour scheme everywhere: real data green, generated data purple, the discriminator
blue, the generator orange, the optimal discriminator grey dashed.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from gan_core.config import DECISION_POINTS
from gan_core.quality.metrics import CLASS_COVERAGE, CLASS_MIN_CONFIDENCE, MODE_COVERAGE

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

# V(D, G) on the theory page: dark = very negative (G winning), light = near 0 (D winning).
_VALUE_COLORSCALE = [[0.0, "#08306b"], [0.25, "#2171b5"], [0.5, "#6baed6"], [0.75, "#c6dbef"], [1.0, "#f7fbff"]]

CHART_HEIGHT = 360
# The theory page's D*: drawn where p_data or p_g is at least this share of its own peak (elsewhere
# it is 0/0 in the limit, and the estimated tails make it swing between 0 and 1).
D_STAR_SUPPORT = 0.02
LOGIT_RANGE = 6.0  # the generator-loss chart spans D's logit from -6 to 6 (D from 0.0025 to 0.9975)
PLAYGROUND_HEIGHT = 540
MAX_POINTS = 600
FONT_SIZE = 16  # readable on a projector
TICK_SIZE = 14
TITLE_SIZE = 19
LOG2 = math.log(2.0)

_EMPTY = np.zeros(0, dtype=np.float64)
_GRID = "#e6e6e6"


# --- helpers ------------------------------------------------------------------------------------
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


def _f32(a: Any) -> np.ndarray:
    """Float32 for the browser: half the bytes of float64 on the wire, precision to spare."""
    return np.asarray(a, dtype=np.float32)


def _col(table: dict[str, Any] | None, key: str) -> np.ndarray:
    """One column of a history as float64 with non-finite values as NaN (gaps in the chart)."""
    if not table or key not in table:
        return _EMPTY
    arr = np.asarray(table[key], dtype=np.float64).reshape(-1)
    if arr.size and not np.isfinite(arr).all():
        arr = np.where(np.isfinite(arr), arr, np.nan)
    return arr


def _steps(table: dict[str, Any] | None, n: int) -> np.ndarray:
    x = _col(table, "step")
    if x.shape[0] < n:
        return np.arange(n, dtype=np.float64)
    return x[:n]


def _axis(title: str, **extra: Any) -> dict[str, Any]:
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


def _layout(
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
        "xaxis": _axis(x_title),
        "yaxis": _axis(y_title),
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


def _line(
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
        "x": _f32(x),
        "y": _f32(y),
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


def _series(table: dict[str, Any] | None, key: str, smooth: bool) -> tuple[np.ndarray, np.ndarray]:
    """A history column, optionally EMA-smoothed over the full series, then decimated."""
    y = _col(table, key)
    x = _steps(table, y.shape[0])
    if smooth:
        y = ema(y, auto_alpha(y.shape[0]))
    return decimate(x, y)


def _hline(
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


def _with_lines(layout: dict[str, Any], *lines: tuple[dict[str, Any], dict[str, Any] | None]) -> dict[str, Any]:
    layout.setdefault("shapes", [])
    layout.setdefault("annotations", [])
    for shape, annotation in lines:
        layout["shapes"].append(shape)
        if annotation is not None:
            layout["annotations"].append(annotation)
    return layout


def _finite(v: Any) -> bool:
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


# --- training curves ----------------------------------------------------------------------------
# Each loss's value when D says 1/2 everywhere (logit 0: the optimum D* once p_g = p_data), with this
# code's normalisation (losses.py: means over the batch, D's real and fake terms added):
# BCE D: softplus(0) + softplus(0) = 2 log 2; non-saturating G: softplus(0) = log 2; minimax G:
# -softplus(0) = -log 2; least squares (D* = 1/2 there too): D 0.5 (0.5² + 0.5²) = 0.25, G 0.5 · 0.5² = 0.125.
# A Wasserstein critic and the hinge loss have no fixed value at equilibrium (the critic's offset is free).
LOG2 = math.log(2.0)
EQUILIBRIUM_LOSSES: dict[str, tuple[float, float]] = {
    "nonsaturating": (2 * LOG2, LOG2),
    "minimax": (2 * LOG2, -LOG2),
    "least-squares": (0.25, 0.125),
}


def loss_figure(history: dict[str, np.ndarray], smooth: bool = True, loss: str | None = None) -> dict:
    """D and G losses over steps: in a GAN neither goes to zero, they trade blows. With `loss`
    given, dashed lines mark each loss's value at equilibrium (D = 1/2 everywhere), where it has one."""
    data: list[dict[str, Any]] = []
    for key, name, color in (("loss_d", "D loss", D_COLOR), ("loss_g", "G loss", G_COLOR)):
        y = _col(history, key)
        x = _steps(history, y.shape[0])
        alpha = auto_alpha(y.shape[0]) if smooth else 1.0
        if alpha < 1.0:  # faint raw curve under the smoothed one, toggled together
            xr, yr = decimate(x, y)
            data.append(_line(xr, yr, name, color, width=1.0, opacity=0.25, showlegend=False, group=key, hover=False))
            y = ema(y, alpha)
        xs, ys = decimate(x, y)
        data.append(_line(xs, ys, name, color, group=key))
    layout = _layout("Losses: discriminator vs generator", "training step", "loss", "loss")
    if loss in EQUILIBRIUM_LOSSES:
        d_eq, g_eq = EQUILIBRIUM_LOSSES[loss]
        _with_lines(
            layout,
            _hline(d_eq, f"D at equilibrium ({d_eq:.3g})", color=D_COLOR, dash="dot"),
            _hline(g_eq, f"G at equilibrium ({g_eq:.3g})", color=G_COLOR, dash="dot", label_side="left"),
        )
    return {"data": data, "layout": layout}


def accuracy_figure(history: dict[str, np.ndarray], smooth: bool = True) -> dict:
    """D's accuracy on real, fake and both: 0.5 means D can no longer tell them apart."""
    data = []
    for key, name, color, dash in (
        ("acc_real", "on real", REAL, "solid"),
        ("acc_fake", "on fake", FAKE, "solid"),
        ("acc", "overall", D_COLOR, "dot"),
    ):
        x, y = _series(history, key, smooth)
        data.append(_line(x, y, name, color, dash=dash))
    layout = _layout(
        "Discriminator accuracy",
        "training step",
        "accuracy",
        "accuracy",
        yaxis=_axis("accuracy", range=[-0.02, 1.02], tickformat=".0%"),
    )
    _with_lines(layout, _hline(0.5, "chance (equilibrium)"))
    return {"data": data, "layout": layout}


def d_outputs_figure(
    history: dict[str, np.ndarray], probabilistic: bool, smooth: bool = True, loss: str | None = None
) -> dict:
    """Mean D(x) on real vs D(G(z)) on fakes: the gap is what G is trying to close. A dashed line
    marks D's decision point for `loss` (config.DECISION_POINTS); for WGAN-GP, whose critic has none,
    a dotted curve follows the midpoint of the two means, the threshold its accuracy uses."""
    x_r, y_r = _series(history, "d_real", smooth)
    x_f, y_f = _series(history, "d_fake", smooth)
    data = [_line(x_r, y_r, "D(x), real", REAL), _line(x_f, y_f, "D(G(z)), fake", FAKE)]
    if probabilistic:
        layout = _layout(
            "What D says: real vs generated",
            "training step",
            "D output (P(real))",
            "d_outputs",
            yaxis=_axis("D output (P(real))", range=[-0.02, 1.02]),
        )
        _with_lines(layout, _hline(0.5, "0.5: can't tell"))
        return {"data": data, "layout": layout}
    least_squares = loss == "least-squares"
    title = "What D says: real vs generated" if least_squares else "What the critic says: real vs generated"
    y_title = "D output (target real 1, fake 0)" if least_squares else "critic score"
    layout = _layout(title, "training step", y_title, "d_outputs")
    centre = DECISION_POINTS.get(loss) if loss else None
    if centre is not None:
        _with_lines(layout, _hline(centre, f"{centre:g}: can't tell"))
    elif loss == "wgan-gp" and x_r.size and x_r.size == x_f.size:
        data.append(_line(x_r, (y_r + y_f) / 2, "midpoint: can't tell", NEUTRAL, dash="dot", width=1.5))
    return {"data": data, "layout": layout}


def grad_norm_figure(history: dict[str, np.ndarray], smooth: bool = False) -> dict:
    """Gradient norms of G and D on a log scale: vanishing and exploding gradients show here."""
    data = []
    for key, name, color in (("grad_norm_d", "D gradient norm", D_COLOR), ("grad_norm_g", "G gradient norm", G_COLOR)):
        x, y = _series(history, key, smooth)
        data.append(_line(x, np.where(y > 0, y, np.nan), name, color))
    layout = _layout(
        "Gradient norms (log scale)",
        "training step",
        "‖∇‖",
        "grad_norm",
        yaxis=_axis("‖∇‖", type="log", exponentformat="power"),
    )
    return {"data": data, "layout": layout}


# --- quality metrics ----------------------------------------------------------------------------
def _floor_line(floor: float | None, what: str, yref: str = "y") -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """The estimator's floor as a dotted line: what the same estimate reads for real data against
    real data of the same size (a perfect G), which finite samples keep above 0."""
    if not _finite(floor):
        return None
    return _hline(float(floor), f"floor, {what}: {float(floor):.3g}", yref=yref, color=REAL, dash="dot")


def modes_figure(metric_history: dict[str, np.ndarray], n_modes: int) -> dict:
    """Modes covered (metrics.MODE_COVERAGE, the count every page shows) with VEEGAN's looser count
    and the high-quality share: HQ % alone rewards collapse (one perfect mode is 100 % HQ)."""
    rule = MODE_COVERAGE
    x, covered = _series(metric_history, rule.key, False)
    xl, loose = _series(metric_history, rule.second_key or "", False)
    xh, hq = _series(metric_history, "hq_fraction", False)
    data = [
        _line(x, covered, rule.label, FAKE),
        _line(xl, loose, rule.second_label, FAKE, dash="dot", width=2.0),
        _line(xh, hq * 100.0, "high-quality samples (%)", QUALITY, dash="dash", width=2.0, yaxis="y2"),
    ]
    top = max(int(n_modes), 1)
    layout = _layout(
        f"Modes covered (k/{top}) and high-quality samples",
        "training step",
        "modes covered",
        "modes",
        note="HQ % alone rewards collapse: read it next to coverage",
        yaxis=_axis("modes covered", range=[0, top + 0.5], dtick=max(1, top // 8)),
        yaxis2=_axis("high quality", overlaying="y", side="right", range=[0, 105], ticksuffix="%", showgrid=False),
    )
    layout["margin"]["r"] = 64
    _with_lines(layout, _hline(top, f"all {top} modes", label_side="left"))
    return {"data": data, "layout": layout}


def divergence_figure(metric_history: dict[str, np.ndarray], floor: float | None = None) -> dict:
    """The grid estimate of the Jensen-Shannon divergence (nats) between real and generated points,
    with its floor: two independent real samples of the same size read `floor`, not 0, so a perfect
    G sits on that line. (No KL(real ‖ fake) here: on a histogram it is set by the smoothing
    epsilon of the cells G leaves empty, not by G.)"""
    xj, js = _series(metric_history, "js_grid", False)
    data = [_line(xj, js, "JS divergence (nats)", "#333333")]
    layout = _layout(
        "Distance between real and generated distributions",
        "training step",
        "JS (nats)",
        "divergence",
        note="histogram estimate, 0 … log 2",
        yaxis=_axis("JS (nats)", range=[0, LOG2 * 1.12]),
    )
    lines = [_hline(LOG2, "log 2: disjoint", label_side="left")]
    floor_line = _floor_line(floor, "two real samples")
    if floor_line:
        lines.append(floor_line)
    _with_lines(layout, *lines)
    return {"data": data, "layout": layout}


def multi_run_modes_figure(
    runs: Sequence[tuple[str, dict[str, np.ndarray]]], n_modes: int, key: str = MODE_COVERAGE.key
) -> dict:
    """Several runs' mode coverage on one chart: collapse vs cure, side by side. `key` defaults to
    the count every page calls covered (metrics.MODE_COVERAGE)."""
    data = []
    for i, (name, metric_history) in enumerate(runs):
        x, y = _series(metric_history, key, False)
        data.append(_line(x, y, str(name), RUN_COLORS[i % len(RUN_COLORS)]))
    if not data:
        data.append(_line(_EMPTY, _EMPTY, "no run yet", NEUTRAL, showlegend=False))
    top = max(int(n_modes), 1)
    rule = MODE_COVERAGE.label if key == MODE_COVERAGE.key else MODE_COVERAGE.second_label
    layout = _layout(
        f"Modes covered (k/{top}) per run",
        "training step",
        "modes covered",
        "multi_modes",
        note=rule,
        yaxis=_axis("modes covered", range=[0, top + 0.5], dtick=max(1, top // 8)),
    )
    _with_lines(layout, _hline(top, f"all {top} modes", label_side="left"))
    return {"data": data, "layout": layout}


DIGIT_LABELS = tuple(str(d) for d in range(10))


def class_histogram_figure(
    classes: dict[str, Any] | Sequence[int] | np.ndarray | None,
    coverage: int | None = None,
    mean_confidence: float | None = None,
    labels: Sequence[str] = DIGIT_LABELS,
) -> dict:
    """Generated samples per class by the reference classifier, split into confident and unsure
    (metrics.CLASS_COVERAGE: a class counts when its confident samples reach the threshold line).

    `classes` is the evaluation's view ({"confident": [...], "unsure": [...], "threshold": t,
    "n": n, "labels": the classifier's class names}) or a plain list of confident counts (threshold
    2 % of their sum). The title's count is `coverage` where given (the run's metric), else counted
    from the bars by the same rule. `labels` name the bars where the view does not (digits 0-9)."""
    if isinstance(classes, dict) and classes.get("labels"):
        labels = [str(c) for c in classes["labels"]]
    k = len(labels)

    def _counts(values: Any) -> np.ndarray:
        arr = np.asarray(values if values is not None else np.zeros(k), dtype=np.float64).reshape(-1)[:k]
        return np.concatenate([arr, np.zeros(k - arr.size)]) if arr.size < k else arr

    if isinstance(classes, dict):
        confident, unsure = _counts(classes.get("confident")), _counts(classes.get("unsure"))
        n = float(classes.get("n", confident.sum() + unsure.sum()))
        threshold = float(classes.get("threshold", max(1.0, 0.02 * n)))
    else:
        confident, unsure = _counts(classes), np.zeros(k)
        n = float(confident.sum())
        threshold = max(1.0, 0.02 * n)
    if not _finite(coverage):
        coverage = int(np.sum(confident >= threshold)) if n > 0 else 0
    title = f"By class: {int(round(float(coverage)))}/{k} covered"
    note = f"{n:,.0f} scored samples · covered: ≥ {threshold:.0f} confident" if n > 0 else ""
    if _finite(mean_confidence):
        note += f" · confidence {float(mean_confidence):.2f}"
    x = list(labels)
    data = [
        {
            "type": "bar",
            "x": x,
            "y": confident,
            "name": f"confident (≥ {CLASS_MIN_CONFIDENCE:.0%})",
            "marker": {"color": FAKE},
        },
        {
            "type": "bar",
            "x": x,
            "y": unsure,
            "name": "unsure: covers nothing",
            "marker": {"color": FAKE, "opacity": 0.3},
        },
    ]
    layout = _layout(
        title,
        "class (reference classifier)",
        "samples",
        "class_hist",
        note=note or None,
        xaxis=_axis("class (reference classifier)", type="category"),
        hovermode="closest",
        barmode="stack",
    )
    if n > 0:
        _with_lines(
            layout,
            _hline(n / k, f"fair share (n/{k})"),
            _hline(threshold, f"covered from here ({threshold:.0f})", color=FAKE, dash="dot", label_side="left"),
        )
    return {"data": data, "layout": layout}


def digits_quality_figure(metric_history: dict[str, np.ndarray]) -> dict:
    """Classes covered (metrics.CLASS_COVERAGE) and the classifier's confidence over training."""
    xc, cov = _series(metric_history, CLASS_COVERAGE.key, False)
    xm, conf = _series(metric_history, "mean_confidence", False)
    data = [
        _line(xc, cov, CLASS_COVERAGE.label, FAKE),
        _line(xm, conf, "mean confidence", QUALITY, dash="dash", width=2.0, yaxis="y2"),
    ]
    layout = _layout(
        "Classes covered and classifier confidence",
        "training step",
        "classes covered",
        "digits_quality",
        yaxis=_axis("classes covered", range=[0, 10.5], dtick=2),
        yaxis2=_axis("confidence", overlaying="y", side="right", range=[0, 1.05], showgrid=False),
    )
    layout["margin"]["r"] = 64
    _with_lines(layout, _hline(10, "all 10 classes", label_side="left"))
    return {"data": data, "layout": layout}


def frechet_figure(metric_history: dict[str, np.ndarray], floor: float | None = None) -> dict:
    """The Fréchet distance between Gaussian fits of the reference classifier's features of G's
    samples and of the real images (FID's formula, on a small classifier's features), log scale,
    with its floor: real images scored the same way read `floor`, not 0."""
    x, fd = _series(metric_history, "frechet_distance", False)
    data = [_line(x, np.where(fd > 0, fd, np.nan), "Fréchet distance", FAKE)]
    layout = _layout(
        "Fréchet distance to the real images",
        "training step",
        "Fréchet distance (log)",
        "frechet",
        legend=False,
        note="in the reference classifier's features · lower is closer",
        yaxis=_axis("Fréchet distance (log)", type="log", exponentformat="power"),
    )
    shown = fd[np.isfinite(fd) & (fd > 0)]
    if shown.size:  # shapes do not widen a log axis's autorange: make room for the floor
        low = min(float(shown.min()), float(floor) if _finite(floor) and floor > 0 else math.inf)
        layout["yaxis"]["range"] = [math.log10(low) - 0.15, math.log10(float(shown.max())) + 0.15]
    floor_line = _floor_line(floor, "real images")
    if floor_line and floor > 0:
        shape, annotation = floor_line  # on a log axis a shape takes data values, an annotation log10
        if annotation is not None:
            annotation["y"] = math.log10(float(floor))
        _with_lines(layout, (shape, annotation))
    return {"data": data, "layout": layout}


# --- the 2D playground --------------------------------------------------------------------------
PLAYGROUND_LAYERS = ("heatmap", "manifold", "real", "fake", "arrows")
ARROW_FRACTION = 0.08  # the longest gradient arrow spans this share of the plot width
# Fixed scale: an arrow's length is proportional to its gradient, the same for every step and loss,
# so a vanishing gradient shows as shrinking arrows. ‖∇‖ = 1 spans 2 % of the plot width (a trained
# ring8's per-sample gradients are ~4-19, an untrained G's ~0.02); arrows are capped at 25 %.
ARROW_FIXED_FRACTION, ARROW_CAP_FRACTION = 0.02, 0.25


def _bounds(bounds: Any, *point_sets: np.ndarray | None) -> np.ndarray:
    if bounds is not None:
        b = np.asarray(bounds, dtype=np.float64).reshape(-1, 2)
        if b.shape[0] >= 2 and np.isfinite(b[:2]).all():
            return b[:2]
    pts = [np.asarray(p, dtype=np.float64).reshape(-1, 2) for p in point_sets if p is not None and np.size(p)]
    pts = [p[np.isfinite(p).all(1)] for p in pts]
    pts = [p for p in pts if p.size]
    if not pts:
        return np.array([[-1.0, 1.0], [-1.0, 1.0]])
    allp = np.concatenate(pts)
    lo, hi = allp.min(0), allp.max(0)
    pad = (hi - lo) * 0.15 + 0.25
    return np.stack([lo - pad, hi + pad], 1)


def _with_gaps(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(L, P, 2) polylines -> one x and one y array with a NaN after each line (a gap)."""
    lines = np.asarray(lines, dtype=np.float64)
    if lines.ndim != 3 or lines.shape[-1] < 2 or lines.size == 0:
        return _EMPTY, _EMPTY
    padded = np.concatenate([lines[..., :2], np.full((lines.shape[0], 1, 2), np.nan)], axis=1).reshape(-1, 2)
    return padded[:, 0], padded[:, 1]


def _arrow_lines(
    start: np.ndarray, direction: np.ndarray, width: float, fixed: bool = False
) -> tuple[np.ndarray, np.ndarray, float]:
    """Arrows (shaft plus a V head, NaN gaps between them) scaled so the longest is
    ARROW_FRACTION of the plot width, or with `fixed` ‖∇‖ x ARROW_FIXED_FRACTION of it (capped at
    ARROW_CAP_FRACTION); returns the largest raw gradient norm too."""
    start = np.asarray(start, dtype=np.float64).reshape(-1, 2)
    direction = np.asarray(direction, dtype=np.float64).reshape(-1, 2)
    m = min(start.shape[0], direction.shape[0])
    start, direction = start[:m], np.nan_to_num(direction[:m], nan=0.0, posinf=0.0, neginf=0.0)
    norms = np.hypot(direction[:, 0], direction[:, 1])
    top = float(norms.max()) if m else 0.0
    if m == 0 or top <= 0.0:
        return _EMPTY, _EMPTY, top
    if fixed:
        cap = ARROW_CAP_FRACTION * width
        length = np.minimum(norms * ARROW_FIXED_FRACTION * width, cap)
        vec = direction * (length / np.maximum(norms, 1e-30))[:, None]
    else:
        vec = direction * (ARROW_FRACTION * width / top)
    tip = start + vec
    # Arrowhead: two barbs at +-25 degrees back from the tip, 35 % of the arrow's length.
    back = -vec * 0.35
    c, s = math.cos(math.radians(25)), math.sin(math.radians(25))
    barb1 = tip + np.stack([c * back[:, 0] - s * back[:, 1], s * back[:, 0] + c * back[:, 1]], 1)
    barb2 = tip + np.stack([c * back[:, 0] + s * back[:, 1], -s * back[:, 0] + c * back[:, 1]], 1)
    gap = np.full_like(start, np.nan)
    # start -> tip, then the head drawn barb1 -> tip -> barb2, then a gap.
    seq = np.stack([start, tip, gap, barb1, tip, barb2, gap], 1)  # (m, 7, 2)
    flat = seq.reshape(-1, 2)
    return flat[:, 0], flat[:, 1], top


def playground_figure(
    real: np.ndarray | None,
    fake: np.ndarray | None,
    views: dict[str, Any] | None,
    layers: Iterable[str] = PLAYGROUND_LAYERS,
    bounds: Any = None,
    max_points: int = 512,
    fixed_arrows: bool = False,
) -> dict:
    """The 2D playground: real and fake points over D's decision surface, G's warped noise grid
    and the gradient arrows that tell each fake point where to move (scaled to the longest, or
    with `fixed_arrows` on one scale for every step and loss)."""
    views = views or {}
    layers = set(layers)
    b = _bounds(bounds if bounds is not None else views.get("bounds"), real, fake)
    (x0, x1), (y0, y1) = b
    data: list[dict[str, Any]] = []
    colorbar_right = False

    heat = views.get("heatmap")
    if "heatmap" in layers and heat is not None:
        z = np.asarray(heat["z"], dtype=np.float64)
        finite = np.isfinite(z)
        if not finite.all():
            z = np.where(finite, z, np.nan)
        probabilistic = bool(heat.get("probabilistic", True))
        centre = float(heat.get("center", 0.5 if probabilistic else 0.0))
        trace: dict[str, Any] = {
            "type": "heatmap",
            "x": _f32(heat["x"]),
            "y": _f32(heat["y"]),
            "z": _f32(z),
            "colorscale": D_COLORSCALE,
            "zsmooth": "fast",
            "name": "D(x)",
            "showlegend": False,
            "colorbar": {"thickness": 14, "len": 0.9, "tickfont": {"size": TICK_SIZE}},
        }
        if probabilistic:
            trace.update(zmin=0.0, zmax=1.0, hovertemplate="D(x) = %{z:.2f}<extra></extra>")
            trace["colorbar"].update(title={"text": "D(x)"}, tickvals=[0, 0.5, 1], ticktext=["0 fake", "0.5", "1 real"])
        else:  # a score: white at the loss's own decision point (see decision_point)
            name = "D(x)" if heat.get("loss") == "least-squares" else "critic score"
            span = float(np.nanpercentile(np.abs(z - centre), 98)) if finite.any() else 1.0
            span = span if span > 0 and math.isfinite(span) else 1.0
            trace.update(
                zmin=centre - span,
                zmax=centre + span,
                zmid=centre,
                hovertemplate=f"{name} = %{{z:.2f}}<extra></extra>",
            )
            trace["colorbar"].update(
                title={"text": name},
                tickvals=[centre - span, centre, centre + span],
                ticktext=[f"{centre - span:.2g} fake", f"{centre:.2g}", f"{centre + span:.2g} real"],
            )
        data.append(trace)
        colorbar_right = True

    manifold = views.get("manifold")
    if "manifold" in layers and manifold is not None:
        mx, my = _with_gaps(manifold)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": _f32(mx),
                "y": _f32(my),
                "name": "G's manifold",
                "line": {"color": G_COLOR, "width": 1},
                "opacity": 0.55,
                "hoverinfo": "skip",
            }
        )

    # Fakes first, real data on top as open green rings: on tight mixtures (ring8's std is 0.02)
    # each mode's real points fall within a few pixels, and solid fakes drawn over them hid the
    # real data completely. A ring shows where the data is and the fakes inside it stay visible.
    markers = {
        "fake": {"color": FAKE, "size": 6, "opacity": 0.85, "line": {"color": "white", "width": 0.5}},
        "real": {
            "color": REAL,
            "size": 9,
            "symbol": "circle-open",
            "opacity": 0.9,
            "line": {"color": REAL, "width": 2},
        },
    }
    for key, points, name in (("fake", fake, "generated"), ("real", real, "real data")):
        if key not in layers or points is None:
            continue
        pts = np.asarray(points, dtype=np.float32).reshape(-1, 2)[:max_points]
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": pts[:, 0],
                "y": pts[:, 1],
                "name": name,
                "marker": markers[key],
                "hovertemplate": f"{name}<br>(%{{x:.2f}}, %{{y:.2f}})<extra></extra>",
            }
        )

    arrows = views.get("arrows")
    if "arrows" in layers and arrows is not None:
        ax, ay, top = _arrow_lines(arrows["x"], arrows["direction"], x1 - x0, fixed=fixed_arrows)
        scale = (
            f"fixed scale: ‖∇‖ 1 = {ARROW_FIXED_FRACTION:.0%} of the width, longest {top:.2g}"
            if fixed_arrows
            else f"longest ‖∇‖ = {top:.2g}"
        )
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": _f32(ax),
                "y": _f32(ay),
                "name": f"G's gradient ({scale})",
                "line": {"color": G_COLOR, "width": 1.8},
                "hoverinfo": "skip",
            }
        )

    if not data:  # all layers off: keep the axes so the view does not jump
        data.append({"type": "scatter", "mode": "markers", "x": [], "y": [], "showlegend": False, "hoverinfo": "skip"})
    layout = _layout(
        "Real vs generated points over D's view",
        "x₁",
        "x₂",
        "playground",
        height=PLAYGROUND_HEIGHT,
        hovermode="closest",
        xaxis=_axis("x₁", range=[x0, x1], constrain="domain", showgrid=False),
        yaxis=_axis("x₂", range=[y0, y1], scaleanchor="x", scaleratio=1, constrain="domain", showgrid=False),
    )
    layout["legend"].update(y=-0.2, yanchor="top")  # below: four entries wrap and would cover the top
    layout["margin"]["t"] = 48
    if colorbar_right:
        layout["margin"]["r"] = 16
    return {"data": data, "layout": layout}


# --- theory page --------------------------------------------------------------------------------
def density_1d_figure(views: dict[str, Any] | None, real: np.ndarray | None = None) -> dict:
    """Goodfellow et al. (2014) Fig. 1: p_data, p_g, D(x) and the optimal D* = p_data/(p_data+p_g)."""
    views = views or {}
    if "x" not in views:
        return empty_figure("no 1D view yet: press start", "Densities and the discriminator")
    x = np.asarray(views["x"], dtype=np.float64)
    probabilistic = bool(views.get("probabilistic", True))
    data = [
        {
            **_line(x, _col(views, "p_data"), "p_data (real)", REAL),
            "fill": "tozeroy",
            "fillcolor": "rgba(44,160,44,0.15)",
        },
        {
            **_line(x, _col(views, "p_g"), _p_g_name(views.get("p_g_outside")), FAKE),
            "fill": "tozeroy",
            "fillcolor": "rgba(148,103,189,0.15)",
        },
        _line(x, _col(views, "d"), "D(x)" if probabilistic else "critic score", D_COLOR, yaxis="y2"),
    ]
    if probabilistic and "d_optimal" in views:
        # D* = p_data / (p_data + p_g) is 0/0 where neither density has mass: there the estimated
        # tails decide it, and it swings between 0 and 1 on nothing. Drawn only where it means something.
        # Each density against its own peak: a spike of p_g (an untrained G) must not hide D* = 1
        # over the data it has not reached.
        d_star = _col(views, "d_optimal")
        p_data, p_g = _col(views, "p_data"), _col(views, "p_g")
        if p_data.shape == p_g.shape == d_star.shape and d_star.size:
            there = (p_data >= D_STAR_SUPPORT * np.nanmax(p_data)) | (p_g >= D_STAR_SUPPORT * np.nanmax(p_g))
            d_star = np.where(there, d_star, np.nan)
        name = f"optimal D*(x), where p<sub>data</sub> or p<sub>g</sub> > {D_STAR_SUPPORT:.0%} of its peak"
        data.append(_line(x, d_star, name, OPTIMAL, dash="dash", yaxis="y2"))
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
    y2 = _axis("D(x)", overlaying="y", side="right", showgrid=False)
    if probabilistic:
        y2.update(range=[-0.02, 1.02])
    else:
        y2["title"] = {"text": "critic score"}
    layout = _layout(
        "Densities and the discriminator",
        "x",
        "density",
        "density_1d",
        hovermode="x",
        yaxis=_axis("density", rangemode="tozero"),
        yaxis2=y2,
    )
    layout["margin"]["r"] = 64
    if probabilistic:
        _with_lines(layout, _hline(0.5, "D = 0.5", yref="y2", dash="dot", label_side="left"))
    return {"data": data, "layout": layout}


def _p_g_name(outside: Any) -> str:
    """p_g's legend entry, saying how much of it lies beyond the drawn window (the window follows
    G's samples only so far; that mass still counts in JS)."""
    if _finite(outside) and float(outside) >= 0.005:
        return f"p_g (generated; {float(outside):.0%} of it beyond this window)"
    return "p_g (generated)"


def _sigmoid(s: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * s))  # no overflow warning at large |s|


def _softplus(s: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, s)


def generator_loss_curves_figure(operating_point: float | None = None) -> dict:
    """Saturating log(1 − D) vs non-saturating −log D and the size of their slopes, all against
    D's logit s on a fake (D = σ(s), marked on the top axis): why the original minimax loss stalls
    when D rejects the fakes.

    The logit is the axis on which the story is true. Against D itself log(1 − D) has slope
    −1/(1 − D) ≈ −1 near D = 0: not flat. What vanishes is the sigmoid's dD/ds = D(1 − D), so by the
    chain rule ∂ log(1 − D)/∂s = −D → 0, while ∂(−log D)/∂s = −(1 − D) → −1. In s the losses are
    −softplus(s) and softplus(−s), and the dotted lines are exactly the slopes of the solid ones."""
    s = np.linspace(-LOGIT_RANGE, LOGIT_RANGE, 301)
    d = _sigmoid(s)
    data = [
        _line(s, -_softplus(s), "saturating loss log(1 − D) = −softplus(s)", SATURATING),
        _line(s, _softplus(-s), "non-saturating loss −log D = softplus(−s)", G_COLOR),
        _line(s, d, "|slope|, saturating = D", SATURATING, dash="dot", yaxis="y2"),
        _line(s, 1 - d, "|slope|, non-saturating = 1 − D", G_COLOR, dash="dot", yaxis="y2"),
        # Carries the top axis (D itself): plotly.js draws no axis that no trace uses.
        {
            "type": "scatter",
            "mode": "lines",
            "x": _f32([-LOGIT_RANGE, LOGIT_RANGE]),
            "y": _f32([np.nan, np.nan]),
            "xaxis": "x2",
            "showlegend": False,
            "hoverinfo": "skip",
            "name": "D axis",
        },
    ]
    d_ticks = (0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99)
    x_title = "s: D's logit on a fake (D = σ(s))"
    layout = _layout(
        "Generator losses and their slopes",
        x_title,
        "generator loss (G minimises)",
        "g_loss_curves",
        hovermode="x",
        xaxis=_axis(x_title, range=[-LOGIT_RANGE, LOGIT_RANGE]),
        xaxis2=_axis(
            "D(G(z)) = σ(s): how real D finds the fakes",
            overlaying="x",
            side="top",
            matches="x",
            tickmode="array",
            tickvals=[math.log(p / (1 - p)) for p in d_ticks],
            ticktext=[f"{p:g}" for p in d_ticks],
            showgrid=False,
        ),
        yaxis=_axis("generator loss (G minimises)", range=[-LOGIT_RANGE - 0.5, LOGIT_RANGE + 0.5]),
        yaxis2=_axis("|∂loss/∂s|", overlaying="y", side="right", range=[0, 1.05], showgrid=False),
    )
    # The legend goes below the plot: above it sit the title and the D axis.
    layout["legend"].update(y=-0.3, yanchor="top")
    layout["height"] = CHART_HEIGHT + 200
    layout["margin"].update(r=64, t=110, b=160)
    layout["annotations"] = [
        {
            "x": -4.5,
            "y": float(_sigmoid(np.array(-4.5))),
            "xref": "x",
            "yref": "y2",
            "ax": 60,
            "ay": -80,
            "showarrow": True,
            "arrowhead": 2,
            "arrowcolor": SATURATING,
            "text": "D rejects fakes →<br>saturating slope vanishes",
            "align": "left",
            "xanchor": "left",
            "font": {"size": TICK_SIZE, "color": SATURATING},
            "bgcolor": "rgba(255,255,255,0.8)",
        }
    ]
    if _finite(operating_point):
        p = min(max(float(operating_point), 1e-6), 1 - 1e-6)
        op = min(max(math.log(p / (1 - p)), -LOGIT_RANGE), LOGIT_RANGE)  # the logit where σ(s) = D(G(z))
        right = op < 0  # the label reads on the side with room
        layout["shapes"] = [
            {
                "type": "line",
                "xref": "x",
                "x0": op,
                "x1": op,
                "yref": "paper",
                "y0": 0,
                "y1": 1,
                "line": {"color": NEUTRAL, "width": 2, "dash": "dash"},
            }
        ]
        layout["annotations"].append(
            {
                "x": op,
                "y": 0.98,
                "xref": "x",
                "yref": "paper",
                "yanchor": "top",
                "xanchor": "left" if right else "right",
                "xshift": 4 if right else -4,
                "showarrow": False,
                "text": f"this run: mean D(G(z)) = {format_probability(float(operating_point))}",
                "font": {"size": TICK_SIZE, "color": NEUTRAL},
                "bgcolor": "rgba(255,255,255,0.8)",
            }
        )
    return {"data": data, "layout": layout}


def format_probability(p: float) -> str:
    """Three significant digits: near 0, where the saturating push is D itself, 0.0379 and 0.0431
    must not both read 0.04."""
    return f"{p:#.3g}" if p > 0 else "0"


def value_function_figure(d_real: float | None = None, d_fake: float | None = None) -> dict:
    """V(D,G) = log D(x) + log(1 − D(G(z))) over both of D's outputs: D climbs towards the
    corner (1, 0), G pushes D(G(z)) up; at equilibrium both are 0.5 and V = −log 4."""
    a = np.linspace(0.01, 0.99, 60)
    b = np.linspace(0.01, 0.99, 60)
    v = np.log(a)[None, :] + np.log1p(-b)[:, None]  # rows follow D(G(z)) (the y axis)
    data: list[dict[str, Any]] = [
        {
            "type": "contour",
            "x": a,
            "y": b,
            "z": np.maximum(v, -6.0),
            "name": "V(D, G)",
            "colorscale": _VALUE_COLORSCALE,
            "zmin": -6.0,
            "zmax": 0.0,
            "showlegend": False,
            "contours": {"start": -6.0, "end": 0.0, "size": 0.5, "coloring": "heatmap"},
            "line": {"width": 0.5, "color": "rgba(0,0,0,0.3)"},
            "colorbar": {"title": {"text": "V(D, G)"}, "thickness": 14, "tickfont": {"size": TICK_SIZE}},
            "hovertemplate": "D(x) = %{x:.2f}<br>D(G(z)) = %{y:.2f}<br>V = %{z:.2f}<extra></extra>",
        },
        {
            "type": "scatter",
            "mode": "markers",
            "x": [0.5],
            "y": [0.5],
            "name": "equilibrium",
            "marker": {"symbol": "x", "size": 14, "color": "black"},
            "hoverinfo": "skip",
            "showlegend": False,
        },
    ]
    annotations = [
        {
            "x": 0.5,
            "y": 0.5,
            "xref": "x",
            "yref": "y",
            "ax": -60,
            "ay": -50,
            "showarrow": True,
            "arrowhead": 2,
            "text": "equilibrium: V = −log 4 ≈ −1.39",
            "bgcolor": "rgba(255,255,255,0.85)",
            "font": {"size": TICK_SIZE},
        },
        {
            "x": 0.97,
            "y": 0.03,
            "xref": "x",
            "yref": "y",
            "ax": -50,
            "ay": -40,
            "showarrow": True,
            "arrowhead": 2,
            "text": "D's goal (V → 0)",
            "bgcolor": "rgba(255,255,255,0.85)",
            "font": {"size": TICK_SIZE, "color": D_COLOR},
        },
    ]
    if _finite(d_real) and _finite(d_fake):
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [float(d_real)],
                "y": [float(d_fake)],
                "name": "this run",
                "marker": {"size": 16, "color": G_COLOR, "line": {"color": "black", "width": 1.5}},
                "hovertemplate": "this run<br>D(x) = %{x:.2f}<br>D(G(z)) = %{y:.2f}<extra></extra>",
            }
        )
    layout = _layout(
        "Value function V(D, G) = log D(x) + log(1 − D(G(z)))",
        "D(x) on real data",
        "D(G(z)) on fakes",
        "value_function",
        height=PLAYGROUND_HEIGHT - 60,
        hovermode="closest",
        xaxis=_axis("D(x) on real data", range=[0, 1], constrain="domain"),
        yaxis=_axis("D(G(z)) on fakes", range=[0, 1], scaleanchor="x", scaleratio=1, constrain="domain"),
        annotations=annotations,
    )
    return {"data": data, "layout": layout}


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
    """Wrap a figure built here so `st.plotly_chart` skips re-validating it: Streamlit 1.67
    validates a dict with `go.Figure(**fig)` on every refresh (~3-5 ms of GIL per chart, while
    a training thread waits). Safe because the tests validate every figure this module makes;
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
