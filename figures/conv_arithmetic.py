"""Transposed-convolution figures: one layer worked by hand (input, kernel, output, with the patch
one input pixel paints outlined), the same layer as the matrix Cᵀ times the flattened input, and
the overlap counts that make 3×3/stride-2 generators start with a checkerboard.

Every panel is a heatmap with square cells, row 0 at the top (as an image), values written in
the cells while they are few enough to read.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from figures.theme import CHART_HEIGHT, G_COLOR, TICK_SIZE, TITLE_SIZE, chart_layout, f32
from gan_core.conv_arithmetic import conv_matrix, output_size, overlap_counts, painted_patch, scatter_transpose_conv

# Signed values (weights, activations): blue below 0, white at 0, red above; the scale is
# centred on 0 per panel so a kernel's sign pattern reads at a glance.
SIGNED_COLORSCALE = "RdBu"
COUNT_COLORSCALE = [[0.0, "#ffffff"], [1.0, "#4a4a4a"]]
MAX_TEXT_CELLS = 12  # per side: beyond this the numbers no longer fit in their cells
PANEL_GAP = 2.0  # cells between panels
HIGHLIGHT = G_COLOR  # what the chosen pixel paints: G's colour, since G is the one painting


@dataclass(frozen=True)
class _Panel:
    z: np.ndarray
    name: str
    counts: bool = False  # whole numbers on a grey scale, instead of signed values
    text: bool = True  # write the values in the cells (when they fit)


def _panels(
    panels: Sequence[_Panel],
    title: str,
    uirevision: str,
    note: str,
    joiners: Sequence[str] = (),
    gap: float = PANEL_GAP,
) -> tuple[dict, list[float]]:
    """Panels side by side on one pair of axes with square cells (so a cell is the same size in
    every panel, and the 3×3 input stays small next to the 6×6 output), row 0 at the top; returns
    the figure and each panel's left edge (in cells) for outlines. `joiners` ("·", "=") are
    written in the gaps."""
    lefts, data, annotations = [], [], []
    zmax_counts = max([float(p.z.max()) for p in panels if p.counts] or [1.0])
    left = 0.0
    for panel in panels:
        z = np.asarray(panel.z, dtype=np.float64)
        rows, columns = z.shape
        trace: dict[str, Any] = {
            "type": "heatmap",
            "z": f32(z),
            "x": left + np.arange(columns, dtype=np.float64),
            "y": np.arange(rows, dtype=np.float64),
            "customdata": np.broadcast_to(np.arange(columns), z.shape),
            "name": panel.name,
            "showscale": False,
            "xgap": 1,
            "ygap": 1,
            "hovertemplate": f"{panel.name}<br>row %{{y}}, column %{{customdata}}: %{{z:.3g}}<extra></extra>",
        }
        if panel.counts:
            trace.update(colorscale=COUNT_COLORSCALE, zmin=0.0, zmax=zmax_counts)
        else:
            span = float(np.max(np.abs(z))) or 1.0
            trace.update(colorscale=SIGNED_COLORSCALE, reversescale=True, zmin=-span, zmax=span)
        if panel.text and max(z.shape) <= MAX_TEXT_CELLS:
            trace["texttemplate"] = "%{z:.0f}" if panel.counts else "%{z:.2f}"
            trace["textfont"] = {"size": TICK_SIZE - 2}
        data.append(trace)
        annotations.append(
            {
                "text": panel.name,
                "x": left + (columns - 1) / 2,
                "y": -0.6,
                "xref": "x",
                "yref": "y",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": TICK_SIZE},
            }
        )
        lefts.append(left)
        left += columns + gap
    for joiner, next_left in zip(joiners, lefts[1:]):
        annotations.append(
            {
                "text": joiner,
                "x": next_left - (gap + 1) / 2,
                "y": (max(p.z.shape[0] for p in panels) - 1) / 2,
                "xref": "x",
                "yref": "y",
                "showarrow": False,
                "font": {"size": TITLE_SIZE + 14},
            }
        )
    tallest = max(p.z.shape[0] for p in panels)
    written = any(p.text and max(p.z.shape) <= MAX_TEXT_CELLS for p in panels)
    hidden = {"visible": False, "showgrid": False, "zeroline": False}
    layout = chart_layout(
        title, "", "", uirevision, note=note, height=_height(tallest, written), legend=False, hovermode="closest"
    )
    layout["xaxis"] = {**hidden, "range": [-0.6, left - gap - 0.4], "constrain": "domain"}
    layout["yaxis"] = {
        **hidden,
        "range": [tallest - 0.4, -1.6],  # reversed: row 0 at the top, room above it for the names
        "scaleanchor": "x",
        "scaleratio": 1,
        "constrain": "domain",
    }
    layout["annotations"] = annotations
    layout["shapes"] = []
    return {"data": data, "layout": layout}, lefts


def _outline(left: float, top: float, bottom: float, first: float, last: float) -> dict[str, Any]:
    """A rectangle around rows [top, bottom) × columns [first, last) of the panel at `left`."""
    return {
        "type": "rect",
        "xref": "x",
        "yref": "y",
        "x0": left + first - 0.5,
        "x1": left + last - 0.5,
        "y0": top - 0.5,
        "y1": bottom - 0.5,
        "line": {"color": HIGHLIGHT, "width": 4},
    }


def _height(rows: int, written: bool) -> int:
    """Room for `rows` cells (and the panel names above them) below the title: 44 px cells where
    numbers are written in them, 20 px where only colours are; at most a screen."""
    cell = 44 if written else 20
    return int(min(max(CHART_HEIGHT, cell * (rows + 2) + 172), 900))


def transposed_conv_figure(
    x: np.ndarray, kernel: np.ndarray, stride: int, padding: int, pixel: tuple[int, int] | None = None
) -> dict:
    """Input, kernel and output of one transposed convolution, computed by painting. With `pixel`
    (row, column) that input pixel and the output patch it paints (kernel × its value, cropped by
    the padding) are outlined: the outputs inside the outline each add this pixel's share."""
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    out = scatter_transpose_conv(x, kernel, stride, padding)
    n, k = x.shape[0], kernel.shape[0]
    fig, (x_left, _, out_left) = _panels(
        [_Panel(x, f"input {n}×{n}"), _Panel(kernel, f"kernel {k}×{k}"), _Panel(out, f"output {len(out)}×{len(out)}")],
        f"A transposed convolution by hand: stride {stride}, padding {padding}",
        "transposed_conv",
        "each input pixel paints kernel × its value onto the output, stride apart; overlaps add up; "
        "the padding crops the edges",
    )
    if pixel is not None:
        row, col = pixel
        if not (0 <= row < n and 0 <= col < n):
            raise ValueError(f"pixel must be within the {n}×{n} input, got {pixel}")
        patch = painted_patch(row, col, n, k, stride, padding)
        fig["layout"]["shapes"] = [
            _outline(x_left, row, row + 1, col, col + 1),
            _outline(out_left, patch.top, patch.bottom, patch.left, patch.right),
        ]
    return fig


