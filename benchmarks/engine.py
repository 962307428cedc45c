"""Benchmark 1, engine overhead: gan_core's `Trainer.step()` vs a plain PyTorch loop.

The reference is the loop everyone writes first, in the style of the official PyTorch DCGAN
example: `BCEWithLogitsLoss` with label tensors built fresh every step, D trained on the real
and the fake batch with two backward passes, a *second* G forward pass for the G step, default
(not fused) Adam, `zero_grad()`, and one `.item()` per logged statistic. It trains the very
same G and D modules (built by `gan_core.models.build_models` from the same `TrainConfig`, with
deep-copied initial weights), same batch size, same data sampler, same loss, one torch thread.

The two loops run in alternating blocks (ours, ref, ours, ref, ...) in one process, and the
ratio of the medians is reported, so a machine that gets busier or quieter during the run
affects both sides alike. Optionally a third contestant is measured in the same rotation:
`TrainingRun` (background thread, chunks, evaluation every 0.5 s, snapshots every 0.1 s,
last-good checkpoints) with no reader but a heartbeat: what a headless app run achieves.
"""
from __future__ import annotations

import copy
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

import torch
from torch import nn

from gan_core.config import TrainConfig
from gan_core.presets import get_preset
from gan_core.trainer import Trainer

from .common import log, median, table


def engine_configs() -> dict[str, TrainConfig]:
    """The three configurations the issue names: ring8 MLP, digits MLP, digits DCGAN."""
    digits = get_preset("digits").config
    return {
        "ring8 (mlp)": get_preset("ring8").config,
        # batch norm exists only in the DCGAN generator: the MLP variant leaves it out
        "digits (mlp)": digits.replace(model="mlp", batchnorm=False),
        "digits (dcgan)": digits,
    }


class PlainLoop:
    """The textbook GAN training loop (PyTorch DCGAN example style) on given modules."""

    def __init__(self, generator: nn.Module, discriminator: nn.Module, config: TrainConfig, dataset) -> None:
        if config.loss != "nonsaturating" or config.d_steps != 1 or config.g_steps != 1:
            raise ValueError("the plain reference loop implements the non-saturating BCE loss with 1 D and 1 G step")
        self.G, self.D, self.cfg, self.dataset = generator, discriminator, config, dataset
        self.criterion = nn.BCEWithLogitsLoss()
        betas = (config.beta1, config.beta2)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=config.lr_d, betas=betas)
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=config.lr_g, betas=betas)
        self.rng = torch.Generator().manual_seed(config.seed)
        self.log: list[tuple[float, ...]] = []

    def noise(self, n: int) -> torch.Tensor:
        if self.cfg.noise == "gaussian":
            return torch.randn(n, self.cfg.noise_dim)
        return torch.rand(n, self.cfg.noise_dim) * 2 - 1

    def step(self) -> tuple[float, ...]:
        b = self.cfg.batch_size
        real = self.dataset.sample(b, self.rng)
        # (1) Update D: maximise log(D(x)) + log(1 - D(G(z)))
        self.D.zero_grad()
        label = torch.full((b,), 1.0, dtype=torch.float)
        output = self.D(real).view(-1)
        err_d_real = self.criterion(output, label)
        err_d_real.backward()
        d_x = torch.sigmoid(output).mean().item()
        noise = self.noise(b)
        fake = self.G(noise)
        label = torch.full((b,), 0.0, dtype=torch.float)
        output = self.D(fake.detach()).view(-1)
        err_d_fake = self.criterion(output, label)
        err_d_fake.backward()
        d_g_z1 = torch.sigmoid(output).mean().item()
        err_d = err_d_real + err_d_fake
        self.opt_d.step()
        # (2) Update G: maximise log(D(G(z)))
        self.G.zero_grad()
        label = torch.full((b,), 1.0, dtype=torch.float)
        output = self.D(self.G(noise)).view(-1)
        err_g = self.criterion(output, label)
        err_g.backward()
        d_g_z2 = torch.sigmoid(output).mean().item()
        self.opt_g.step()
        stats = (err_d.item(), err_g.item(), d_x, d_g_z1, d_g_z2)
        self.log.append(stats)
        return stats


@dataclass
class Contestants:
    trainer: Trainer
    plain: PlainLoop


def make_contestants(config: TrainConfig) -> Contestants:
    """Our Trainer and the plain loop on identical copies of the same initial G and D."""
    trainer = Trainer(config)
    g = copy.deepcopy(trainer.generator)
    d = copy.deepcopy(trainer.discriminator)
    for a, b in zip(list(g.parameters()) + list(d.parameters()),
                    list(trainer.generator.parameters()) + list(trainer.discriminator.parameters())):
        assert a is not b and torch.equal(a, b)
    return Contestants(trainer, PlainLoop(g, d, config, trainer.dataset))


def steps_per_second(step: Callable[[], Any], seconds: float, min_steps: int = 5) -> float:
    """Run `step` for about `seconds` (at least `min_steps` times); steps per wall second."""
    return timed_block(step, seconds, min_steps)["wall_rate"]


def timed_block(step: Callable[[], Any], seconds: float, min_steps: int = 5) -> dict[str, float]:
    """Run `step` for about `seconds` of wall time; steps per wall second and per CPU second of
    this thread. With one torch thread all the work runs in this thread, so the CPU rate is
    what the loop would do on an otherwise idle core: far less sensitive to other load."""
    n = 0
    t0, c0 = time.perf_counter(), time.thread_time()
    deadline = t0 + seconds
    while n < min_steps or time.perf_counter() < deadline:
        step()
        n += 1
    wall, cpu = time.perf_counter() - t0, time.thread_time() - c0
    return {"steps": n, "wall_rate": n / wall, "cpu_rate": n / max(cpu, 1e-9)}


