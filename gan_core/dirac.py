"""The Dirac GAN (Mescheder, Geiger & Nowozin 2018, "Which Training Methods for GANs do actually
Converge?"): the smallest GAN there is, small enough to see whether training converges.

The data is one point at 0, G(z) = θ and D(x) = ψ·x (a logit, like every D here). The only
equilibrium is (θ, ψ) = (0, 0): G's point sits on the data and D is flat, so it cannot tell them
apart. Near it every loss offered here turns the gradient field into a rotation: the Jacobian's
eigenvalues are ±i·f′(0) (1/2 for the two sigmoid losses, 1 for WGAN's linear one). Simultaneous
gradient steps of size h therefore spiral *out*, by √(1 + h²·f′(0)²) per step; alternating steps
(D, then G through the new D, as `Trainer` does) circle for ever; an R1 penalty of weight γ > 0
adds −γ to D's diagonal and the circle becomes a spiral *in*.

It trains with this project's own code (`losses.LOSSES`, `r1_penalty`, `gradient_penalty`, the
trainer's optimizer factory), shrunk to two numbers, so what a student sees here is what the
image GANs do in thousands of dimensions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np
import torch
from torch import nn

from gan_core.losses import LOSSES, GanLoss, gradient_penalty, r1_penalty
from gan_core.trainer import make_optimizer

# The project's loss names: "wgan-gp" with gp_weight 0 is exactly WGAN's linear loss
# (d_loss = mean(fake) − mean(real), g_loss = −mean(fake)), the one the paper analyses.
DIRAC_LOSSES = ("minimax", "nonsaturating", "wgan-gp")
UPDATES = ("simultaneous", "alternating")
OPTIMIZERS = ("sgd", "adam")
MAX_START = 100.0

Tensor = torch.Tensor


class DiracGenerator(nn.Module):
    """G(z) = θ whatever z: a generator whose whole distribution is one point.

    θ may hold one value per row (shape (n, 1)): then row i of the batch is G with θ_i, which is
    how `DiracGAN.gradient_field` evaluates a whole grid of generators in one pass."""

    def __init__(self, theta: float | Tensor = 1.0, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.theta = nn.Parameter(torch.as_tensor(theta, dtype=dtype).clone())

    def forward(self, z: Tensor) -> Tensor:
        return self.theta.expand(z.shape[0], 1)  # (n, 1): one 1-D sample per noise vector


class DiracDiscriminator(nn.Module):
    """D(x) = ψ·x, a raw score (a logit for the sigmoid losses); ψ may hold one value per row."""

    def __init__(self, psi: float | Tensor = 1.0, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        self.psi = nn.Parameter(torch.as_tensor(psi, dtype=dtype).clone())

    def forward(self, x: Tensor) -> Tensor:
        return (self.psi * x).squeeze(1)  # (n,): one score per sample, as every D here returns


@dataclass(frozen=True)
class DiracConfig:
    """One Dirac GAN experiment. `lr` is the step size h of both players (the paper's setting)."""

    loss: str = "nonsaturating"
    update: str = "simultaneous"
    optimizer: str = "sgd"
    lr: float = 0.1
    r1_weight: float = 0.0  # γ: R1 = γ/2·‖∇x D‖² at the data, = γ/2·ψ² here
    gp_weight: float = 0.0  # WGAN-GP's penalty (wgan-gp only): pulls |ψ| to 1, not to 0
    beta1: float = 0.5  # Adam only
    beta2: float = 0.999
    theta: float = 1.0  # the starting point
    psi: float = 1.0
    seed: int = 0  # the gradient penalty's random interpolates (they do not matter for a linear D)

    def __post_init__(self) -> None:
        for name, allowed in (("loss", DIRAC_LOSSES), ("update", UPDATES), ("optimizer", OPTIMIZERS)):
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)}, got {getattr(self, name)!r}")
        checks = {
            "lr": (0.0, 10.0, True),
            "r1_weight": (0.0, 1000.0, False),
            "gp_weight": (0.0, 1000.0, False),
            "beta1": (0.0, 0.999, False),
            "beta2": (0.0, 0.9999, False),
            "theta": (-MAX_START, MAX_START, False),
            "psi": (-MAX_START, MAX_START, False),
        }
        for name, (low, high, open_low) in checks.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number, got {value!r}")
            if value < low or value > high or (open_low and value == low):
                low_text = f"more than {low}" if open_low else f"at least {low}"
                raise ValueError(f"{name} must be {low_text} and at most {high}, got {value}")
        if self.gp_weight > 0 and self.loss != "wgan-gp":
            raise ValueError("gp_weight needs loss 'wgan-gp' (the gradient penalty belongs to the Wasserstein critic)")

    def replace(self, **changes: object) -> DiracConfig:
        unknown = set(changes) - {f.name for f in fields(self)}
        if unknown:
            raise ValueError(f"unknown Dirac GAN setting(s): {', '.join(sorted(unknown))}")
        return DiracConfig(**{**{f.name: getattr(self, f.name) for f in fields(self)}, **changes})


