"""Trainer: the synchronous, deterministic GAN loop.

`step()` = `d_steps` discriminator updates on real + fake batches with G frozen, then
`g_steps` generator updates back-propagated through a frozen D. Nothing here knows about
threads or UIs; `TrainingRun` (runner.py) wraps it in a background thread.
"""
from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from .config import LIVE_FIELDS, TrainConfig
from .data import Dataset, get_dataset
from .losses import LOSSES, GanLoss, gradient_penalty
from .models import build_models

# Model initialisation reads the global RNG; runs built concurrently in several threads take
# turns so that each one's weights depend on its seed only.
_INIT_LOCK = threading.Lock()

STAT_FIELDS = (
    "step", "loss_d", "loss_g", "d_real", "d_fake", "acc_real", "acc_fake", "acc",
    "grad_norm_d", "grad_norm_g", "lr_d", "lr_g", "step_time",
)


@dataclass(frozen=True)
class StepStats:
    """What one training step measured. d_real/d_fake are mean D(x) and D(G(z)) as
    probabilities for the BCE losses, raw critic scores otherwise."""

    step: int
    loss_d: float
    loss_g: float
    d_real: float
    d_fake: float
    acc_real: float
    acc_fake: float
    acc: float
    grad_norm_d: float
    grad_norm_g: float
    lr_d: float
    lr_g: float
    step_time: float

    def as_tuple(self) -> tuple[float, ...]:
        return tuple(getattr(self, f) for f in STAT_FIELDS)


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was requested but no CUDA GPU is available; use 'cpu' or 'auto'")
    return torch.device(name)


def _make_optimizer(name: str, params, lr: float, betas: tuple[float, float]) -> torch.optim.Optimizer:
    params = list(params)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.0, foreach=True)
    try:  # the fused kernel is the fastest Adam on CPU and GPU; older builds fall back
        return torch.optim.Adam(params, lr=lr, betas=betas, fused=True)
    except (RuntimeError, TypeError, ValueError):
        return torch.optim.Adam(params, lr=lr, betas=betas, foreach=True)


def _grad_norm(params) -> torch.Tensor:
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return torch.zeros(())
    return torch.linalg.vector_norm(torch.stack(torch._foreach_norm(grads)))


