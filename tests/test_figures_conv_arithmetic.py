"""Transposed-convolution figures draw what the hand computation and PyTorch compute."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
import torch
import torch.nn.functional as F

from figures.conv_arithmetic import conv_matrix_figure, overlap_figure, transposed_conv_figure
from gan_core.conv_arithmetic import conv_matrix, overlap_counts, paint

RNG = np.random.default_rng(5)
X, KERNEL = RNG.normal(size=(3, 3)), RNG.normal(size=(4, 4))


def _cells_inside(shape: dict, left: float, rows: int, columns: int) -> np.ndarray:
    """Which cells of the panel whose column 0 sits at x = left the rectangle encloses."""
    ys, xs = np.mgrid[0:rows, 0:columns]
    xs = xs + left
    return (xs > shape["x0"]) & (xs < shape["x1"]) & (ys > shape["y0"]) & (ys < shape["y1"])


def test_input_kernel_and_output_with_the_painted_patch_outlined():
    fig = transposed_conv_figure(X, KERNEL, 2, 1, pixel=(1, 2))
    go.Figure(fig)
    x_panel, kernel_panel, out_panel = fig["data"]
    expected = F.conv_transpose2d(
        torch.from_numpy(X)[None, None], torch.from_numpy(KERNEL)[None, None], stride=2, padding=1
    )
    assert np.allclose(out_panel["z"], expected[0, 0].numpy(), atol=1e-6)
    assert np.allclose(x_panel["z"], X, atol=1e-6) and np.allclose(kernel_panel["z"], KERNEL, atol=1e-6)
    # One pair of axes with square cells: every cell the same size, panels side by side without overlap.
    assert {t["xaxis"] if "xaxis" in t else "x" for t in fig["data"]} == {"x"}
    assert fig["layout"]["yaxis"]["scaleanchor"] == "x"
    lefts = [float(t["x"][0]) for t in fig["data"]]
    assert lefts[0] + 3 < lefts[1] and lefts[1] + 4 < lefts[2]
    pixel_box, patch_box = fig["layout"]["shapes"]
    chosen = _cells_inside(pixel_box, lefts[0], 3, 3)
    assert chosen.sum() == 1 and chosen[1, 2]
    painted = paint(X, 1, 2, KERNEL, 2, 1) != 0  # exactly the cells this input pixel paints
    assert np.array_equal(_cells_inside(patch_box, lefts[2], 6, 6), painted)


def test_the_matrix_figure_is_c_transposed_times_the_input():
    fig = conv_matrix_figure(X, KERNEL, 2, 1, pixel=(1, 2))
    go.Figure(fig)
    matrix, vec_in, vec_out = fig["data"]
    c_t = conv_matrix(3, KERNEL, 2, 1).T
    assert np.allclose(matrix["z"], c_t, atol=1e-6) and np.asarray(matrix["z"]).shape == (36, 9)
    assert np.allclose(np.asarray(vec_in["z"]).ravel(), X.ravel(), atol=1e-6)
    assert np.allclose(np.asarray(vec_out["z"]).ravel(), c_t @ X.ravel(), atol=1e-5)
    column_box = fig["layout"]["shapes"][0]
    inside = _cells_inside(column_box, float(matrix["x"][0]), 36, 9)
    assert inside[:, 5].all() and inside.sum() == 36  # column 1·3 + 2: the chosen pixel's
    one_hot = np.zeros((3, 3))
    one_hot[1, 2] = 1.0  # that column is the kernel the pixel paints, flattened
    assert np.allclose(c_t[:, 5], paint(one_hot, 1, 2, KERNEL, 2, 1).ravel())


def test_overlap_panels_show_the_checkerboard_against_gs_even_layers():
    fig = overlap_figure(in_size=4, kernel_sizes=(3, 4), stride=2, padding=1)
    go.Figure(fig)
    uneven, even = fig["data"]
    assert np.array_equal(np.asarray(uneven["z"]), overlap_counts(4, 3, 2, 1))
    assert np.array_equal(np.asarray(even["z"]), overlap_counts(4, 4, 2, 1))
    assert "checkerboard" in uneven["name"] and "even" in even["name"]
    assert uneven["zmax"] == even["zmax"] == 4  # one grey scale for both panels


def test_a_pixel_outside_the_input_is_refused():
    with pytest.raises(ValueError, match="pixel must be within"):
        transposed_conv_figure(X, KERNEL, 2, 1, pixel=(3, 0))