@dataclass(frozen=True)
class DiracTrajectory:
    """The path of (θ, ψ), start included: entry i is the state after `steps[i]` steps. A run
    that leaves the finite numbers ends at its last finite state."""

    steps: np.ndarray
    theta: np.ndarray
    psi: np.ndarray

    @property
    def distance(self) -> np.ndarray:
        """Distance to the equilibrium (0, 0), the quantity that says whether training converges."""
        return np.hypot(self.theta, self.psi)


@dataclass(frozen=True)
class VectorField:
    """The training dynamics' vector field (−∂L_G/∂θ, −∂L_D/∂ψ) on a grid: where one gradient
    step of size h moves (θ, ψ) is h times this. Arrays are (len(psis), len(thetas)): rows follow
    ψ (the y axis), as Plotly heatmaps do."""

    thetas: np.ndarray
    psis: np.ndarray
    d_theta: np.ndarray
    d_psi: np.ndarray


class DiracGAN:
    """A deterministic Dirac GAN with state (θ, ψ): `step()`, `run(n)`, `gradient_field(...)`."""

    def __init__(self, config: DiracConfig | None = None) -> None:
        self.config = config or DiracConfig()
        cfg = self.config
        self.loss: GanLoss = LOSSES[cfg.loss]
        self.generator = DiracGenerator(cfg.theta)
        self.discriminator = DiracDiscriminator(cfg.psi)
        betas = (cfg.beta1, cfg.beta2)
        self.opt_g = make_optimizer(cfg.optimizer, self.generator.parameters(), cfg.lr, betas)
        self.opt_d = make_optimizer(cfg.optimizer, self.discriminator.parameters(), cfg.lr, betas)
        self.rng = torch.Generator().manual_seed(cfg.seed)
        self.step_count = 0

    @property
    def theta(self) -> float:
        return self.generator.theta.item()

    @property
    def psi(self) -> float:
        return self.discriminator.psi.item()

    @property
    def distance(self) -> float:
        return math.hypot(self.theta, self.psi)

    # --- the two players' losses, exactly as the trainer computes them ----------------------------
    def _d_loss(self, g: DiracGenerator, d: DiracDiscriminator, n: int, rng: torch.Generator) -> Tensor:
        """D's loss on n copies of the data point and G's sample. Only ψ is differentiated (see
        `_field`), so G gets nothing from it; θ stays in the graph so that `jacobian` can ask how
        D's gradient changes when G moves."""
        cfg = self.config
        dtype = g.theta.dtype
        real = torch.zeros(n, 1, dtype=dtype)  # the data: one point at 0
        if cfg.r1_weight > 0:  # the R1 penalty needs D's slope at the data
            real.requires_grad_(True)
        fake = g(torch.zeros(n, 1, dtype=dtype))
        real_s = d(real)
        loss = self.loss.d_loss(real_s, d(fake))
        if cfg.gp_weight > 0:
            loss = loss + cfg.gp_weight * gradient_penalty(d, real, fake, rng)
        if cfg.r1_weight > 0:
            loss = loss + cfg.r1_weight * r1_penalty(real_s, real)
        return loss

    def _g_loss(self, g: DiracGenerator, d: DiracDiscriminator, n: int) -> Tensor:
        return self.loss.g_loss(d(g(torch.zeros(n, 1, dtype=g.theta.dtype))))

    def _field(
        self, g: DiracGenerator, d: DiracDiscriminator, n: int, rng: torch.Generator, create_graph: bool = False
    ) -> tuple[Tensor, Tensor]:
        """(−∂L_G/∂θ, −∂L_D/∂ψ) for each of the n (θ, ψ) rows. The losses are batch means of terms
        that each depend on their own row only, so row i's gradient is the mean's gradient times n.
        Each player differentiates only its own loss with respect to its own parameter: G's loss
        gives D no gradient, exactly as D is frozen during the trainer's G step."""
        (grad_psi,) = torch.autograd.grad(self._d_loss(g, d, n, rng), d.psi, create_graph=create_graph)
        (grad_theta,) = torch.autograd.grad(self._g_loss(g, d, n), g.theta, create_graph=create_graph)
        return -grad_theta * n, -grad_psi * n

    # --- training ------------------------------------------------------------------------------
    def step(self) -> tuple[float, float]:
        """One training step; returns the new (θ, ψ).

        simultaneous: both gradients at the same (θ, ψ), then both players step.
        alternating: D steps, then G steps through the D that just moved (the trainer's order)."""
        g, d = self.generator, self.discriminator
        if self.config.update == "simultaneous":
            (grad_psi,) = torch.autograd.grad(self._d_loss(g, d, 1, self.rng), d.psi)
            (grad_theta,) = torch.autograd.grad(self._g_loss(g, d, 1), g.theta)
            d.psi.grad, g.theta.grad = grad_psi, grad_theta
            self.opt_d.step()
            self.opt_g.step()
        else:
            (d.psi.grad,) = torch.autograd.grad(self._d_loss(g, d, 1, self.rng), d.psi)
            self.opt_d.step()
            (g.theta.grad,) = torch.autograd.grad(self._g_loss(g, d, 1), g.theta)
            self.opt_g.step()
        self.step_count += 1
        return self.theta, self.psi

    def run(self, n: int) -> DiracTrajectory:
        """n more steps; the trajectory starts at the current state. Stops early where (θ, ψ)
        stops being finite (a large step size can throw the pair out of range)."""
        if n < 0:
            raise ValueError(f"n must be at least 0, got {n}")
        path = [(self.step_count, self.theta, self.psi)]
        for _ in range(n):
            theta, psi = self.step()
            if not (math.isfinite(theta) and math.isfinite(psi)):
                break
            path.append((self.step_count, theta, psi))
        steps, thetas, psis = (np.asarray(column) for column in zip(*path))
        return DiracTrajectory(steps.astype(np.int64), thetas.astype(np.float64), psis.astype(np.float64))

    # --- the dynamics, for the figures -------------------------------------------------------------
    def gradient_field(self, thetas: np.ndarray, psis: np.ndarray) -> VectorField:
        """The vector field on the grid thetas × psis, by autograd through the same losses; the
        game's state and random stream are untouched."""
        thetas = np.asarray(thetas, dtype=np.float64).reshape(-1)
        psis = np.asarray(psis, dtype=np.float64).reshape(-1)
        grid_theta, grid_psi = np.meshgrid(thetas, psis)  # (len(psis), len(thetas))
        g = DiracGenerator(torch.from_numpy(grid_theta.reshape(-1, 1)))
        d = DiracDiscriminator(torch.from_numpy(grid_psi.reshape(-1, 1)))
        v_theta, v_psi = self._field(g, d, grid_theta.size, torch.Generator().manual_seed(0))
        shape = grid_theta.shape
        return VectorField(thetas, psis, v_theta.detach().numpy().reshape(shape), v_psi.detach().numpy().reshape(shape))

    def jacobian(self, theta: float = 0.0, psi: float = 0.0) -> np.ndarray:
        """∂(field)/∂(θ, ψ) at a point, default the equilibrium: rows (θ̇, ψ̇), columns (θ, ψ)."""
        g, d = DiracGenerator(theta), DiracDiscriminator(psi)
        v_theta, v_psi = self._field(g, d, 1, torch.Generator().manual_seed(0), create_graph=True)
        rows = []
        for v in (v_theta, v_psi):
            if not v.requires_grad:  # a constant component (none of the losses here has one at (0, 0))
                rows.append([0.0, 0.0])
                continue
            grads = torch.autograd.grad(v.sum(), (g.theta, d.psi), retain_graph=True, allow_unused=True)
            rows.append([0.0 if grad is None else grad.item() for grad in grads])
        return np.asarray(rows)

    def eigenvalues(self) -> np.ndarray:
        """The Jacobian's eigenvalues at the equilibrium: ±i·f′(0) without R1 (a pure rotation),
        real parts −γ/2 with it (a spiral in). NaN where the field has no derivative there (the
        gradient penalty's |ψ| at ψ = 0)."""
        jacobian = self.jacobian()
        if not np.isfinite(jacobian).all():
            return np.full(2, complex(math.nan, math.nan))
        return np.linalg.eigvals(jacobian)

    def simultaneous_growth(self) -> float:
        """How much one simultaneous SGD step multiplies the distance to the equilibrium, near it:
        the spectral radius of I + h·J, = √(1 + h²·f′(0)²) without R1 (> 1: training diverges)."""
        return float(np.max(np.abs(1.0 + self.config.lr * self.eigenvalues())))
