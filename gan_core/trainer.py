"""Trainer: the synchronous, deterministic GAN loop.

`step()` = `d_steps` discriminator updates on real + fake batches with G frozen, then
`g_steps` generator updates back-propagated through a frozen D. Nothing here knows about
threads or UIs; `TrainingRun` (runner.py) wraps it in a background thread.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn
from torch.optim.swa_utils import update_bn

from gan_core.config import LIVE_FIELDS, TrainConfig
from gan_core.data import Dataset, get_dataset
from gan_core.fast.adam import FusedAdamStep, adam
from gan_core.fast.grads import clear_grads, total_norm
from gan_core.fast.joint_d import score_real_and_fake
from gan_core.fast.weight_average import lerp_
from gan_core.losses import LOSSES, GanLoss, gradient_penalty, r1_penalty
from gan_core.models import build_models

# Fixed-noise samples per train-mode pass when the weight average's batch-norm statistics are
# recalibrated (Trainer._calibrated_average): the 64 fixed digits noise vectors are one batch.
BN_CALIBRATION_BATCH = 256

# What a step measures, in the order of a history row (StepStats.as_tuple).
MEASURED = ("loss_d", "loss_g", "d_real", "d_fake", "acc_real", "acc_fake", "acc", "grad_norm_d", "grad_norm_g")
STAT_FIELDS = ("step", *MEASURED, "lr_d", "lr_g", "step_time")


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


def make_optimizer(name: str, params, lr: float, betas: tuple[float, float]) -> torch.optim.Optimizer:
    if name == "sgd":
        return torch.optim.SGD(list(params), lr=lr)
    return adam(params, lr, betas)


def _set_requires_grad(params: list[torch.Tensor], flag: bool) -> None:
    """Freeze (or unfreeze) a network by its parameter list, kept from construction: the same as
    `module.requires_grad_(flag)` without walking the module tree twice a step (~30 us each on ring8)."""
    for p in params:
        p.requires_grad_(flag)


def _grad_norm(params: list[torch.Tensor]) -> torch.Tensor:
    """The total gradient norm of a network (what the gradient-norm chart shows)."""
    return total_norm([p.grad for p in params if p.grad is not None])


class Trainer:
    """Owns G, D, their optimizers and the run's random streams."""

    def __init__(self, config: TrainConfig, dataset: Dataset | None = None, n_fixed: int | None = None) -> None:
        self.config = config
        self.dataset = dataset if dataset is not None else get_dataset(config.dataset)
        self.device = resolve_device(config.device)
        g, d = build_models(config, self.dataset.shape, seed=config.seed)
        self.generator: nn.Module = g.to(self.device)
        self.discriminator: nn.Module = d.to(self.device)
        self._g_params = list(self.generator.parameters())
        self._d_params = list(self.discriminator.parameters())
        # Separate streams: training noise/data, and the fixed evaluation noise that makes the
        # sample grid show the *same* z evolving for the whole run.
        self.generator_ema: nn.Module | None = None
        # (the EMA module, its parameters): walked once, not every step
        self._ema_lists: tuple | None = None
        self._bn_calibrated_at = -1  # g_updates when the average's batch-norm statistics were measured
        self._set_ema(config.g_ema)
        self.rng = torch.Generator().manual_seed(config.seed)
        n_fixed = n_fixed or (64 if self.dataset.kind == "image" else 512)
        self.fixed_noise = self.sample_noise(n_fixed, torch.Generator().manual_seed(config.seed + 1))
        self.loss: GanLoss = LOSSES[config.loss]
        self.opt_g = make_optimizer(config.optimizer_g, self._g_params, config.lr_g, (config.beta1, config.beta2))
        self.opt_d = make_optimizer(config.optimizer_d, self._d_params, config.lr_d, (config.beta1, config.beta2))
        self._steppers: dict[str, FusedAdamStep] = {}  # "d"/"g": rebuilt when the optimizer is
        if self.dataset.data is not None:
            self.dataset.data = self.dataset.data.to(self.device)
        self.step_count = 0  # full iterations (k D updates + G update)
        self.d_updates = 0
        self.g_updates = 0
        self._lr_set_at = {"g": 0, "d": 0}  # step at which each learning rate was last set (lr_factor)
        self.last: StepStats | None = None

    # --- sampling -------------------------------------------------------------------------
    def sample_noise(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        gen = generator or self.rng
        shape = (n, self.config.noise_dim)
        z = (
            torch.randn(shape, generator=gen)
            if self.config.noise == "gaussian"
            else torch.rand(shape, generator=gen) * 2 - 1
        )
        return z.to(self.device)

    def sample_real(self, n: int) -> torch.Tensor:
        return self.dataset.sample(n, self.rng).to(self.device)

    def generator_for_view(self, average: bool = False) -> nn.Module:
        """G as it trains or, with `average` (and g_ema > 0), the running average of its weights.

        The average never trains: it is a display smoothing ("smoothed view") that lags ~1/(1 - g_ema)
        steps behind G and moves 1 - g_ema of each of G's steps, so a lesson about what one update
        does must look at G itself (issue 12). The average's batch-norm statistics are its own
        (`_calibrated_average`)."""
        if average and self.generator_ema is not None:
            return self._calibrated_average()
        return self.generator

    @torch.no_grad()
    def generate(self, z: torch.Tensor, average: bool = False) -> torch.Tensor:
        """G(z) in eval mode without gradients (for views and metrics); `average` as in
        `generator_for_view`. Batch norm's running statistics of the average are recalibrated
        for its own weights first (see `_calibrated_average`)."""
        g = self.generator_for_view(average)
        was_training = g.training
        g.eval()
        try:
            return g(z.to(self.device))
        finally:
            g.train(was_training)

    @torch.no_grad()
    def _calibrated_average(self) -> nn.Module:
        """The weight average, with batch-norm running statistics measured on its own outputs.

        G's running statistics belong to G's weights; the average's weights differ (that is its
        point), so drawing it in eval mode with G's statistics normalises its activations with the
        wrong means and variances. Recomputed once per G update, from train-mode passes on the
        fixed noise, by SWA's `update_bn` (cumulative averages over the passes)."""
        ema = self.generator_ema
        assert ema is not None
        if self._bn_calibrated_at != self.g_updates:
            batches = [chunk for chunk in self.fixed_noise.split(BN_CALIBRATION_BATCH) if chunk.shape[0] > 1]
            update_bn(batches, ema)
            self._bn_calibrated_at = self.g_updates
        return ema

    def _set_ema(self, decay: float) -> None:
        if decay <= 0:
            self.generator_ema = None
        elif self.generator_ema is None:
            self.generator_ema = copy.deepcopy(self.generator).requires_grad_(False)
            self._bn_calibrated_at = -1

    @torch.no_grad()
    def _update_ema(self) -> None:
        ema = self.generator_ema
        if ema is None:
            return
        if self._ema_lists is None or self._ema_lists[0] is not ema:
            self._ema_lists = (ema, list(ema.parameters()))
        _, params = self._ema_lists
        lerp_(params, self._g_params, 1.0 - self.config.g_ema)

    # --- one update of each network -------------------------------------------------------
    def _d_update(self, keep_fake_graph: bool) -> tuple[dict[str, torch.Tensor], torch.Tensor, torch.Tensor]:
        """One D update on a real and a fake batch; G is frozen (its output is detached).

        Returns (stats, fake, z). With keep_fake_graph the fake batch keeps G's graph so the
        following G update can reuse it instead of running G forward again: G's weights do not
        change during D's update, so this is exactly the same computation, done once.
        """
        cfg = self.config
        real = self.sample_real(cfg.batch_size)
        # Lazy R1: only on every r1_every-th D update (counting from the first), at r1_every x the weight.
        r1 = cfg.r1_weight > 0 and self.d_updates % cfg.r1_every == 0
        if r1:  # the R1 penalty needs D's slope at the real points
            real = real.detach().requires_grad_(True)
        z = self.sample_noise(cfg.batch_size)
        if keep_fake_graph:
            fake = self.generator(z)
        else:
            with torch.no_grad():
                fake = self.generator(z)
        scores = score_real_and_fake(self.discriminator, real, fake.detach())  # detach: no gradient reaches G
        real_s, fake_s = scores[: real.shape[0]], scores[real.shape[0] :]
        loss = self.loss.d_loss(real_s, fake_s)
        if cfg.loss == "wgan-gp" and cfg.gp_weight > 0:
            loss = loss + cfg.gp_weight * gradient_penalty(self.discriminator, real, fake, self.rng)
        if r1:
            loss = loss + cfg.r1_weight * cfg.r1_every * r1_penalty(real_s, real)
        clear_grads(self.opt_d, self._d_params)
        loss.backward()
        grad_norm = _grad_norm(self._d_params)
        self._optimizer_step("d")
        self.d_updates += 1
        stats = {"loss_d": loss.detach(), "grad_norm_d": grad_norm, **self._judge(scores.detach())}
        return stats, fake, z

    def _optimizer_step(self, which: str) -> None:
        """Step opt_d or opt_g ("d"/"g") through its FusedAdamStep (gan_core.fast.adam)."""
        opt = self.opt_d if which == "d" else self.opt_g
        step = self._steppers.get(which)
        if step is None or step.opt is not opt:  # a new optimizer (its type changed live)
            step = self._steppers[which] = FusedAdamStep(opt)
        step()

    def _judge(self, scores: torch.Tensor) -> dict[str, torch.Tensor]:
        """D's view of the batch (real scores first, then as many fake ones): mean D(x), D(G(z))
        and its accuracy as a real/fake classifier. Both halves go through each op together:
        a few tensor ops instead of a dozen, for the statistics of every step."""
        pair = scores.view(2, -1)
        threshold: torch.Tensor | float = self.loss.threshold
        if self.loss.probabilistic:
            means = torch.sigmoid(pair).mean(1)
        else:
            means = pair.mean(1)
            if self.config.loss == "wgan-gp":
                # A Wasserstein critic has no fixed decision point: score against the batch midpoint.
                threshold = means.mean()
        said_real = (pair > threshold).float().mean(1)  # [on real, on fake]
        acc_real, acc_fake = said_real[0], 1.0 - said_real[1]
        return {
            "d_real": means[0],
            "d_fake": means[1],
            "acc_real": acc_real,
            "acc_fake": acc_fake,
            "acc": (acc_real + acc_fake) / 2,
        }

    def _g_update(self, fake: torch.Tensor | None) -> tuple[dict[str, torch.Tensor], torch.Tensor]:
        """One G update through a frozen D: D's weights get no gradient and do not move.

        Returns (stats, D's scores of the fakes it scored), so that a G-only step can report
        D's verdict on them (`step_g`) without another forward pass."""
        if fake is None:
            fake = self.generator(self.sample_noise(self.config.batch_size))
        _set_requires_grad(self._d_params, False)
        try:
            fake_scores = self.discriminator(fake)
            loss = self.loss.g_loss(fake_scores)
            clear_grads(self.opt_g, self._g_params)
            loss.backward()
        finally:
            _set_requires_grad(self._d_params, True)
        grad_norm = _grad_norm(self._g_params)
        self._optimizer_step("g")
        self._update_ema()
        self.g_updates += 1
        return {"loss_g": loss.detach(), "grad_norm_g": grad_norm}, fake_scores.detach()

    def _mean_verdict(self, scores: torch.Tensor) -> torch.Tensor:
        """Mean D output over a batch of scores, as `_judge` reports it: a probability for the
        BCE losses, the raw score otherwise."""
        return torch.sigmoid(scores).mean() if self.loss.probabilistic else scores.mean()

    # --- the learning-rate schedule ----------------------------------------------------------
    def lr_factor(self, which: str = "g") -> float:
        """The fraction of G's ("g") or D's ("d") set learning rate used at this step: halved once
        every `lr_halflife` steps since that rate was last set, never below `lr_floor` of it.

        A staircase (torch's StepLR), so "halves every N steps" is literally what the status line
        shows; and the count restarts when a person sets the rate (or the halflife), so a rate
        moved live is used as set at once and only then decays, instead of being scaled down by
        the thousands of steps the run had already trained."""
        halflife = self.config.lr_halflife
        if halflife <= 0:
            return 1.0
        halvings = (self.step_count - self._lr_set_at[which]) // halflife
        return max(self.config.lr_floor, 0.5**halvings)

    def restore_lr_clock(self, saved: Any) -> None:
        """The steps at which the rates were last set, from a checkpoint (absent in older ones:
        the schedule then counts from step 0); anything malformed counts from step 0 too."""
        saved = saved if isinstance(saved, dict) else {}
        self._lr_set_at = {
            k: min(max(int(v), 0), self.step_count) if isinstance(v := saved.get(k, 0), int) else 0 for k in ("g", "d")
        }

    def _set_lrs(self) -> None:
        """Write this step's learning rates into the optimizers (the set ones times lr_factor),
        as nanoGPT does each step: a live slider changes the set value, the schedule scales it."""
        for which, opt, lr in (("g", self.opt_g, self.config.lr_g), ("d", self.opt_d, self.config.lr_d)):
            for group in opt.param_groups:
                group["lr"] = lr * self.lr_factor(which)

    # --- public steps ----------------------------------------------------------------------
    def step(self) -> StepStats:
        """One full iteration: d_steps D updates (G frozen), then g_steps G updates (D frozen)."""
        t0 = time.perf_counter()
        cfg = self.config
        if cfg.lr_halflife:
            self._set_lrs()
        d_stats: dict[str, torch.Tensor] = {}
        fake = None
        for i in range(cfg.d_steps):
            d_stats, fake, _ = self._d_update(keep_fake_graph=(i == cfg.d_steps - 1))
        g_stats: dict[str, torch.Tensor] = {}
        for j in range(cfg.g_steps):
            g_stats, _ = self._g_update(fake if j == 0 else None)
        self.step_count += 1
        return self._record({**d_stats, **g_stats}, t0)

    def step_d(self) -> StepStats:
        """Only D learns (the walk-through's first stage). G is untouched."""
        t0 = time.perf_counter()
        if self.config.lr_halflife:
            self._set_lrs()
        d_stats, _, _ = self._d_update(keep_fake_graph=False)
        return self._record(d_stats, t0)

    def step_g(self, noise: torch.Tensor | None = None) -> StepStats:
        """Only G learns, through the frozen D, on `noise` (default: a fresh random batch). Its
        D(G(z)) is D's verdict on the fakes this update scored (before G moved); D(x) and the
        accuracies stay those of D's last update."""
        t0 = time.perf_counter()
        if self.config.lr_halflife:
            self._set_lrs()
        fake = None if noise is None else self.generator(noise.to(self.device))
        g_stats, fake_scores = self._g_update(fake)
        return self._record({**g_stats, "d_fake": self._mean_verdict(fake_scores)}, t0)

    def _record(self, parts: dict[str, torch.Tensor], t0: float) -> StepStats:
        """This step's StepStats; what it did not measure (a one-network step) keeps its last value."""
        prev = self.last
        keys = [k for k in MEASURED if k in parts]
        # One host transfer for all scalars instead of one .item() per stat.
        values = dict(zip(keys, torch.stack([parts[k] for k in keys]).float().cpu().tolist()))
        for k in MEASURED:
            if k not in values:
                values[k] = getattr(prev, k) if prev is not None else float("nan")
        self.last = StepStats(
            step=self.step_count,
            **values,
            lr_d=self.opt_d.param_groups[0]["lr"],
            lr_g=self.opt_g.param_groups[0]["lr"],
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
            raise ValueError(
                f"{', '.join(sorted(restart))} cannot change while a run trains: reset the run with the new setting"
            )
        betas = (new.beta1, new.beta2)
        if new.optimizer_g != self.config.optimizer_g:
            self.opt_g = make_optimizer(new.optimizer_g, self._g_params, new.lr_g, betas)
        if new.optimizer_d != self.config.optimizer_d:
            self.opt_d = make_optimizer(new.optimizer_d, self._d_params, new.lr_d, betas)
        for opt in (self.opt_g, self.opt_d):
            for group in opt.param_groups:
                if "betas" in group:
                    group["betas"] = betas
        self.loss = LOSSES[new.loss]
        for which, name in (("g", "lr_g"), ("d", "lr_d")):
            if getattr(new, name) != getattr(self.config, name) or new.lr_halflife != self.config.lr_halflife:
                self._lr_set_at[which] = self.step_count  # a rate set now is used as set (lr_factor)
        self.config = new
        self._set_lrs()
        self._set_ema(new.g_ema)
        return new

    # --- checkpoints -------------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        return {
            "config": self.config.to_dict(),
            "generator": self.generator.state_dict(),
            **({"generator_ema": self._calibrated_average().state_dict()} if self.generator_ema is not None else {}),
            "discriminator": self.discriminator.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "step": self.step_count,
            "d_updates": self.d_updates,
            "g_updates": self.g_updates,
            "lr_set_at": dict(self._lr_set_at),
            "rng": self.rng.get_state(),
        }

    def load_state_dict(self, state: dict[str, Any], optimizers: bool = True) -> None:
        """Put a checkpoint's state into this trainer, built from the same config. A partial state
        (a shared generator-only checkpoint) loads what it has: D and the optimizers stay fresh
        where it has none, and the weight average starts from the loaded G where it has none."""
        self.generator.load_state_dict(state["generator"])
        if "discriminator" in state:
            self.discriminator.load_state_dict(state["discriminator"])
        if self.generator_ema is not None:
            self.generator_ema.load_state_dict(state.get("generator_ema", state["generator"]))
            self._bn_calibrated_at = -1  # its batch-norm statistics are measured anew
        if optimizers and all(k in state for k in ("discriminator", "opt_g", "opt_d")):
            self.opt_g.load_state_dict(state["opt_g"])
            self.opt_d.load_state_dict(state["opt_d"])
        self.step_count = int(state.get("step", 0))
        self.d_updates = int(state.get("d_updates", 0))
        self.g_updates = int(state.get("g_updates", 0))
        self.restore_lr_clock(state.get("lr_set_at"))
        if isinstance(state.get("rng"), torch.Tensor):
            self.rng.set_state(state["rng"])