def run_block_rate(config: TrainConfig, seconds: float, run_holder: dict) -> float:
    """steps/s of a TrainingRun (thread, chunks, evaluation, snapshots) over `seconds`."""
    from gan_core.runner import TrainingRun
    from gan_core.scheduler import Scheduler

    run = run_holder.get("run")
    if run is None:
        run = run_holder["run"] = TrainingRun(config, scheduler=Scheduler(4), idle_timeout=None)
    stop = threading.Event()

    def heartbeat() -> None:  # a reader that only checks in, like a page with no charts
        while not stop.wait(0.5):
            run.snapshot()

    beat = threading.Thread(target=heartbeat, daemon=True)
    beat.start()
    run.start()
    try:
        start = run.trainer.step_count
        if not _wait(lambda: run.trainer.step_count > start, 10.0):
            raise RuntimeError("the TrainingRun did not start training within 10 s")
        s0, t0 = run.trainer.step_count, time.perf_counter()
        time.sleep(seconds)
        s1, t1 = run.trainer.step_count, time.perf_counter()
    finally:
        run.pause()
        stop.set()
        _wait(lambda: run._thread is None, 10.0)
    return (s1 - s0) / (t1 - t0)


def _wait(predicate: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def measure_config(name: str, config: TrainConfig, blocks: int, block_seconds: float,
                   warmup_seconds: float, include_run: bool) -> dict[str, Any]:
    torch.set_num_threads(1)
    c = make_contestants(config)
    timed_block(c.trainer.step, warmup_seconds)
    timed_block(c.plain.step, warmup_seconds)
    ours: list[dict[str, float]] = []
    ref: list[dict[str, float]] = []
    runs: list[float] = []
    holder: dict = {}
    try:
        for i in range(blocks):
            # Alternate which side goes first so neither always follows the same neighbour.
            order = [(ours, c.trainer.step), (ref, c.plain.step)]
            if i % 2:
                order.reverse()
            for sink, fn in order:
                sink.append(timed_block(fn, block_seconds))
            if include_run:
                runs.append(run_block_rate(config, block_seconds, holder))
    finally:
        if holder.get("run") is not None:
            holder["run"].stop()
    ours_wall, ref_wall = [b["wall_rate"] for b in ours], [b["wall_rate"] for b in ref]
    ours_cpu, ref_cpu = [b["cpu_rate"] for b in ours], [b["cpu_rate"] for b in ref]
    result = {
        "config": name,
        "model": config.model, "dataset": config.dataset, "batch_size": config.batch_size,
        "g_ema": config.g_ema, "batchnorm": config.batchnorm,
        "ours_blocks": ours_wall, "ref_blocks": ref_wall,
        "ours_steps_per_s": median(ours_wall), "ref_steps_per_s": median(ref_wall),
        "ratio": median(ours_wall) / median(ref_wall),
        # Per pair of neighbouring blocks: how stable the comparison was under the machine's load.
        "pair_ratios": [o / r for o, r in zip(ours_wall, ref_wall)],
        "median_pair_ratio": median([o / r for o, r in zip(ours_wall, ref_wall)]),
        # The same on this thread's CPU time: what each loop does per second of an idle core.
        "ours_steps_per_cpu_s": median(ours_cpu), "ref_steps_per_cpu_s": median(ref_cpu),
        "cpu_ratio": median(ours_cpu) / median(ref_cpu),
    }
    if include_run:
        result.update(run_blocks=runs, run_steps_per_s=median(runs), run_ratio=median(runs) / median(ref_wall))
    log(f"engine {name}: ours {result['ours_steps_per_s']:.0f}/s, plain {result['ref_steps_per_s']:.0f}/s, "
        f"ratio {result['ratio']:.2f} (CPU-time ratio {result['cpu_ratio']:.2f})"
        + (f", TrainingRun {result['run_steps_per_s']:.0f}/s" if include_run else ""))
    return result


TARGET_RATIO = 1.3


def run(quick: bool = False, configs: list[str] | None = None) -> dict[str, Any]:
    blocks, block_s, warm_s = (3, 1.0, 0.5) if quick else (7, 3.0, 2.0)
    results = []
    for name, cfg in engine_configs().items():
        if configs and name not in configs:
            continue
        results.append(measure_config(name, cfg, blocks, block_s, warm_s, include_run=True))
    rows = [(r["config"], r["ours_steps_per_s"], r["ref_steps_per_s"], r["ratio"],
             f"{min(r['pair_ratios']):.2f}–{max(r['pair_ratios']):.2f}", r["cpu_ratio"],
             r.get("run_steps_per_s"), r.get("run_ratio"), r["ratio"] >= TARGET_RATIO) for r in results]
    text = table("1. Engine overhead: Trainer.step() vs the plain PyTorch loop (1 torch thread)",
                 ["config", "ours steps/s", "plain steps/s", "ratio", "block ratios", "CPU-time ratio",
                  "TrainingRun steps/s", "run/plain", f"ratio ≥ {TARGET_RATIO}"], rows,
                 note=f"medians of {blocks} alternating blocks of {block_s:g} s each; CPU-time ratio = the same "
                      "comparison on this thread's CPU seconds (robust to other load); TrainingRun = the app's "
                      "background run (evaluation, snapshots, checkpoints included) with only a heartbeat reader.")
    return {"name": "engine", "params": {"blocks": blocks, "block_seconds": block_s, "warmup_seconds": warm_s},
            "target": {"ratio": TARGET_RATIO}, "results": results, "table": text}
