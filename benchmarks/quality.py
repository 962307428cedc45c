"""Benchmark 3, time to quality: wall seconds and steps until a preset reaches its goal.

A plain loop over `Trainer.step()` (no TrainingRun, no UI, one torch thread) evaluates with
the app's `Evaluator` (2,500 points / 1,000 images from fixed noise) every `eval_every`
steps. The clock includes those evaluations (the app evaluates in its training thread too);
the time spent in `Trainer.step()` alone is reported next to it.

Goals (from the performance issue):
- ring8: all 8 modes covered with ≥ 80 % high-quality samples, target ≤ 10 s;
- grid25: all 25 modes covered with ≥ 85 % high-quality samples, target ≤ 60 s (issue 28);
("covered" is the pages' rule, metrics.MODE_COVERAGE: at least 20 high-quality samples per mode.)
- digits (DCGAN): ≥ 9 of 10 classes at mean classifier confidence ≥ 0.8, target ≤ 60 s.

A second table times ring8, grid25 and fashion (Fashion-MNIST, issue 17's goal) the way a student
meets them: seconds from ▶ Start to the first quality evaluation at the goal, headless, in a
`TrainingRun` as the app trains (chunks, pictures every 0.5 s, quality scored every 1 s in its
thread, snapshots, checkpoints; a reader polls its snapshots).

    python -m benchmarks.quality                             # both tables, seeds 0-2
    python -m benchmarks.quality --presets grid25 --seeds 0-5 --start-only
"""

from __future__ import annotations

import argparse
import math
import time
from dataclasses import dataclass
from typing import Any

import torch

from benchmarks.common import DEFAULT_OUT, load_average, log, machine_info, median, parse_seeds, table, write_json
from gan_core.presets import get_preset
from gan_core.quality.evaluation import Evaluator
from gan_core.trainer import Trainer


@dataclass(frozen=True)
class Goal:
    preset: str
    description: str
    keys: tuple[str, str]  # the two numbers of a run's metrics the goal reads…
    bars: tuple[float, float]  # …and the least each must reach
    target_seconds: float | None
    max_steps: int  # give up after this many steps…
    max_seconds: float  # …or this much wall time

    def reached(self, metrics: dict[str, float]) -> bool:
        return meets(metrics, self.keys, self.bars)


def meets(metrics: dict[str, float], keys: tuple[str, ...], bars: tuple[float, ...]) -> bool:
    """Each of `keys` in a run's metrics at or above its bar (a number not there yet counts as 0)."""
    return all(metrics.get(key, 0) >= bar for key, bar in zip(keys, bars))


