"""Networks: the shapes every page relies on, the architecture the config asks for, and a
discriminator that scores real and fake together exactly as it scores them apart."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gan_core.config import TrainConfig
from gan_core.models import DCGANDiscriminator, DCGANGenerator, MLPDiscriminator, build_models, count_parameters


@pytest.mark.parametrize("shape", [(1,), (2,), (1, 8, 8)])
def test_mlp_generator_and_discriminator_shapes(shape):
    torch.manual_seed(0)
    cfg = TrainConfig(g_layers=3, g_width=32, d_layers=2, d_width=16, noise_dim=5)
    g, d = build_models(cfg, shape)
    x = g(torch.randn(7, 5))
    assert x.shape == (7, *shape)
    assert d(x).shape == (7,)
    if len(shape) == 3:  # images come out in [-1, 1], like the scaled real data
        assert x.abs().max() <= 1.0


def test_mlp_has_the_layers_and_widths_the_config_asks_for():
    cfg = TrainConfig(g_layers=3, g_width=32, d_layers=1, d_width=16, noise_dim=4, activation="tanh")
    g, d = build_models(cfg, (2,))
    g_linears = [m for m in g.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in g_linears] == [(4, 32), (32, 32), (32, 32), (32, 2)]
    assert sum(isinstance(m, nn.Tanh) for m in g.modules()) == 3  # hidden layers only: 2D output is unbounded
    d_linears = [m for m in d.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in d_linears] == [(2, 16), (16, 1)]
    assert count_parameters(g) == sum(m.weight.numel() + m.bias.numel() for m in g_linears)


def test_dcgan_uses_transposed_convolutions_and_a_convolutional_discriminator():
    torch.manual_seed(0)
    cfg = TrainConfig(dataset="digits", model="dcgan", g_width=64, d_width=64, noise_dim=16, batchnorm=True)
    g, d = build_models(cfg, (1, 8, 8))
    assert isinstance(g, DCGANGenerator) and isinstance(d, DCGANDiscriminator)
    assert sum(isinstance(m, nn.ConvTranspose2d) for m in g.modules()) == 2
    assert sum(isinstance(m, nn.BatchNorm2d) for m in g.modules()) == 2
    assert sum(isinstance(m, nn.Conv2d) for m in d.modules()) == 2
    x = g(torch.randn(6, 16))
    assert x.shape == (6, 1, 8, 8) and x.abs().max() <= 1.0
    assert d(x).shape == (6,)


def test_dcgan_discriminator_has_as_many_strided_convolutions_as_d_layers():
    """28x28 -> 14 -> 7 -> 4 with d_layers=3 (the fashion preset's D); d_layers=2 (every earlier
    preset and checkpoint) builds the very same module as before, so old checkpoints load."""
    cfg = TrainConfig(dataset="fashion", model="dcgan", d_width=64, d_layers=3)
    d = build_models(cfg, (1, 28, 28))[1]
    convs = [m for m in d.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.kernel_size[0]) for c in convs] == [(1, 32, 4), (32, 64, 4), (64, 128, 3)]
    sides, h = [], torch.zeros(2, 1, 28, 28)
    for layer in d.conv:
        h = layer(h)
        if isinstance(layer, nn.Conv2d):
            sides.append(h.shape[-1])
    assert sides == [14, 7, 4] and d.head.in_features == 128 * 4 * 4
    two = build_models(cfg.replace(d_layers=2), (1, 28, 28))[1]
    assert list(two.state_dict()) == ["conv.0.weight", "conv.0.bias", "conv.2.weight", "conv.2.bias", "head.weight",
                                      "head.bias"]  # fmt: skip
    assert two.head.in_features == 64 * 7 * 7


def test_dcgan_rejects_shapes_it_cannot_build():
    cfg = TrainConfig(dataset="digits", model="dcgan")
    with pytest.raises(ValueError, match="square"):
        build_models(cfg, (1, 8, 12))
    with pytest.raises(ValueError, match="divisible by 4"):
        DCGANGenerator(8, 10, 8, False, "relu")


@pytest.mark.parametrize(
    "make",
    [
        lambda: MLPDiscriminator((2,), 2, 16, "relu", minibatch_std=True),
        lambda: DCGANDiscriminator(8, 8, minibatch_std=True),
    ],
)
def test_one_pass_over_real_and_fake_with_groups_equals_two_passes(make):
    torch.manual_seed(0)
    d = make()
    shape = (2,) if isinstance(d, MLPDiscriminator) else (1, 8, 8)
    real, fake = torch.randn(10, *shape), 0.1 * torch.randn(10, *shape)
    joint = d(torch.cat([real, fake]), groups=2)
    apart = torch.cat([d(real), d(fake)])
    torch.testing.assert_close(joint, apart, atol=1e-5, rtol=1e-5)
    # Without groups the collapsed fakes would borrow the real batch's spread: not the same.
    assert not torch.allclose(d(torch.cat([real, fake])), apart, atol=1e-3)


def test_wgan_gp_trains_through_a_minibatch_std_discriminator():
    """A teacher can switch ring8 (minibatch std on) to wgan-gp live: the penalty's double
    backward runs through the hand-written layer and D still learns."""
    from gan_core.presets import get_preset
    from gan_core.trainer import Trainer

    t = Trainer(get_preset("ring8").config.replace(batch_size=32))
    t.update(loss="wgan-gp")
    before = [p.detach().clone() for p in t.discriminator.parameters()]
    stats = [t.step() for _ in range(3)][-1]
    assert all(v == v for v in (stats.loss_d, stats.loss_g, stats.grad_norm_d))  # finite, not NaN
    assert any(not torch.equal(a, b) for a, b in zip(before, t.discriminator.parameters()))
