"""One transposed convolution worked by hand, three ways, for the lesson on how G draws.

1. **Scatter**: each input pixel paints the kernel, scaled by its value, onto the output at
   `stride` times its position; overlapping paint adds up; `padding` then crops that many pixels
   off every side. This is what a transposed convolution *does*.
2. **Matrix**: the ordinary convolution with the same kernel, stride and padding maps an
   output-sized image to an input-sized one through a matrix C; the transposed convolution is
   Cᵀ·vec(input). This is where its name comes from (it is not a "deconvolution": it does not undo
   anything, it runs the convolution's matrix backwards).
3. **Overlap counts**: how many kernel taps land on each output pixel. When the kernel size is not
   a multiple of the stride (3×3, stride 2) neighbouring pixels get different counts, a built-in
   checkerboard G must learn to cancel; 4×4 with stride 2 (this project's G) gives every interior
   pixel the same count (Odena, Dumoulin & Olah, "Deconvolution and Checkerboard Artifacts",
   Distill 2016).

Plain numpy with explicit loops: the point is to show the arithmetic, and the inputs are a few
pixels. tests/test_conv_arithmetic.py checks all three against `torch.nn.functional.conv_transpose2d`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


def output_size(in_size: int, kernel_size: int, stride: int, padding: int) -> int:
    """The side of a transposed convolution's output: (n − 1)·s + k − 2p (PyTorch's formula,
    without output_padding or dilation)."""
    return (in_size - 1) * stride + kernel_size - 2 * padding


def _check(in_size: int, kernel: np.ndarray, stride: int, padding: int) -> np.ndarray:
    kernel = np.asarray(kernel, dtype=np.float64)
    if kernel.ndim != 2 or kernel.shape[0] != kernel.shape[1] or kernel.shape[0] < 1:
        raise ValueError(f"the kernel must be a square 2-D array, got shape {kernel.shape}")
    if in_size < 1 or stride < 1 or padding < 0:
        raise ValueError(f"need in_size ≥ 1, stride ≥ 1, padding ≥ 0; got {in_size}, {stride}, {padding}")
    if output_size(in_size, kernel.shape[0], stride, padding) < 1:
        raise ValueError(f"padding {padding} crops away the whole output")
    return kernel


def kernel_slice(layer: nn.ConvTranspose2d, in_channel: int, out_channel: int) -> np.ndarray:
    """The k×k kernel that connects one input channel to one output channel of a live layer: the
    weights G uses right now (a copy, as float64). A transposed convolution's weight is laid out
    (in_channels, out_channels, k, k), the other way round from `nn.Conv2d`'s."""
    weight = layer.weight
    if not (0 <= in_channel < weight.shape[0] and 0 <= out_channel < weight.shape[1]):
        raise ValueError(
            f"channels must be within {weight.shape[0]} inputs and {weight.shape[1]} outputs, "
            f"got {in_channel} -> {out_channel}"
        )
    return weight[in_channel, out_channel].detach().cpu().double().numpy().copy()


@dataclass(frozen=True)
class Patch:
    """Where one input pixel's paint lands in the output: rows [top, bottom), columns [left, right),
    already cropped by the padding and clipped to the output."""

    top: int
    bottom: int
    left: int
    right: int


def painted_patch(row: int, col: int, in_size: int, kernel_size: int, stride: int, padding: int) -> Patch:
    """The output rectangle input pixel (row, col) paints: the kernel placed at stride·(row, col)
    on the uncropped canvas, shifted up-left by the padding crop."""
    out = output_size(in_size, kernel_size, stride, padding)
    top, left = row * stride - padding, col * stride - padding
    return Patch(max(top, 0), min(top + kernel_size, out), max(left, 0), min(left + kernel_size, out))


def paint(x: np.ndarray, row: int, col: int, kernel: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """What input pixel (row, col) alone contributes to the output: kernel × its value at its place,
    zero elsewhere (the patch a page highlights)."""
    x = np.asarray(x, dtype=np.float64)
    kernel = _check(x.shape[0], kernel, stride, padding)
    k = kernel.shape[0]
    canvas = np.zeros(((x.shape[0] - 1) * stride + k,) * 2)
    canvas[row * stride : row * stride + k, col * stride : col * stride + k] = x[row, col] * kernel
    out = output_size(x.shape[0], k, stride, padding)
    return canvas[padding : padding + out, padding : padding + out]


def scatter_transpose_conv(x: np.ndarray, kernel: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """The transposed convolution as painting: every input pixel adds kernel × its value at
    stride × its position on a canvas, then the padding is cropped off each side."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] != x.shape[1]:
        raise ValueError(f"the input must be a square 2-D array, got shape {x.shape}")
    kernel = _check(x.shape[0], kernel, stride, padding)
    n, k = x.shape[0], kernel.shape[0]
    canvas = np.zeros(((n - 1) * stride + k,) * 2)
    for i in range(n):
        for j in range(n):
            canvas[i * stride : i * stride + k, j * stride : j * stride + k] += x[i, j] * kernel
    out = output_size(n, k, stride, padding)
    # Padding in a transposed convolution *removes* pixels: it is the padding the matching
    # convolution would add to the output-sized image, undone.
    return canvas[padding : padding + out, padding : padding + out]


def conv_matrix(in_size: int, kernel: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """C, the ordinary convolution (cross-correlation, as `nn.Conv2d`) with the same kernel, stride
    and padding, as a matrix from the flattened output-sized image (row-major) to the flattened
    input-sized one: shape (in_size², out_size²). The transposed convolution is Cᵀ."""
    kernel = _check(in_size, kernel, stride, padding)
    k = kernel.shape[0]
    out = output_size(in_size, k, stride, padding)
    matrix = np.zeros((in_size * in_size, out * out))
    for i in range(in_size):
        for j in range(in_size):
            for t in range(k):
                for u in range(k):
                    a, b = i * stride - padding + t, j * stride - padding + u  # the tap's pixel
                    if 0 <= a < out and 0 <= b < out:  # outside: the convolution's zero padding
                        matrix[i * in_size + j, a * out + b] += kernel[t, u]
    return matrix


def matrix_transpose_conv(x: np.ndarray, kernel: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """Cᵀ·vec(x), reshaped to the output's square."""
    x = np.asarray(x, dtype=np.float64)
    matrix = conv_matrix(x.shape[0], kernel, stride, padding)
    out = output_size(x.shape[0], np.shape(kernel)[0], stride, padding)
    return (matrix.T @ x.reshape(-1)).reshape(out, out)


def overlap_counts(in_size: int, kernel_size: int, stride: int, padding: int) -> np.ndarray:
    """How many (input pixel, kernel tap) pairs land on each output pixel: the scatter form with
    every input and every weight 1. Uneven counts are the checkerboard a generator starts with."""
    ones = np.ones((kernel_size, kernel_size))
    return np.rint(scatter_transpose_conv(np.ones((in_size, in_size)), ones, stride, padding)).astype(np.int64)


def library_transpose_conv(x: np.ndarray, kernel: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """PyTorch's own `conv_transpose2d` on the same numbers, in float64: the yardstick the two
    hand-worked forms are held to (in the tests, and on the page in front of the class)."""
    x = torch.as_tensor(np.asarray(x, dtype=np.float64))
    weight = torch.as_tensor(_check(x.shape[0], kernel, stride, padding))
    out = torch.nn.functional.conv_transpose2d(x[None, None], weight[None, None], stride=stride, padding=padding)
    return out[0, 0].numpy()