def conv_matrix_figure(
    x: np.ndarray, kernel: np.ndarray, stride: int, padding: int, pixel: tuple[int, int] | None = None
) -> dict:
    """The same layer as a matrix product: Cᵀ · vec(input) = vec(output), where C is the ordinary
    convolution with this kernel, stride and padding (output-sized image → input-sized one). Each
    column of Cᵀ is the kernel one input pixel paints, flattened; `pixel` outlines its column."""
    x = np.asarray(x, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    n, k = x.shape[0], kernel.shape[0]
    m = output_size(n, k, stride, padding)
    matrix_t = conv_matrix(n, kernel, stride, padding).T  # (m², n²)
    vec_out = (matrix_t @ x.reshape(-1)).reshape(-1, 1)
    fig, (matrix_left, vec_left, _) = _panels(
        # A column of 36 numbers is noise: the pattern of the matrix is the point.
        [
            _Panel(matrix_t, f"Cᵀ ({m * m}×{n * n})", text=False),
            _Panel(x.reshape(-1, 1), "input", text=False),
            _Panel(vec_out, "output", text=False),
        ],
        "The same layer as a matrix: Cᵀ times the flattened input",
        "conv_matrix",
        "C is the ordinary convolution with the same kernel, stride and padding; pixels flattened row by row",
        joiners=("·", "="),
        gap=3.0,
    )
    if pixel is not None:
        column = pixel[0] * n + pixel[1]
        fig["layout"]["shapes"] = [
            _outline(matrix_left, 0, m * m, column, column + 1),
            _outline(vec_left, column, column + 1, 0, 1),
        ]
    return fig


def overlap_figure(in_size: int = 4, kernel_sizes: Sequence[int] = (3, 4), stride: int = 2, padding: int = 1) -> dict:
    """How many kernel taps land on each output pixel, one panel per kernel size: uneven counts (a
    kernel size that is not a multiple of the stride) are a checkerboard G starts with and must
    learn to hide; 4×4 with stride 2, G's layers here, covers the interior evenly."""
    panels = [
        _Panel(
            overlap_counts(in_size, k, stride, padding),
            f"{k}×{k}, stride {stride}: " + ("even" if k % stride == 0 else "checkerboard"),
            counts=True,
        )
        for k in kernel_sizes
    ]
    fig, _ = _panels(
        panels,
        f"Overlaps: kernel taps per output pixel ({in_size}×{in_size} input, padding {padding})",
        "conv_overlap",
        "Odena, Dumoulin & Olah, 'Deconvolution and Checkerboard Artifacts' (Distill 2016)",
    )
    return fig
