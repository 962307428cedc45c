"""Losses: the textbook values, numerically stable at extreme logits, and the saturating
generator loss's vanishing gradient (the reason the non-saturating loss exists)."""

from __future__ import annotations

import math

import pytest
import torch

from gan_core.losses import LOSSES, gradient_penalty, r1_penalty


def test_bce_discriminator_loss_is_minus_the_minimax_value():
    real, fake = torch.tensor([0.3, -1.2]), torch.tensor([0.5, 2.0])
    d_real, d_fake = torch.sigmoid(real), torch.sigmoid(fake)
    value = torch.log(d_real).mean() + torch.log(1 - d_fake).mean()
    assert LOSSES["minimax"].d_loss(real, fake).item() == pytest.approx(-value.item(), rel=1e-6)


def test_d_and_g_losses_match_their_formulas():
    fake = torch.tensor([-0.7, 0.4, 1.5])
    d = torch.sigmoid(fake)
    assert LOSSES["minimax"].g_loss(fake).item() == pytest.approx(torch.log(1 - d).mean().item(), rel=1e-6)
    assert LOSSES["nonsaturating"].g_loss(fake).item() == pytest.approx(-torch.log(d).mean().item(), rel=1e-6)
    assert LOSSES["least-squares"].g_loss(fake).item() == pytest.approx((0.5 * (fake - 1) ** 2).mean().item())
    assert LOSSES["wgan-gp"].g_loss(fake).item() == pytest.approx(-fake.mean().item())
    real = torch.tensor([0.5, 2.0, -0.5])
    assert LOSSES["hinge"].d_loss(real, fake).item() == pytest.approx(
        (torch.relu(1 - real).mean() + torch.relu(1 + fake).mean()).item()
    )


def test_at_equilibrium_the_minimax_value_is_minus_log_4():
    # D(x) = 1/2 everywhere (logit 0): E[log D] + E[log(1 - D)] = -log 4.
    zeros = torch.zeros(8)
    assert LOSSES["minimax"].d_loss(zeros, zeros).item() == pytest.approx(math.log(4), rel=1e-6)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_every_loss_and_gradient_stays_finite_at_extreme_logits(name):
    loss = LOSSES[name]
    for value in (-1e4, -80.0, 80.0, 1e4):
        real = torch.full((4,), value, requires_grad=True)
        fake = torch.full((4,), -value, requires_grad=True)
        d, g = loss.d_loss(real, fake), loss.g_loss(fake)
        (d + g).backward()
        assert math.isfinite(d.item()) and math.isfinite(g.item()), (name, value)
        assert torch.isfinite(real.grad).all() and torch.isfinite(fake.grad).all(), (name, value)


def _g_grad(name: str, logit: float) -> float:
    fake = torch.tensor([logit], requires_grad=True)
    LOSSES[name].g_loss(fake).backward()
    return abs(fake.grad.item())


def test_saturating_loss_gradient_vanishes_when_d_wins_and_nonsaturating_does_not():
    # D confidently rejects the fakes: D(G(z)) = sigmoid(-10) ≈ 4.5e-5.
    assert _g_grad("minimax", -10.0) < 1e-4
    assert _g_grad("nonsaturating", -10.0) > 0.99
    # Where D is fooled the roles swap: the saturating loss then pushes hardest.
    assert _g_grad("minimax", 10.0) > 0.99 > 1e-4 > _g_grad("nonsaturating", 10.0)


def test_probabilistic_flags_and_thresholds_fit_the_scores():
    assert LOSSES["minimax"].probabilistic and LOSSES["nonsaturating"].probabilistic
    assert not LOSSES["wgan-gp"].probabilistic and not LOSSES["hinge"].probabilistic
    assert LOSSES["least-squares"].threshold == 0.5  # LSGAN regresses real to 1, fake to 0


def test_gradient_penalty_is_zero_for_a_unit_slope_critic_and_positive_otherwise():
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    unit = torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        unit.weight.copy_(torch.tensor([[0.6, 0.8]]))  # ‖∇x D‖ = 1 everywhere
    gen = torch.Generator().manual_seed(0)
    assert gradient_penalty(lambda x: unit(x).squeeze(1), real, fake, gen).item() == pytest.approx(0.0, abs=1e-10)
    with torch.no_grad():
        unit.weight.mul_(3.0)  # slope 3: penalty (3 - 1)² = 4
    assert gradient_penalty(lambda x: unit(x).squeeze(1), real, fake, gen).item() == pytest.approx(4.0, rel=1e-5)


def test_r1_penalty_is_half_the_squared_slope_at_the_real_points():
    """A linear D has slope ‖w‖ everywhere: R1 = ½‖w‖², and its gradient reaches D's weights
    (create_graph), so the penalty trains D."""
    lin = torch.nn.Linear(2, 1)
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[3.0, 4.0]]))  # slope 5
    real = torch.randn(32, 2).requires_grad_(True)
    penalty = r1_penalty(lin(real).squeeze(1), real)
    assert penalty.item() == pytest.approx(12.5, rel=1e-6)
    penalty.backward()
    torch.testing.assert_close(lin.weight.grad, torch.tensor([[3.0, 4.0]]))  # d(½‖w‖²)/dw = w
    flat = torch.nn.Linear(2, 1)
    with torch.no_grad():
        flat.weight.zero_()
    x = torch.randn(8, 2).requires_grad_(True)
    assert r1_penalty(flat(x).squeeze(1), x).item() == 0.0