MODES = ("modes_covered_strict", "hq_fraction")
CLASSES = ("class_coverage", "mean_confidence")
GOALS = (
    Goal("ring8", "8/8 modes, ≥ 80 % HQ", MODES, (8, 0.80), 10.0, 8000, 120.0),
    Goal("grid25", "25/25 modes, ≥ 85 % HQ", MODES, (25, 0.85), 60.0, 12000, 300.0),
    Goal("digits", "≥ 9/10 classes, confidence ≥ 0.8", CLASSES, (9, 0.8), 60.0, 6000, 300.0),
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


def fashion_goal() -> Goal:
    from .fashion import BAR, BARS, TARGET_SECONDS

    return Goal("fashion", BAR, CLASSES, BARS["goal"], TARGET_SECONDS, 0, 240.0)


def goal_for(preset: str) -> Goal:
    """The goal of `preset`: one of GOALS, or fashion's (its bars live in benchmarks.fashion)."""
    return fashion_goal() if preset == "fashion" else next(g for g in GOALS if g.preset == preset)


# The "from Start" table: the presets issue 28 puts side by side.
FROM_START = ("ring8", "grid25", "fashion")


def start_to_goal(goal: Goal, seed: int, max_seconds: float, dataset=None) -> dict[str, Any]:
    """The preset in a TrainingRun as the app trains it, headless: seconds from start() to the
    first quality evaluation at the goal (one a second, in the run's thread, in the clock), G as
    it trains."""
    from gan_core.runs.runner import TrainingRun

    torch.set_num_threads(1)
    cfg = get_preset(goal.preset).config.replace(seed=seed)
    run = TrainingRun(cfg, dataset)  # G as it trains (the default view); no classroom limits, no queue
    seen = len(run.snapshot().metric_history.get("step", ()))
    out: dict[str, Any] = {"preset": goal.preset, "seed": seed, "reached": False}
    started = time.perf_counter()
    run.start()
    try:
        while (now := time.perf_counter()) - started < max_seconds and not out["reached"]:
            snap = run.snapshot()
            history = snap.metric_history
            steps = history.get("step", ())
            for i in range(seen, len(steps)):
                metrics = {k: float(v[i]) for k, v in history.items()}
                if goal.reached(metrics):
                    out.update(reached=True, seconds=now - started, steps=int(steps[i]), metrics=metrics)
                    break
            seen = len(steps)
            if not snap.is_active:
                break
            time.sleep(0.05)
        snap = run.snapshot()
        out.setdefault("seconds", time.perf_counter() - started)
        out.setdefault("steps", snap.step)
        out["steps_per_s"] = snap.step / max(snap.wall_time, 1e-9)
    finally:
        run.stop()
    return out


def run_from_start(seeds: tuple[int, ...], presets: list[str] | None = None) -> dict[str, Any]:
    rows, results = [], []
    for name in FROM_START:
        if presets and name not in presets:
            continue
        dataset = None
        if name == "fashion":
            from gan_core.data.images import DatasetUnavailable, image_dataset
            from gan_core.quality.classifier import ReferenceClassifier

            try:
                dataset = image_dataset("fashion", download=False)
            except DatasetUnavailable as err:
                log(f"quality from Start: fashion skipped ({err})")
                rows.append((name, goal_for(name).description, "skipped: no Fashion-MNIST", "", "", "", "", "", ""))
                continue
            ReferenceClassifier.for_dataset("fashion").real_stats()  # loaded before any clock starts
        goal = goal_for(name)
        per_seed = []
        for seed in seeds:
            r = start_to_goal(goal, seed, goal.max_seconds, dataset)
            r["load_average"] = load_average()
            log(
                f"quality from Start {name} seed {seed}: {'reached' if r['reached'] else 'NOT reached'} in "
                f"{r['seconds']:.1f} s ({r['steps']} steps, {r['steps_per_s']:.0f} steps/s)"
            )
            per_seed.append(r)
        results.extend(per_seed)
        all_in = all(r["reached"] for r in per_seed)
        seconds = [r["seconds"] for r in per_seed]
        rows.append(
            (
                name,
                goal.description,
                f"{sum(r['reached'] for r in per_seed)}/{len(per_seed)}",
                " ".join(f"{s:.1f}" if r["reached"] else f"> {s:.0f}" for s, r in zip(seconds, per_seed)),
                median(seconds) if all_in else float("nan"),
                max(seconds) if all_in else float("nan"),
                " ".join(str(r["steps"]) for r in per_seed),
                f"≤ {goal.target_seconds:g} s",
                all_in and max(seconds) <= goal.target_seconds,
            )
        )
    text = table(
        "3b. Time to quality from ▶ Start (TrainingRun as the app trains, headless, 1 torch thread)",
        ["preset", "goal", "seeds reached", "s per seed", "s (median)", "s (max)", "steps per seed", "target", "met"],
        rows,
        note=f"seeds {list(seeds)}; CPU: {machine_info()['cpu_model']}; seconds from start() to the first quality "
        "evaluation at the goal (one a second, in the training thread, in the clock); G as it trains.",
    )
    return {"results": results, "table": text}


def run(
    quick: bool = False,
    presets: list[str] | None = None,
    seeds: tuple[int, ...] | None = None,
    tables: tuple[str, ...] = ("loop", "start"),
) -> dict[str, Any]:
    seeds = seeds if seeds is not None else ((0,) if quick else (0, 1, 2))
    eval_every = 100
    results = []
    summary = []
    for goal in GOALS if "loop" in tables else ():
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
    if "loop" not in tables:
        text = ""
    from_start = run_from_start(seeds, presets) if "start" in tables else {"results": [], "table": ""}
    return {
        "name": "quality",
        "params": {"seeds": list(seeds), "eval_every": eval_every},
        "results": results,
        "summary": summary,
        "from_start": from_start["results"],
        "table": text + from_start["table"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default="", help="comma-separated, e.g. ring8,grid25,fashion (default: all)")
    parser.add_argument("--seeds", type=parse_seeds, default=None, help="e.g. 0-5 or 0,3 (default 0-2; --quick: 0)")
    parser.add_argument("--start-only", action="store_true", help="only the table from ▶ Start (TrainingRun)")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    machine = machine_info()
    print(f"# {machine['cpu_model']} · {machine['date']} · load {machine['load_average']}")
    tables = ("start",) if args.start_only else ("loop", "start")
    payload = run(args.quick, [p for p in args.presets.split(",") if p] or None, args.seeds, tables)
    print(payload["table"])
    payload["machine"] = machine
    write_json(DEFAULT_OUT, "quality", payload)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
