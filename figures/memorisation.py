"""The memorisation figure: how far G's samples are from their nearest training image, against real
images G never saw (gan_core.quality.memorisation's report).

Two distance distributions drawn as density step lines, so sets of different sizes compare on one
axis, with the near-copy zone shaded: a G that copies piles up left of its edge, one that makes new
images sits on the real images' curve. Pure function, plain Plotly dict built with figures.theme,
like every figure."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from figures.theme import FAKE, NEUTRAL, REAL, TICK_SIZE, chart_axis, chart_layout, f32

if TYPE_CHECKING:  # only a type here: importing it at run time would load torch for one annotation
    from gan_core.quality.memorisation import MemorisationReport

BINS = 40


def _density_steps(values: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A histogram as a step line (share of samples per unit distance), so two sets of different
    sizes compare on one axis."""
    counts, _ = np.histogram(values, bins=edges)
    width = np.diff(edges)
    density = counts / max(values.size, 1) / width
    x = np.repeat(edges, 2)[1:-1]
    y = np.repeat(density, 2)
    return np.concatenate([[edges[0]], x, [edges[-1]]]), np.concatenate([[0.0], y, [0.0]])


def memorisation_figure(report: MemorisationReport, generator_name: str = "G") -> dict:
    """Two distributions of nearest-training-image distances: G's samples (purple) and real images
    (green). A G that copies piles up at 0, left of the shaded near-copy zone's edge; one that makes
    new images sits on the green curve (or to its right while its samples are still poor)."""
    gen, real = np.asarray(report.generated, dtype=np.float64), np.asarray(report.held_out, dtype=np.float64)
    top = float(max(np.quantile(gen, 0.995) if gen.size else 0.0, np.quantile(real, 0.995) if real.size else 0.0))
    edges = np.linspace(0.0, max(top, 1e-3) * 1.05, BINS + 1)
    xg, yg = _density_steps(np.minimum(gen, edges[-1]), edges)
    xr, yr = _density_steps(np.minimum(real, edges[-1]), edges)
    data = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": f32(xr),
            "y": f32(yr),
            "name": report.real_name,
            "line": {"color": REAL, "width": 2.5},
            "fill": "tozeroy",
            "fillcolor": "rgba(44,160,44,0.15)",
            "hoverinfo": "skip",
        },
        {
            "type": "scatter",
            "mode": "lines",
            "x": f32(xg),
            "y": f32(yg),
            "name": f"{generator_name}'s samples",
            "line": {"color": FAKE, "width": 2.5},
            "hoverinfo": "skip",
        },
    ]
    layout = chart_layout(
        "How far is the nearest training image?",
        "distance to the nearest training image (RMS pixel difference)",
        "share of samples (density)",
        "memorisation",
        note=f"{gen.size:,} samples, {real.size:,} real images; {report.n_training:,} training images",
        hovermode="closest",
        yaxis=chart_axis("share of samples (density)", rangemode="tozero"),
    )
    layout["shapes"] = [
        {
            "type": "rect",
            "xref": "x",
            "x0": 0,
            "x1": report.threshold,
            "yref": "paper",
            "y0": 0,
            "y1": 1,
            "fillcolor": "rgba(214,39,40,0.10)",
            "line": {"width": 0},
            "layer": "below",
        }
    ]
    layout["annotations"] = [
        {
            "xref": "x",
            "x": report.threshold,
            "xanchor": "left",
            "yref": "paper",
            "y": 0.95,
            "text": f"◀ near-copies: {report.near_copy_share:.0%} of {generator_name}'s samples",
            "showarrow": False,
            "font": {"size": TICK_SIZE, "color": NEUTRAL},
            "bgcolor": "rgba(255,255,255,0.8)",
        }
    ]
    return {"data": data, "layout": layout}
