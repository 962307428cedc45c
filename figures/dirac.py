"""Dirac GAN figures: the training dynamics' vector field over (θ, ψ) with a trajectory through it,
and θ, ψ and the distance to the equilibrium over the steps.

The field is drawn as arrows made of line segments with NaN gaps (one trace for all of them), as
the playground draws G's gradients: a Plotly 'cone' or one annotation per arrow would cost far more
to send and draw.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from figures.playground import ARROW_FRACTION, _arrow_lines
from figures.theme import (
    D_COLOR,
    FAKE,
    G_COLOR,
    NEUTRAL,
    PLAYGROUND_HEIGHT,
    RUN_COLORS,
    chart_axis,
    chart_layout,
    decimate,
    f32,
    hline,
    line_trace,
    with_lines,
)
from gan_core.dirac import DiracTrajectory, VectorField

ARROW_SPACING = 0.85  # the longest arrow spans this share of the grid spacing
FIELD_COLOR = "#9a9a9a"  # arrows: context, lighter than the trajectory drawn through them
EQUILIBRIUM = "equilibrium (0, 0)"


def _field_arrows(field: VectorField, unit: bool) -> tuple[np.ndarray, np.ndarray, float]:
    grid_theta, grid_psi = np.meshgrid(field.thetas, field.psis)
    starts = np.stack([grid_theta.ravel(), grid_psi.ravel()], 1)
    directions = np.stack([np.ravel(field.d_theta), np.ravel(field.d_psi)], 1)
    if unit:  # directions only: near the equilibrium the field vanishes, but where it turns still shows
        norms = np.hypot(directions[:, 0], directions[:, 1])
        directions = directions / np.where(norms > 0, norms, 1.0)[:, None]
    steps = [np.min(np.diff(np.sort(a))) for a in (field.thetas, field.psis) if a.size > 1]
    spacing = min(steps) if steps else 1.0
    # _arrow_lines makes the longest arrow ARROW_FRACTION of `width`: pick the width that makes it
    # ARROW_SPACING of one grid step, so neighbouring arrows never overlap.
    return _arrow_lines(starts, directions, ARROW_SPACING * spacing / ARROW_FRACTION)


def _range(values: np.ndarray) -> list[float]:
    lo, hi = float(np.min(values)), float(np.max(values))
    pad = 0.06 * (hi - lo) if hi > lo else 0.5
    return [lo - pad, hi + pad]


def field_figure(
    field: VectorField, trajectory: DiracTrajectory | None = None, *, unit_arrows: bool = False, title: str = ""
) -> dict:
    """The vector field (−∂L_G/∂θ, −∂L_D/∂ψ) as arrows, the equilibrium marked, and optionally
    the path training took through it (start ringed, end filled). `unit_arrows` draws directions
    only; otherwise arrow lengths follow the field's strength (the longest fills one grid step)."""
    ax, ay, top = _field_arrows(field, unit_arrows)
    scale = "directions only" if unit_arrows else f"longest {top:.2g}"
    data: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": f32(ax),
            "y": f32(ay),
            "name": f"gradient field ({scale})",
            "line": {"color": FIELD_COLOR, "width": 1.4},
            "hoverinfo": "skip",
        }
    ]
    if trajectory is not None and trajectory.theta.size:
        x, y = decimate(trajectory.theta, trajectory.psi)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": f32(x),
                "y": f32(y),
                "name": f"training ({int(trajectory.steps[-1] - trajectory.steps[0]):,} steps)",
                "line": {"color": FAKE, "width": 2.2},
                "hovertemplate": "θ = %{x:.3g}<br>ψ = %{y:.3g}<extra></extra>",
            }
        )
        for index, symbol, name in ((0, "circle-open", "start"), (-1, "circle", "now")):
            data.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "x": [float(trajectory.theta[index])],
                    "y": [float(trajectory.psi[index])],
                    "name": name,
                    "marker": {"symbol": symbol, "size": 12, "color": FAKE, "line": {"color": FAKE, "width": 2}},
                    "hovertemplate": f"{name}<br>θ = %{{x:.3g}}<br>ψ = %{{y:.3g}}<extra></extra>",
                }
            )
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": [0.0],
            "y": [0.0],
            "name": EQUILIBRIUM,
            "marker": {"symbol": "x", "size": 14, "color": "black"},
            "hoverinfo": "skip",
        }
    )
    layout = chart_layout(
        title or "Training dynamics of the Dirac GAN",
        "θ: G's point (the data is at 0)",
        "ψ: D's slope",
        "dirac_field",
        note="arrows: (−∂L_G/∂θ, −∂L_D/∂ψ), where one gradient step moves (θ, ψ); ✕: G on the data, D flat",
        height=PLAYGROUND_HEIGHT,
        hovermode="closest",
        xaxis=chart_axis("θ: G's point (the data is at 0)", range=_range(field.thetas), constrain="domain"),
        yaxis=chart_axis("ψ: D's slope", range=_range(field.psis), scaleanchor="x", scaleratio=1, constrain="domain"),
    )
    # The plot is square: the legend goes beside it, where there is room, not above it.
    layout["legend"].update(orientation="v", x=1.02, xanchor="left", y=1.0, yanchor="top")
    return {"data": data, "layout": layout}


def parameters_figure(trajectory: DiracTrajectory) -> dict:
    """θ (G) and ψ (D) over the steps: two waves a quarter turn apart, growing, steady or dying
    out as training diverges, circles or converges."""
    data = []
    for values, name, color in ((trajectory.theta, "θ: G's point", G_COLOR), (trajectory.psi, "ψ: D's slope", D_COLOR)):
        x, y = decimate(trajectory.steps, values)
        data.append(line_trace(x, y, name, color))
    layout = chart_layout("θ and ψ over training", "step", "value", "dirac_parameters", hovermode="x unified")
    with_lines(layout, hline(0.0, "equilibrium: 0", label_side="left"))
    return {"data": data, "layout": layout}


def distance_figure(runs: Mapping[str, DiracTrajectory], growth: float | None = None) -> dict:
    """Distance to the equilibrium over the steps, one line per run, on a log scale (a constant
    factor per step is a straight line). With `growth` (e.g. `DiracGAN.simultaneous_growth()`) a
    dashed line shows the first run's start times growthⁿ: what theory predicts near (0, 0)."""
    data = []
    for color, (name, trajectory) in zip(RUN_COLORS, runs.items()):
        distance = trajectory.distance
        x, y = decimate(trajectory.steps, np.where(distance > 0, distance, np.nan))  # log axis: 0 is a gap
        data.append(line_trace(x, y, name, color))
    first = next(iter(runs.values()), None)
    if growth is not None and first is not None and first.steps.size:
        n = first.steps - first.steps[0]
        x, y = decimate(first.steps, first.distance[0] * np.power(float(growth), n.astype(np.float64)))
        data.append(line_trace(x, y, f"theory near (0, 0): ×{growth:.4f} per step", NEUTRAL, dash="dash", width=2))
    layout = chart_layout(
        "Distance to the equilibrium",
        "step",
        "‖(θ, ψ)‖ (log scale)",
        "dirac_distance",
        hovermode="x unified",
        yaxis=chart_axis("‖(θ, ψ)‖ (log scale)", type="log", exponentformat="power"),
    )
    return {"data": data, "layout": layout}
