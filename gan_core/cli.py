"""Headless training: `python -m gan_core train --preset NAME [--steps N] [--seed S] [--out DIR]`.

Used to prepare a class (pretrained checkpoints, expected numbers) and by checks. Writes
metrics.csv, summary.json, samples.npy, a PNG and the checkpoint to DIR.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

from gan_core import fast
from gan_core.config import TrainConfig
from gan_core.presets import PRESETS, get_preset
from gan_core.quality.evaluation import Evaluator, summarise
from gan_core.trainer import STAT_FIELDS, Trainer

N_SAMPLES_TOY, N_SAMPLES_IMAGES = 10_000, 1_000


def _progress(done: int, total: int, started: float, extra: str = "") -> None:
    width = 30
    filled = int(width * done / max(total, 1))
    rate = done / max(time.perf_counter() - started, 1e-9)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {rate:,.0f} steps/s {extra}"[:160])
    sys.stderr.flush()


def train(config: TrainConfig, out: Path, log_every: int = 10, threads: int = 1, quiet: bool = False) -> dict:
    """Train `config` for config.steps steps and write the outputs to `out`. Returns the summary."""
    torch.set_num_threads(threads)
    out.mkdir(parents=True, exist_ok=True)
    trainer = Trainer(config)
    evaluator = Evaluator(trainer)
    started = time.perf_counter()
    rows: list[tuple] = []
    train_seconds = 0.0
    for step in range(1, config.steps + 1):
        t0 = time.perf_counter()
        stats = trainer.step()
        train_seconds += time.perf_counter() - t0
        if not (np.isfinite(stats.loss_d) and np.isfinite(stats.loss_g)):
            rows.append(stats.as_tuple())
            if not quiet:
                sys.stderr.write(f"\ndiverged at step {step}: losses {stats.loss_d}, {stats.loss_g}\n")
            break
        if step % log_every == 0 or step == config.steps:
            rows.append(stats.as_tuple())
        if not quiet and (step % 50 == 0 or step == config.steps):
            _progress(step, config.steps, started)
    if not quiet:
        sys.stderr.write("\n")
    _, _, final_metrics = evaluator.evaluate()  # G as it trains
    smoothed_metrics = {}
    if trainer.generator_ema is not None:  # and its weight average (the app's smoothed view)
        smoothed_metrics = Evaluator(trainer, average=True).evaluate()[2]
    with open(out / "metrics.csv", "w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(STAT_FIELDS)
        writer.writerows(rows)
    samples = _write_samples(trainer, out)
    torch.save(trainer.state_dict(), out / "checkpoint.pt")
    summary = {
        "config": config.to_dict(),
        "steps": trainer.step_count,
        "wall_seconds": round(time.perf_counter() - started, 3),
        "train_seconds": round(train_seconds, 3),
        "steps_per_sec": round(trainer.step_count / max(train_seconds, 1e-9), 1),
        "final_stats": dict(zip(STAT_FIELDS, trainer.last.as_tuple())) if trainer.last else {},
        "final_metrics": final_metrics,
        **({"final_metrics_smoothed": smoothed_metrics} if smoothed_metrics else {}),
        "summary": summarise(final_metrics)
        + (f" | weight average (smoothed view): {summarise(smoothed_metrics)}" if smoothed_metrics else ""),
        "samples_shape": list(samples.shape),
        "torch_threads": threads,
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    return summary


@torch.no_grad()
def _write_samples(trainer: Trainer, out: Path) -> np.ndarray:
    from figures import images as imaging

    image = trainer.dataset.kind == "image"
    n = N_SAMPLES_IMAGES if image else N_SAMPLES_TOY
    z = trainer.sample_noise(n, torch.Generator().manual_seed(trainer.config.seed + 10))
    fake = trainer.generate(z).float().cpu()
    if image:
        samples = ((fake.clamp(-1, 1) + 1) / 2).squeeze(1).numpy()
        imaging.image_grid(samples[:100], ncols=10).save(out / "samples.png")
    else:
        samples = fake.numpy()
        real = trainer.dataset.sample(2000, torch.Generator().manual_seed(0)).cpu().numpy()
        if samples.shape[1] == 2:
            lo = np.minimum(real.min(0), np.percentile(samples, 1, axis=0)) - 0.5
            hi = np.maximum(real.max(0), np.percentile(samples, 99, axis=0)) + 0.5
            png = imaging.scatter_png(samples[:2000], real, np.stack([lo, hi], 1))
        else:
            png = imaging.histogram_png_1d(samples, real)
        (out / "samples.png").write_bytes(png)
    np.save(out / "samples.npy", samples.astype(np.float32))
    return samples


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m gan_core", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("presets", help="list the presets")
    t = sub.add_parser("train", help="train a preset headlessly")
    t.add_argument("--preset", required=True, help=f"one of: {', '.join(PRESETS)}")
    t.add_argument("--steps", type=int, help="override the preset's step count")
    t.add_argument("--seed", type=int, help="override the seed")
    t.add_argument("--out", type=Path, help="output folder (default runs/PRESET-seedS)")
    t.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="override any config field, e.g. --set lr_g=2e-4 (repeatable)",
    )
    t.add_argument("--threads", type=int, default=1, help="torch threads (1 is fastest for these small nets)")
    t.add_argument(
        "--plain",
        action="store_true",
        help="train without the speed tricks of gan_core.fast (the plain PyTorch path; same results, slower)",
    )
    t.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    if args.command == "presets":
        width = max(map(len, PRESETS))
        for name, preset in PRESETS.items():
            print(f"{name:<{width}}  {preset.summary}")
        return 0
    try:
        config = get_preset(args.preset).config
        overrides = dict(item.split("=", 1) for item in args.set if "=" in item)
        if len(overrides) != len(args.set):
            raise ValueError("--set expects FIELD=VALUE")
        if args.steps is not None:
            overrides["steps"] = args.steps
        if args.seed is not None:
            overrides["seed"] = args.seed
        config = config.replace(**overrides)
    except ValueError as exc:
        parser.error(str(exc))
    out = args.out or Path("runs") / f"{args.preset}-seed{config.seed}"
    with fast.plain() if args.plain else contextlib.nullcontext():
        summary = train(config, out, threads=args.threads, quiet=args.quiet)
    print(
        f"{args.preset}: {summary['steps']} steps in {summary['wall_seconds']:.1f} s "
        f"({summary['steps_per_sec']:.0f} steps/s). {summary['summary']}"
    )
    print(f"wrote {out}/metrics.csv, summary.json, samples.npy, samples.png, checkpoint.pt")
    return 0
