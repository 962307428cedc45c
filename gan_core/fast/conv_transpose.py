"""A transposed convolution that runs the fastest CPU kernel for its shape: a speed trick, kept
apart from the networks so `models.py` reads like the DCGAN it is (tests/test_fast_conv.py proves
it equal to `nn.ConvTranspose2d`, values and gradients). Plain path: `nn.ConvTranspose2d.forward`.

Why: with one torch thread, PyTorch's default CPU path (oneDNN, NCHW) is slow for the two
transposed convolutions of the small DCGAN generators (measured in BENCHMARKS.md, "Fashion-MNIST
in a minute: speed"):

- **one output channel** (the layer that draws the image): oneDNN takes ~1 ms for a batch of 32
  28x28 images, 5x the time of PyTorch's direct kernel (`slow_conv_transpose2d`, the name is
  historical); at 1,000 images (the quality metrics) 30 ms against 7.
- **many output channels**: oneDNN in channels-last memory format is 1.3x (batch 32) to 2.5x
  (1,000 images) faster than in NCHW.

The layer keeps `nn.ConvTranspose2d`'s parameters, names and state dict, so checkpoints and the
shipped generators load unchanged, and it falls back to the default path off the CPU (CUDA's
kernels have no such gap), under autocast, and for settings the direct kernel lacks (groups).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from gan_core import fast


class FastConvTranspose2d(nn.ConvTranspose2d):
    """`nn.ConvTranspose2d` with the CPU kernel chosen for its shape (see the module docstring)."""

    def forward(self, x: torch.Tensor, output_size: list[int] | None = None) -> torch.Tensor:
        if (
            not fast.enabled()
            or x.device.type != "cpu"
            or torch.is_autocast_enabled("cpu")  # the direct kernel has no mixed-precision rule
            or output_size is not None
            or self.groups != 1
            or x.dim() != 4
        ):
            return super().forward(x, output_size)
        if self.out_channels == 1:
            return torch._C._nn.slow_conv_transpose2d(
                x.contiguous(),
                self.weight,
                self.kernel_size,
                self.bias,
                self.stride,
                self.padding,
                self.output_padding,
                self.dilation,
            )
        return F.conv_transpose2d(
            x.contiguous(memory_format=torch.channels_last),
            self.weight,
            self.bias,
            self.stride,
            self.padding,
            self.output_padding,
            self.groups,
            self.dilation,
        )
