"""A transposed convolution by hand: painting, the matrix Cᵀ and PyTorch agree, and the overlap
counts show the checkerboard for 3×3/stride 2 but not for the 4×4/stride 2 layers G uses."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from gan_core.conv_arithmetic import (
    Patch,
    conv_matrix,
    kernel_slice,
    matrix_transpose_conv,
    output_size,
    overlap_counts,
    paint,
    painted_patch,
    scatter_transpose_conv,
)
from gan_core.models import DCGANGenerator

CASES = [
    (n, k, s, p)
    for n, k, s, p in itertools.product((1, 2, 3, 4), (1, 2, 3, 4, 5), (1, 2, 3), (0, 1, 2))
    if output_size(n, k, s, p) >= 1 and p < k
]


def _torch(x: np.ndarray, kernel: np.ndarray, stride: int, padding: int) -> np.ndarray:
    out = F.conv_transpose2d(
        torch.from_numpy(x)[None, None], torch.from_numpy(kernel)[None, None], stride=stride, padding=padding
    )
    return out[0, 0].numpy()


@pytest.mark.parametrize("n, k, stride, padding", CASES)
def test_scatter_and_matrix_forms_equal_pytorch(n, k, stride, padding):
    rng = np.random.default_rng(n * 100 + k * 10 + stride + padding)
    x, kernel = rng.normal(size=(n, n)), rng.normal(size=(k, k))
    expected = _torch(x, kernel, stride, padding)
    assert expected.shape == (output_size(n, k, stride, padding),) * 2
    np.testing.assert_allclose(scatter_transpose_conv(x, kernel, stride, padding), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(matrix_transpose_conv(x, kernel, stride, padding), expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("n, k, stride, padding", [(3, 3, 2, 1), (3, 4, 2, 1), (4, 4, 2, 1), (2, 5, 3, 0)])
def test_c_is_the_convolution_that_maps_the_output_size_back(n, k, stride, padding):
    """C itself is `nn.Conv2d`'s arithmetic with the same kernel, stride and padding."""
    rng = np.random.default_rng(7)
    kernel = rng.normal(size=(k, k))
    out = output_size(n, k, stride, padding)
    y = rng.normal(size=(out, out))
    expected = F.conv2d(torch.from_numpy(y)[None, None], torch.from_numpy(kernel)[None, None], None, stride, padding)
    assert conv_matrix(n, kernel, stride, padding).shape == (n * n, out * out)
    np.testing.assert_allclose(
        (conv_matrix(n, kernel, stride, padding) @ y.reshape(-1)).reshape(n, n), expected[0, 0].numpy(), rtol=1e-12
    )


def test_each_pixels_paint_adds_up_to_the_output_and_lands_in_its_patch():
    rng = np.random.default_rng(3)
    x, kernel = rng.normal(size=(3, 3)), rng.normal(size=(4, 4))
    total = sum(paint(x, i, j, kernel, 2, 1) for i in range(3) for j in range(3))
    np.testing.assert_allclose(total, _torch(x, kernel, 2, 1), rtol=1e-12, atol=1e-12)
    painted = paint(x, 1, 2, kernel, 2, 1)
    patch = painted_patch(1, 2, 3, 4, 2, 1)
    assert patch == Patch(1, 5, 3, 6)  # rows 2·1−1 … +4; columns 2·2−1 … clipped at the 6-pixel edge
    inside = np.zeros_like(painted, dtype=bool)
    inside[patch.top : patch.bottom, patch.left : patch.right] = True
    assert np.all(painted[~inside] == 0) and np.all(painted[inside] != 0)


def test_overlap_counts_show_the_checkerboard_when_the_kernel_is_not_a_multiple_of_the_stride():
    uneven = overlap_counts(4, 3, 2, 1)  # 3×3, stride 2: 1 and 2 taps alternate along each axis
    assert uneven.shape == (7, 7)
    assert set(np.unique(uneven[1:-1, 1:-1])) == {1, 2, 4}
    assert uneven[1, 1] != uneven[1, 2]  # neighbours differ: a checkerboard
    even = overlap_counts(4, 4, 2, 1)  # G's layers: 4×4, stride 2, padding 1
    assert even.shape == (8, 8)
    assert np.all(even[1:-1, 1:-1] == 4)  # every interior pixel: 2 taps per axis
    # The padding-1 crop keeps one tap per axis on the border (half the interior's).
    assert even[0, 0] == 1 and np.all(even[0, 1:-1] == 2)
    assert overlap_counts(4, 4, 2, 0).sum() == 16 * 16  # uncropped, each of 16 pixels lands all 16 taps


def test_the_kernel_comes_from_the_live_generator():
    torch.manual_seed(0)
    g = DCGANGenerator(noise_dim=4, size=8, width=4, batchnorm=False, activation="relu")
    layer = g.deconv[1]
    kernel = kernel_slice(layer, 2, 1)
    assert kernel.shape == (4, 4) and kernel.dtype == np.float64
    assert np.array_equal(kernel, layer.weight[2, 1].detach().double().numpy())
    with torch.no_grad():
        layer.weight.zero_()
    assert np.any(kernel != 0)  # a copy: later training does not change a drawn figure
    with pytest.raises(ValueError, match="channels must be within"):
        kernel_slice(layer, 8, 0)


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="square"):
        scatter_transpose_conv(np.ones((2, 3)), np.ones((3, 3)), 2, 1)
    with pytest.raises(ValueError, match="crops away"):
        conv_matrix(1, np.ones((2, 2)), 1, 1)


@pytest.mark.parametrize("n, k, stride, padding", [(3, 4, 2, 1), (3, 3, 2, 1), (4, 5, 3, 2)])
def test_the_pages_yardstick_is_pytorchs_own_conv_transpose2d(n, k, stride, padding):
    """The Inside G and D page quotes how far painting and Cᵀ·x are from `library_transpose_conv`."""
    from gan_core.conv_arithmetic import library_transpose_conv

    rng = np.random.default_rng(3)
    x, kernel = rng.normal(size=(n, n)), rng.normal(size=(k, k))
    np.testing.assert_array_equal(
        library_transpose_conv(x, kernel, stride, padding), _torch(x, kernel, stride, padding)
    )