class Trainer:
    """Owns G, D, their optimizers and the run's random streams."""

    def __init__(self, config: TrainConfig, dataset: Dataset | None = None, n_fixed: int | None = None) -> None:
        self.config = config
        self.dataset = dataset if dataset is not None else get_dataset(config.dataset)
        self.device = resolve_device(config.device)
        with _INIT_LOCK, torch.random.fork_rng(devices=[]):
            torch.manual_seed(config.seed)
            g, d = build_models(config, self.dataset.shape)
        self.generator: nn.Module = g.to(self.device)
        self.discriminator: nn.Module = d.to(self.device)
        self._g_params = list(self.generator.parameters())
        self._d_params = list(self.discriminator.parameters())
        # Separate streams: training noise/data, and the fixed evaluation noise that makes the
        # sample grid show the *same* z evolving for the whole run.
        self.generator_ema: nn.Module | None = None
        self._set_ema(config.g_ema)
        self.rng = torch.Generator().manual_seed(config.seed)
        n_fixed = n_fixed or (64 if self.dataset.kind == "image" else 512)
        self.fixed_noise = self.sample_noise(n_fixed, torch.Generator().manual_seed(config.seed + 1))
        self.loss: GanLoss = LOSSES[config.loss]
        self.opt_g = _make_optimizer(config.optimizer_g, self._g_params, config.lr_g, (config.beta1, config.beta2))
        self.opt_d = _make_optimizer(config.optimizer_d, self._d_params, config.lr_d, (config.beta1, config.beta2))
        if self.dataset.data is not None:
            self.dataset.data = self.dataset.data.to(self.device)
        self.step_count = 0  # full iterations (k D updates + G update)
        self.d_updates = 0
        self.g_updates = 0
        self.last: StepStats | None = None

    # --- sampling -------------------------------------------------------------------------
    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        gen = generator or self.rng
        shape = (n, self.config.noise_dim)
        z = torch.randn(shape, generator=gen) if self.config.noise == "gaussian" \
            else torch.rand(shape, generator=gen) * 2 - 1
        return z.to(self.device)

    def sample_real(self, n: int) -> torch.Tensor:
        return self.dataset.sample(n, self.rng).to(self.device)

    @property
    def sampler(self) -> nn.Module:
        """The generator that samples are shown from: the weight average if enabled."""
        return self.generator_ema if self.generator_ema is not None else self.generator

    @torch.no_grad()
    def generate(self, z: torch.Tensor) -> torch.Tensor:
        """G(z) in eval mode without gradients (for views and metrics)."""
        g = self.sampler
        was_training = g.training
        g.eval()
        try:
            return g(z.to(self.device))
        finally:
            g.train(was_training)

    def _set_ema(self, decay: float) -> None:
        if decay <= 0:
            self.generator_ema = None
        elif self.generator_ema is None:
            self.generator_ema = copy.deepcopy(self.generator).requires_grad_(False)

    @torch.no_grad()
    def _update_ema(self) -> None:
        if self.generator_ema is None:
            return
        ema = list(self.generator_ema.parameters())
        torch._foreach_lerp_(ema, self._g_params, 1.0 - self.config.g_ema)
        for b_ema, b in zip(self.generator_ema.buffers(), self.generator.buffers()):
            b_ema.copy_(b)

    # --- one update of each network -------------------------------------------------------
    def _d_update(self, keep_fake_graph: bool) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
        """One D update on a real and a fake batch; G is frozen (its output is detached).

        Returns (stats, fake, z). With keep_fake_graph the fake batch keeps G's graph so the
        following G update can reuse it instead of running G forward again: G's weights do not
        change during D's update, so this is exactly the same computation, done once.
        """
        cfg = self.config
        real = self.sample_real(cfg.batch_size)
        z = self.sample_noise(cfg.batch_size)
        if keep_fake_graph:
            fake = self.generator(z)
        else:
            with torch.no_grad():
                fake = self.generator(z)
        # One pass over real and fake together, for half the dispatches (most of a tiny network's
        # step time). The scores are those of two passes: D has no batch norm, and its minibatch
        # std layer (if any) takes each half's spread on its own (groups=2).
        scores = self.discriminator(torch.cat([real, fake.detach()]), groups=2)  # detach: no gradient reaches G
        real_s, fake_s = scores[:real.shape[0]], scores[real.shape[0]:]
        loss = self.loss.d_loss(real_s, fake_s)
        if cfg.loss == "wgan-gp" and cfg.gp_weight > 0:
            loss = loss + cfg.gp_weight * gradient_penalty(self.discriminator, real, fake, self.rng)
        self.opt_d.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = _grad_norm(self._d_params)
        self.opt_d.step()
        self.d_updates += 1
        stats = {"loss_d": loss.detach(), "grad_norm_d": grad_norm,
                 **self._judge(real_s.detach(), fake_s.detach())}
        return stats, fake, z

    def _judge(self, real_s: torch.Tensor, fake_s: torch.Tensor) -> dict[str, torch.Tensor]:
        """D's view of the batch: mean D(x), D(G(z)) and its accuracy as a real/fake classifier."""
        threshold: torch.Tensor | float = self.loss.threshold
        if self.loss.probabilistic:
            d_real, d_fake = torch.sigmoid(real_s).mean(), torch.sigmoid(fake_s).mean()
        else:
            d_real, d_fake = real_s.mean(), fake_s.mean()
            if self.config.loss == "wgan-gp":
                # A Wasserstein critic has no fixed decision point: score against the batch midpoint.
                threshold = (d_real + d_fake) / 2
        acc_real = (real_s > threshold).float().mean()
        acc_fake = (fake_s <= threshold).float().mean()
        return {"d_real": d_real, "d_fake": d_fake, "acc_real": acc_real, "acc_fake": acc_fake,
                "acc": (acc_real + acc_fake) / 2}

    def _g_update(self, fake: torch.Tensor | None) -> dict[str, torch.Tensor]:
        """One G update through a frozen D: D's weights get no gradient and do not move."""
        if fake is None:
            fake = self.generator(self.sample_noise(self.config.batch_size))
        self.discriminator.requires_grad_(False)
        try:
            loss = self.loss.g_loss(self.discriminator(fake))
            self.opt_g.zero_grad(set_to_none=True)
            loss.backward()
        finally:
            self.discriminator.requires_grad_(True)
        grad_norm = _grad_norm(self._g_params)
        self.opt_g.step()
        self._update_ema()
        self.g_updates += 1
        return {"loss_g": loss.detach(), "grad_norm_g": grad_norm}

    # --- public steps ----------------------------------------------------------------------
    def step(self) -> StepStats:
        """One full iteration: d_steps D updates (G frozen), then g_steps G updates (D frozen)."""
        t0 = time.perf_counter()
        cfg = self.config
        d_stats: dict[str, torch.Tensor] = {}
        fake = None
        for i in range(cfg.d_steps):
            d_stats, fake, _ = self._d_update(keep_fake_graph=(i == cfg.d_steps - 1))
        g_stats: dict[str, torch.Tensor] = {}
        for j in range(cfg.g_steps):
            g_stats = self._g_update(fake if j == 0 else None)
        self.step_count += 1
        return self._record({**d_stats, **g_stats}, t0)

    def step_d(self) -> StepStats:
        """Only D learns (the walk-through's first stage). G is untouched."""
        t0 = time.perf_counter()
        d_stats, _, _ = self._d_update(keep_fake_graph=False)
        return self._record(d_stats, t0)

    def step_g(self) -> StepStats:
        """Only G learns, through the frozen D."""
        t0 = time.perf_counter()
        return self._record(self._g_update(None), t0)

    def _record(self, parts: dict[str, torch.Tensor], t0: float) -> StepStats:
        prev = self.last
        keys = [k for k in ("loss_d", "loss_g", "d_real", "d_fake", "acc_real", "acc_fake", "acc",
                            "grad_norm_d", "grad_norm_g") if k in parts]
        # One host transfer for all scalars instead of one .item() per stat.
        values = dict(zip(keys, torch.stack([parts[k] for k in keys]).float().cpu().tolist()))
        nan = float("nan")

        def pick(key: str) -> float:
            if key in values:
                return values[key]
            return getattr(prev, key) if prev is not None else nan

        self.last = StepStats(
            step=self.step_count,
            **{k: pick(k) for k in ("loss_d", "loss_g", "d_real", "d_fake", "acc_real", "acc_fake",
                                    "acc", "grad_norm_d", "grad_norm_g")},
            lr_d=self.opt_d.param_groups[0]["lr"], lr_g=self.opt_g.param_groups[0]["lr"],
            step_time=time.perf_counter() - t0,
        )
        return self.last

    # --- live changes ------------------------------------------------------------------------
    def update(self, **changes: Any) -> TrainConfig:
        """Apply validated hyperparameter changes from the next step on.

        Learning rates and betas go into the optimizers' param groups, keeping Adam's moment
        estimates (a live slider must not reset the optimizer). Changing the optimizer type
        builds a new optimizer. Architecture/data changes raise: they need a new run.
        """
        new = self.config.replace(**changes)
        restart = [k for k in changes if k not in LIVE_FIELDS]
        if restart:
            raise ValueError(f"{', '.join(sorted(restart))} cannot change while a run trains: "
                             "reset the run with the new setting")
        betas = (new.beta1, new.beta2)
        if new.optimizer_g != self.config.optimizer_g:
            self.opt_g = _make_optimizer(new.optimizer_g, self._g_params, new.lr_g, betas)
        if new.optimizer_d != self.config.optimizer_d:
            self.opt_d = _make_optimizer(new.optimizer_d, self._d_params, new.lr_d, betas)
        for opt, lr in ((self.opt_g, new.lr_g), (self.opt_d, new.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr
                if "betas" in group:
                    group["betas"] = betas
        self.loss = LOSSES[new.loss]
        self.config = new
        self._set_ema(new.g_ema)
        return new

    # --- checkpoints -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "config": self.config.to_dict(),
            "generator": self.generator.state_dict(),
            **({"generator_ema": self.generator_ema.state_dict()} if self.generator_ema is not None else {}),
            "discriminator": self.discriminator.state_dict(),
            "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
            "step": self.step_count, "d_updates": self.d_updates, "g_updates": self.g_updates,
            "rng": self.rng.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any], optimizers: bool = True) -> None:
        self.generator.load_state_dict(state["generator"])
        self.discriminator.load_state_dict(state["discriminator"])
        if self.generator_ema is not None:
            self.generator_ema.load_state_dict(state.get("generator_ema", state["generator"]))
        if optimizers and "opt_g" in state:
            self.opt_g.load_state_dict(state["opt_g"])
            self.opt_d.load_state_dict(state["opt_d"])
        self.step_count = int(state.get("step", 0))
        self.d_updates = int(state.get("d_updates", 0))
        self.g_updates = int(state.get("g_updates", 0))
        if "rng" in state:
            self.rng.set_state(state["rng"])
