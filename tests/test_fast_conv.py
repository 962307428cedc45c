"""The fast transposed convolution is a speed trick: it must compute what nn.ConvTranspose2d does."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_core.config import TrainConfig
from gan_core.fast.conv_transpose import FastConvTranspose2d
from gan_core.models import build_models


def _pair(cin: int, cout: int) -> tuple[nn.ConvTranspose2d, FastConvTranspose2d]:
    torch.manual_seed(0)
    plain = nn.ConvTranspose2d(cin, cout, 4, stride=2, padding=1)
    fast = FastConvTranspose2d(cin, cout, 4, stride=2, padding=1)
    fast.load_state_dict(plain.state_dict())
    return plain, fast


# The generators' two shapes: many channels out (7x7 -> 14x14) and the image layer (one channel out).
@pytest.mark.parametrize(("cin", "cout", "side"), [(64, 32, 7), (32, 1, 14), (16, 1, 4)])
def test_fast_transposed_convolution_equals_the_plain_layer_values_and_gradients(cin, cout, side):
    plain, fast = _pair(cin, cout)
    x = torch.randn(8, cin, side, side, generator=torch.Generator().manual_seed(1))
    x_plain, x_fast = x.clone().requires_grad_(), x.clone().requires_grad_()
    upstream = torch.randn(8, cout, 2 * side, 2 * side, generator=torch.Generator().manual_seed(2))
    y_plain, y_fast = plain(x_plain), fast(x_fast)
    torch.testing.assert_close(y_fast, y_plain, rtol=1e-5, atol=1e-5)
    (y_plain * upstream).sum().backward()
    (y_fast * upstream).sum().backward()
    torch.testing.assert_close(x_fast.grad, x_plain.grad, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(fast.weight.grad, plain.weight.grad, rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(fast.bias.grad, plain.bias.grad, rtol=1e-4, atol=1e-4)


def test_fast_transposed_convolution_keeps_the_plain_state_dict_and_autocast():
    plain, fast = _pair(32, 1)
    assert list(fast.state_dict()) == list(plain.state_dict())  # shipped generators load unchanged
    x = torch.randn(4, 32, 14, 14)
    with torch.autocast("cpu", dtype=torch.bfloat16):  # the direct kernel has no bf16 rule: falls back
        torch.testing.assert_close(fast(x), plain(x))


def test_dcgan_generator_draws_with_the_fast_layers_and_loads_a_plain_state_dict():
    cfg = TrainConfig(dataset="fashion", model="dcgan", g_width=64, d_width=32, noise_dim=32)
    generator, _ = build_models(cfg, (1, 28, 28))
    convs = [m for m in generator.modules() if isinstance(m, nn.ConvTranspose2d)]
    assert len(convs) == 2 and all(isinstance(m, FastConvTranspose2d) for m in convs)
    state = generator.state_dict()
    z = torch.randn(16, 32, generator=torch.Generator().manual_seed(3))
    generator.eval()
    fast_images = generator(z)
    for m in convs:
        m.__class__ = nn.ConvTranspose2d  # the same network with PyTorch's default kernels
    generator.load_state_dict(state)
    torch.testing.assert_close(fast_images, generator(z), rtol=1e-5, atol=1e-5)
