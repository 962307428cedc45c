"""The 2D playground's field: real and generated points over D's decision surface, G's warped
noise grid (its manifold) and the gradient arrows that tell each fake point where to move.

One chart, drawn as layers a page can switch on and off (PLAYGROUND_LAYERS), on a fixed square
view so the picture does not jump between refreshes. Each layer is a single trace however many
lines it holds (polylines and arrows are joined with NaN gaps), so a refresh stays a handful of
traces. Arrows are scaled to the longest by default, or on one fixed scale so a vanishing gradient
shows as shrinking arrows. Plain dicts built with figures.theme, like every figure.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from figures.theme import (
    D_COLORSCALE,
    EMPTY,
    FAKE,
    G_COLOR,
    PLAYGROUND_HEIGHT,
    REAL,
    TICK_SIZE,
    chart_axis,
    chart_layout,
    f32,
)

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
        return EMPTY, EMPTY
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
        return EMPTY, EMPTY, top
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
            "x": f32(heat["x"]),
            "y": f32(heat["y"]),
            "z": f32(z),
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
                "x": f32(mx),
                "y": f32(my),
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
                "x": f32(ax),
                "y": f32(ay),
                "name": f"G's gradient ({scale})",
                "line": {"color": G_COLOR, "width": 1.8},
                "hoverinfo": "skip",
            }
        )

    if not data:  # all layers off: keep the axes so the view does not jump
        data.append({"type": "scatter", "mode": "markers", "x": [], "y": [], "showlegend": False, "hoverinfo": "skip"})
    layout = chart_layout(
        "Real vs generated points over D's view",
        "x₁",
        "x₂",
        "playground",
        height=PLAYGROUND_HEIGHT,
        hovermode="closest",
        xaxis=chart_axis("x₁", range=[x0, x1], constrain="domain", showgrid=False),
        yaxis=chart_axis("x₂", range=[y0, y1], scaleanchor="x", scaleratio=1, constrain="domain", showgrid=False),
    )
    layout["legend"].update(y=-0.2, yanchor="top")  # below: four entries wrap and would cover the top
    layout["margin"]["t"] = 48
    if colorbar_right:
        layout["margin"]["r"] = 16
    return {"data": data, "layout": layout}
