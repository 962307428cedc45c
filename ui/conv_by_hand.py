"""The Inside G and D page's "one transposed convolution, by hand": its URL-backed controls and views.

A 3×3 input, stride 2 and padding 1 (G's layers), and a kernel the student picks: the live G's own
(from the run's newest walk, gan_core.inside) or a kernel of ones. The same output three ways
(painting, Cᵀ·x, PyTorch), and the overlap counts behind the checkerboard (gan_core.conv_arithmetic).
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from figures.conv_arithmetic import conv_matrix_figure, overlap_figure, transposed_conv_figure
from gan_core.conv_arithmetic import (
    library_transpose_conv,
    matrix_transpose_conv,
    overlap_counts,
    scatter_transpose_conv,
)
from gan_core.inside import InsideView
from gan_core.runs.snapshot import Snapshot
from ui.charts import live_chart
from ui.url_values import WidgetParam, choice

KEY_KERNEL, KEY_PIXEL = "conv:kernel", "conv:pixel"
KERNELS = {"g": "G's kernel, live", "ones4": "4×4 of ones", "ones3": "3×3 of ones"}
PIXELS = tuple(f"{r},{c}" for r in range(3) for c in range(3))
STRIDE, PADDING = 2, 1  # G's transposed convolutions (gan_core.models.DCGANGenerator)
# A small input with distinct values, so each pixel's paint is told apart by its size and sign.
INPUT = np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 0.0], [-1.0, 0.0, 1.0]])

KERNEL = WidgetParam("kernel", KEY_KERNEL, "g", choice(tuple(KERNELS)))
PIXEL = WidgetParam("pixel", KEY_PIXEL, "1,1", choice(PIXELS))
PARAMS = (KERNEL, PIXEL)


def chosen_kernel(view: InsideView | None) -> tuple[np.ndarray, str]:
    """The kernel the controls pick and how the page names it. G's kernel is scaled so its largest
    weight reads 1 (a layer's weights are a few hundredths: two decimals would show zeros); the
    scale is named, and scaling a kernel scales the output alike."""
    name = st.session_state.get(KEY_KERNEL) or "g"
    if name == "ones3":
        return np.ones((3, 3)), "a 3×3 kernel of ones"
    if name == "g" and view is not None:
        a, b = view.kernel_channels
        top = float(np.max(np.abs(view.kernel))) or 1.0
        return view.kernel / top, (
            f"G's first transposed convolution at step {view.step:,}, from channel {a} of its input to "
            f"channel {b} of its output, ×{1 / top:.3g} so its largest weight reads 1"
        )
    return np.ones((4, 4)), "a 4×4 kernel of ones"


def controls() -> None:
    kernel_col, pixel_col = st.columns([1, 1.4])
    kernel_col.segmented_control("Kernel", list(KERNELS), format_func=KERNELS.get, key=KEY_KERNEL, required=True)
    pixel_col.segmented_control(
        "Input pixel that paints",
        list(PIXELS),
        format_func=lambda p: "({}, {})".format(*p.split(",")),
        key=KEY_PIXEL,
        required=True,
        help="(row, column) of the 3×3 input: its patch is outlined in the output and its column in Cᵀ.",
    )


def _agreement(kernel: np.ndarray) -> str:
    """How far painting and Cᵀ·x are from PyTorch's conv_transpose2d, measured on these numbers."""
    torch_out = library_transpose_conv(INPUT, kernel, STRIDE, PADDING)
    paint_gap = float(np.max(np.abs(scatter_transpose_conv(INPUT, kernel, STRIDE, PADDING) - torch_out)))
    matrix_gap = float(np.max(np.abs(matrix_transpose_conv(INPUT, kernel, STRIDE, PADDING) - torch_out)))
    return (
        f"PyTorch's `conv_transpose2d` on the same numbers: largest difference {paint_gap:.1g} from the "
        f"painting, {matrix_gap:.1g} from Cᵀ·x."
    )


def _checkerboard() -> None:
    counts3, counts4 = overlap_counts(4, 3, STRIDE, PADDING), overlap_counts(4, 4, STRIDE, PADDING)
    uneven = ", ".join(str(c) for c in np.unique(counts3))
    even = ", ".join(str(c) for c in np.unique(counts4[1:-1, 1:-1]))
    st.markdown(
        "**Checkerboards.** Where the kernel size is not a multiple of the stride, neighbouring output pixels "
        f"collect different numbers of kernel taps: {uneven} for a 3×3 kernel with stride 2, in a checkerboard "
        "that G starts with and must learn to hide (Odena, Dumoulin & Olah, *Deconvolution and Checkerboard "
        f"Artifacts*, 2016). With 4×4 kernels and stride 2, as this G uses, every inside pixel collects {even}."
    )
    live_chart(overlap_figure(4, (3, 4), STRIDE, PADDING), "conv:chart:overlap")


def conv_by_hand(snap: Snapshot) -> None:
    """The section: controls, the layer by painting and as a matrix, and the checkerboard."""
    controls()
    view: InsideView | None = snap.views.get("inside")
    kernel, kernel_name = chosen_kernel(view)
    row, col = (int(v) for v in (st.session_state.get(KEY_PIXEL) or "1,1").split(","))
    if st.session_state.get(KEY_KERNEL, "g") == "g" and view is None:
        st.info("G's kernel comes with the live walk above (open it, then Start or Step): a 4×4 of ones meanwhile.")
    st.markdown(
        f"Kernel: {kernel_name}. Input pixel ({row}, {col}) holds {INPUT[row, col]:g}: it paints the kernel times "
        f"{INPUT[row, col]:g} onto the outlined patch; neighbouring input pixels paint {STRIDE} output pixels apart, "
        "where patches overlap the paint adds up, and the padding crops one pixel off each edge."
    )
    live_chart(transposed_conv_figure(INPUT, kernel, STRIDE, PADDING, (row, col)), "conv:chart:paint")
    matrix_col, text_col = st.columns([1, 1], vertical_alignment="center")
    live_chart(conv_matrix_figure(INPUT, kernel, STRIDE, PADDING, (row, col)), "conv:chart:matrix", matrix_col)
    size = int(snap.samples.shape[-1]) if snap.samples is not None else 28
    text_col.markdown(
        "**The same layer as a matrix.** C is the ordinary strided convolution with this kernel: it maps an "
        "output-sized image back to the input's size. The transposed convolution multiplies by Cᵀ, hence its "
        "name. The outlined column of Cᵀ is the paint of the outlined input pixel, flattened row by row.\n\n"
        + _agreement(kernel)
        + f"\n\n**A DCGAN generator has no unpooling.** Each time its images double in size ({size // 4}×{size // 4} "
        f"→ {size // 2}×{size // 2} → {size}×{size} here) it is a transposed convolution with stride 2 like this "
        "one, with kernels G learned."
    )
    _checkerboard()
