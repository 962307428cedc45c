"""Benchmark 3, time to quality: wall seconds and steps until a preset reaches its goal.

A plain loop over `Trainer.step()` (no TrainingRun, no UI, one torch thread) evaluates with
the app's `Evaluator` (2,500 points / 1,000 images from fixed noise) every `eval_every`
steps. The clock includes those evaluations (the app evaluates in its training thread too);
the time spent in `Trainer.step()` alone is reported next to it.

Goals (from the performance issue):
- ring8: all 8 modes covered with ≥ 80 % high-quality samples, target ≤ 10 s;
- grid25: all 25 modes covered (no time target; reported);
("covered" is the pages' rule, metrics.MODE_COVERAGE: at least 20 high-quality samples per mode.)
- digits (DCGAN): ≥ 9 of 10 classes at mean classifier confidence ≥ 0.8, target ≤ 60 s.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from benchmarks.common import log, median, table
from gan_core.presets import get_preset
from gan_core.quality.evaluation import Evaluator
from gan_core.trainer import Trainer


@dataclass(frozen=True)
class Goal:
    preset: str
    description: str
    reached: Callable[[dict[str, float]], bool]
    target_seconds: float | None
    max_steps: int  # give up after this many steps…
    max_seconds: float  # …or this much wall time


GOALS = (
    Goal(
        "ring8",
        "8/8 modes, ≥ 80 % HQ",
        lambda m: m.get("modes_covered_strict", 0) >= 8 and m.get("hq_fraction", 0) >= 0.80,
        10.0,
        8000,
        120.0,
    ),
    Goal("grid25", "25/25 modes", lambda m: m.get("modes_covered_strict", 0) >= 25, None, 12000, 300.0),
    Goal(
        "digits",
        "≥ 9/10 classes, confidence ≥ 0.8",
        lambda m: m.get("class_coverage", 0) >= 9 and m.get("mean_confidence", 0) >= 0.8,
        60.0,
        6000,
        300.0,
    ),
)


def time_to_quality(goal: Goal, seed: int, eval_every: int, max_seconds: float | None = None) -> dict[str, Any]:
    torch.set_num_threads(1)
    cfg = get_preset(goal.preset).config.replace(seed=seed)
    trainer = Trainer(cfg)
    evaluator = Evaluator(trainer, average=False)  # G as it trains: what the app shows (tests/test_presets.py)
    limit = max_seconds if max_seconds is not None else goal.max_seconds
    train_s = eval_s = 0.0
    started = time.perf_counter()
    metrics: dict[str, float] = {}
    while trainer.step_count < goal.max_steps:
        t0 = time.perf_counter()
        for _ in range(eval_every):
            trainer.step()
        t1 = time.perf_counter()
        metrics = evaluator.evaluate()[2]
        t2 = time.perf_counter()
        train_s += t1 - t0
        eval_s += t2 - t1
        if goal.reached(metrics):
            return {
                "preset": goal.preset,
                "seed": seed,
                "reached": True,
                "steps": trainer.step_count,
                "wall_s": t2 - started,
                "train_s": train_s,
                "eval_s": eval_s,
                "steps_per_s": trainer.step_count / train_s,
                "metrics": metrics,
            }
        if not (math.isfinite(trainer.last.loss_d) and math.isfinite(trainer.last.loss_g)):
            break
        if t2 - started > limit:
            break
    return {
        "preset": goal.preset,
        "seed": seed,
        "reached": False,
        "steps": trainer.step_count,
        "wall_s": time.perf_counter() - started,
        "train_s": train_s,
        "eval_s": eval_s,
        "steps_per_s": trainer.step_count / max(train_s, 1e-9),
        "metrics": metrics,
    }


def run(quick: bool = False, presets: list[str] | None = None) -> dict[str, Any]:
    seeds = (0,) if quick else (0, 1, 2)
    eval_every = 100
    results = []
    summary = []
    for goal in GOALS:
        if presets and goal.preset not in presets:
            continue
        cap = {"ring8": 45.0, "grid25": 30.0, "digits": 60.0}[goal.preset] if quick else None
        per_seed = []
        for seed in seeds:
            log(f"quality {goal.preset} seed {seed} …")
            r = time_to_quality(goal, seed, eval_every, cap)
            log(
                f"quality {goal.preset} seed {seed}: {'reached' if r['reached'] else 'NOT reached'} after "
                f"{r['steps']} steps, {r['wall_s']:.1f} s ({r['steps_per_s']:.0f} steps/s)"
            )
            per_seed.append(r)
        results.extend(per_seed)
        ok = [r for r in per_seed if r["reached"]]
        wall = median([r["wall_s"] for r in ok]) if len(ok) == len(per_seed) else float("nan")
        summary.append(
            {
                "preset": goal.preset,
                "goal": goal.description,
                "seeds": len(per_seed),
                "reached": len(ok),
                "median_wall_s": wall,
                "max_wall_s": max((r["wall_s"] for r in ok), default=float("nan"))
                if len(ok) == len(per_seed)
                else float("nan"),
                "median_steps": median([r["steps"] for r in ok]) if len(ok) == len(per_seed) else float("nan"),
                "median_train_s": median([r["train_s"] for r in ok]) if len(ok) == len(per_seed) else float("nan"),
                "steps_per_s": median([r["steps_per_s"] for r in per_seed]),
                "target_s": goal.target_seconds,
                "meets_target": (
                    len(ok) == len(per_seed)
                    and (goal.target_seconds is None or max(r["wall_s"] for r in ok) <= goal.target_seconds)
                ),
            }
        )
    rows = [
        (
            s["preset"],
            s["goal"],
            f"{s['reached']}/{s['seeds']}",
            s["median_steps"],
            s["median_wall_s"],
            s["max_wall_s"],
            s["median_train_s"],
            s["steps_per_s"],
            f"≤ {s['target_s']:g} s" if s["target_s"] else "–",
            s["meets_target"],
        )
        for s in summary
    ]
    text = table(
        "3. Time to quality (Trainer + Evaluator, 1 torch thread, no UI)",
        [
            "preset",
            "goal",
            "seeds reached",
            "steps (median)",
            "wall s (median)",
            "wall s (max)",
            "train-only s",
            "steps/s",
            "target",
            "met",
        ],
        rows,
        note=f"evaluated every {eval_every} steps on the app's fixed evaluation noise; wall time includes "
        "the evaluations; 'met' needs every seed within the target"
        + ("; --quick: seed 0 only, capped at 30–60 s per preset" if quick else "")
        + ".",
    )
    return {
        "name": "quality",
        "params": {"seeds": list(seeds), "eval_every": eval_every},
        "results": results,
        "summary": summary,
        "table": text,
    }
