"""Issue 24: what the preset and pairing texts claim is what the engine does. Each test checks a claim
against the networks or the losses, so a text that says otherwise fails here."""

from __future__ import annotations

import re

import numpy as np
import torch

from classroom.pairings import PAIRINGS
from gan_core.config import format_rate
from gan_core.data import get_dataset
from gan_core.losses import LOSSES
from gan_core.models import build_models
from gan_core.presets import get_preset
from gan_core.trainer import Trainer


def test_bimodal1d_says_p_g_cannot_tear_and_samples_stay_in_the_gap():
    """Item 1: one-dimensional noise through a continuous G is one connected stretch: p_g can thin into
    a bridge between the bumps (at ±2) but never tears, so some samples always land between them."""
    text = get_preset("bimodal1d").explanation
    assert "cannot tear" in text and "then tear" not in text
    trainer = Trainer(get_preset("bimodal1d").config)
    for _ in range(1500):
        trainer.step()
    with torch.no_grad():
        x = trainer.generator(torch.linspace(-4, 4, 20001).unsqueeze(1)).squeeze(1).numpy()
    # G of an increasing line of noise: consecutive outputs never jump (no tear), and it covers both sides.
    assert np.abs(np.diff(x)).max() < 0.05
    assert x.min() < -1.0 and x.max() > 1.0


def test_no_preset_says_the_healthy_digits_preset_draws_averaged_weights():
    """Item 2: no preset switches the smoothed view on; the healthy digits preset draws G as it trains."""
    assert "averaged weights" not in get_preset("digits-collapse").explanation


def test_the_channel_counts_fashion_collapse_quotes_are_the_discriminators():
    """Item 8: 'two convolutions of 4 and 8 channels, where the healthy preset's D has three of 16, 32 and 64'."""
    text = get_preset("fashion-collapse").explanation

    def channels(preset: str) -> list[int]:
        _, d = build_models(get_preset(preset).config, (1, 28, 28))
        return [m.out_channels for m in d.modules() if isinstance(m, torch.nn.Conv2d)]

    assert channels("fashion-collapse") == [4, 8] and channels("fashion") == [16, 32, 64]
    assert "two convolutions of 4 and 8 channels" in text and "three of 16, 32 and 64" in text


def test_ring8s_batch_spread_catches_a_collapse_not_one_empty_mode():
    """Item 9: D's minibatch statistic is one spread per batch: leaving one of 8 modes empty moves it by
    a few percent, crowding onto one mode moves it several-fold (what the ring8 text now says)."""
    text = get_preset("ring8").explanation
    assert "catches a collapse, not one empty mode" in text and "cannot leave a mode empty" not in text
    from gan_core.fast.minibatch_spread import group_spread

    data = get_dataset("ring8")
    centers, std = torch.as_tensor(data.mixture.centers), data.mixture.std
    g = torch.Generator().manual_seed(0)

    def batch(modes: list[int], n: int = 256) -> torch.Tensor:
        k = torch.as_tensor(modes)[torch.randint(0, len(modes), (n,), generator=g)]
        return centers[k] + std * torch.randn(n, 2, generator=g)

    def spread(x: torch.Tensor) -> float:
        return float(group_spread(x, 1)[1].mean())

    full, one_empty, collapsed = spread(batch(list(range(8)))), spread(batch(list(range(7)))), spread(batch([0]))
    assert abs(one_empty / full - 1) < 0.05
    assert full / collapsed > 10


def test_the_saturating_pairing_says_where_the_push_is_largest():
    """Item 10: the saturating loss's push on a fake (|d loss / d logit|) is D(G(z)): largest for the
    fakes D already accepts, not for the ones it is unsure about."""
    why = PAIRINGS["loss"].why
    assert "unsure about" not in why and "the fakes D already accepts get the most" in why
    logits = torch.linspace(-4, 4, 9, requires_grad=True)
    for name, expected in (("minimax", torch.sigmoid), ("nonsaturating", lambda s: 1 - torch.sigmoid(s))):
        (grad,) = torch.autograd.grad(LOSSES[name].g_loss(logits) * logits.numel(), logits)
        torch.testing.assert_close(grad.abs(), expected(logits.detach()))
    assert re.search(r"pushes each fake by 1 − D\(G\(z\)\)", why)


def test_digits_collapse_quotes_the_learning_rates_both_digits_presets_train_with():
    text = get_preset("digits-collapse").explanation
    collapse, healthy = get_preset("digits-collapse").config.lr_d, get_preset("digits").config.lr_d
    assert f"{healthy / collapse:.0f} times more slowly" in text
    assert re.search(r"lr_d (\S+) instead of (\S+)\)", text).groups() == (format_rate(collapse), format_rate(healthy))
