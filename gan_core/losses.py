"""GAN losses on raw discriminator scores (logits), written to be numerically stable.

With s = D's logit and D(x) = sigmoid(s):  log D = -softplus(-s),  log(1 - D) = -softplus(s).
Using softplus instead of log(sigmoid(...)) is what keeps a confident D from producing -inf.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from gan_core.config import DECISION_POINTS

Tensor = torch.Tensor


@dataclass(frozen=True)
class GanLoss:
    name: str
    d_loss: Callable[[Tensor, Tensor], Tensor]  # (real scores, fake scores) -> scalar
    g_loss: Callable[[Tensor], Tensor]  # fake scores -> scalar
    probabilistic: bool  # scores are logits of P(real); otherwise an unbounded critic value
    threshold: float  # score above which D calls a sample "real" (for accuracy)
    description: str

    @property
    def decision_point(self) -> float | None:
        """Where D's verdict flips, on the scale pages show (config.DECISION_POINTS)."""
        return DECISION_POINTS[self.name]


def _bce_d(real: Tensor, fake: Tensor) -> Tensor:
    # -E[log D(x)] - E[log(1 - D(G(z)))]
    return F.softplus(-real).mean() + F.softplus(fake).mean()


def _saturating_g(fake: Tensor) -> Tensor:
    # G minimises E[log(1 - D(G(z)))]: its gradient vanishes when D confidently rejects fakes.
    return -F.softplus(fake).mean()


def _nonsaturating_g(fake: Tensor) -> Tensor:
    # G maximises E[log D(G(z))]: strong gradients exactly when D wins.
    return F.softplus(-fake).mean()


def _ls_d(real: Tensor, fake: Tensor) -> Tensor:
    return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake**2).mean()


def _ls_g(fake: Tensor) -> Tensor:
    return 0.5 * ((fake - 1) ** 2).mean()


def _wgan_d(real: Tensor, fake: Tensor) -> Tensor:
    return fake.mean() - real.mean()


def _critic_g(fake: Tensor) -> Tensor:
    return -fake.mean()


def _hinge_d(real: Tensor, fake: Tensor) -> Tensor:
    return F.relu(1 - real).mean() + F.relu(1 + fake).mean()


LOSSES: dict[str, GanLoss] = {
    "minimax": GanLoss(
        "minimax", _bce_d, _saturating_g, True, 0.0, "original minimax game; G minimises log(1 − D(G(z))) (saturates)"
    ),
    "nonsaturating": GanLoss(
        "nonsaturating", _bce_d, _nonsaturating_g, True, 0.0, "BCE; G maximises log D(G(z)) (the practical default)"
    ),
    "least-squares": GanLoss("least-squares", _ls_d, _ls_g, False, 0.5, "LSGAN: D regresses real→1, fake→0"),
    "wgan-gp": GanLoss(
        "wgan-gp", _wgan_d, _critic_g, False, 0.0, "Wasserstein critic with a gradient penalty (WGAN-GP)"
    ),
    "hinge": GanLoss("hinge", _hinge_d, _critic_g, False, 0.0, "hinge loss (SNGAN/BigGAN)"),
}


def gradient_penalty(
    discriminator: torch.nn.Module, real: Tensor, fake: Tensor, generator: torch.Generator | None = None
) -> Tensor:
    """WGAN-GP: E[(‖∇x D(x̂)‖ − 1)²] on random interpolates x̂ of real and (detached) fake."""
    shape = (real.shape[0],) + (1,) * (real.dim() - 1)
    eps = torch.rand(shape, generator=generator).to(real.device)
    x_hat = (eps * real + (1 - eps) * fake.detach()).requires_grad_(True)
    scores = discriminator(x_hat)
    (grad,) = torch.autograd.grad(scores.sum(), x_hat, create_graph=True)
    return ((grad.reshape(grad.shape[0], -1).norm(dim=1) - 1) ** 2).mean()


def r1_penalty(real_scores: Tensor, real: Tensor) -> Tensor:
    """R1 (Mescheder, Geiger & Nowozin 2018): ½ E[‖∇x D(x)‖²] at the real points, on D's logit.

    A zero-centred penalty: D is pushed to be flat where the data is, so it cannot keep steepening
    its wall around the real modes; G's samples then settle onto the modes instead of circling them
    (the paper proves local convergence for it, where unregularised GANs oscillate). `real` must
    have required grad before D scored it. Pointwise, unlike minibatch statistics: D still judges
    each point on its own, so its map is its verdict."""
    (grad,) = torch.autograd.grad(real_scores.sum(), real, create_graph=True)
    return 0.5 * grad.reshape(grad.shape[0], -1).pow(2).sum(1).mean()
