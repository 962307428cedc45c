"""The GAN objective in closed form, as the Theory page draws it beside its live run: the
generator losses (saturating log(1 − D), non-saturating −log D) and their slopes against D's logit,
the value function V(D, G) over both of D's outputs, and the gradient signal each loss gives G.

These are functions, not measurements: the curves come from the formulas, and a run only adds a
marker (its mean D(G(z)), its D(x) and D(G(z))). The losses are drawn against the logit because
that is the axis on which "the saturating loss stalls when D wins" is true (see
generator_loss_curves_figure). Plain dicts built with figures.theme, like every figure.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from figures.theme import (
    CHART_HEIGHT,
    D_COLOR,
    G_COLOR,
    NEUTRAL,
    PLAYGROUND_HEIGHT,
    SATURATING,
    TICK_SIZE,
    chart_axis,
    chart_layout,
    f32,
    is_finite,
    line_trace,
)

LOGIT_RANGE = 6.0  # the generator-loss chart spans D's logit from -6 to 6 (D from 0.0025 to 0.9975)
# V(D, G): dark = very negative (G winning), light = near 0 (D winning).
_VALUE_COLORSCALE = [[0.0, "#08306b"], [0.25, "#2171b5"], [0.5, "#6baed6"], [0.75, "#c6dbef"], [1.0, "#f7fbff"]]


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
        line_trace(s, -_softplus(s), "saturating loss log(1 − D) = −softplus(s)", SATURATING),
        line_trace(s, _softplus(-s), "non-saturating loss −log D = softplus(−s)", G_COLOR),
        line_trace(s, d, "|slope|, saturating = D", SATURATING, dash="dot", yaxis="y2"),
        line_trace(s, 1 - d, "|slope|, non-saturating = 1 − D", G_COLOR, dash="dot", yaxis="y2"),
        # Carries the top axis (D itself): plotly.js draws no axis that no trace uses.
        {
            "type": "scatter",
            "mode": "lines",
            "x": f32([-LOGIT_RANGE, LOGIT_RANGE]),
            "y": f32([np.nan, np.nan]),
            "xaxis": "x2",
            "showlegend": False,
            "hoverinfo": "skip",
            "name": "D axis",
        },
    ]
    d_ticks = (0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99)
    x_title = "s: D's logit on a fake (D = σ(s))"
    layout = chart_layout(
        "Generator losses and their slopes",
        x_title,
        "generator loss (G minimises)",
        "g_loss_curves",
        hovermode="x",
        xaxis=chart_axis(x_title, range=[-LOGIT_RANGE, LOGIT_RANGE]),
        xaxis2=chart_axis(
            "D(G(z)) = σ(s): how real D finds the fakes",
            overlaying="x",
            side="top",
            matches="x",
            tickmode="array",
            tickvals=[math.log(p / (1 - p)) for p in d_ticks],
            ticktext=[f"{p:g}" for p in d_ticks],
            showgrid=False,
        ),
        yaxis=chart_axis("generator loss (G minimises)", range=[-LOGIT_RANGE - 0.5, LOGIT_RANGE + 0.5]),
        yaxis2=chart_axis("|∂loss/∂s|", overlaying="y", side="right", range=[0, 1.05], showgrid=False),
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
    if is_finite(operating_point):
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


def gradient_signal(d_fake: float | None) -> dict[str, float] | None:
    """|∂loss/∂logit| of each generator loss at D(G(z)) = d_fake: saturating = D, non-saturating
    = 1 − D. None when d_fake is not a probability (critic losses) or not measured yet."""
    if not is_finite(d_fake) or not 0.0 <= float(d_fake) <= 1.0:
        return None
    d = float(d_fake)
    return {"saturating": d, "nonsaturating": 1.0 - d, "ratio": (1.0 - d) / max(d, 1e-12)}


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
    if is_finite(d_real) and is_finite(d_fake):
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
    layout = chart_layout(
        "Value function V(D, G) = log D(x) + log(1 − D(G(z)))",
        "D(x) on real data",
        "D(G(z)) on fakes",
        "value_function",
        height=PLAYGROUND_HEIGHT - 60,
        hovermode="closest",
        xaxis=chart_axis("D(x) on real data", range=[0, 1], constrain="domain"),
        yaxis=chart_axis("D(G(z)) on fakes", range=[0, 1], scaleanchor="x", scaleratio=1, constrain="domain"),
        annotations=annotations,
    )
    return {"data": data, "layout": layout}
