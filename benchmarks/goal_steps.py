"""Steps to a 2-D preset's goal, per seed: when it is first met, from when it holds, and the end.

    python -m benchmarks.goal_steps --preset grid25 --seeds 0-9
    python -m benchmarks.goal_steps --preset grid25 --seeds 1,5 --set lr_g=2e-3,lr_halflife=1000 --stop

Trains the preset (1 torch thread, as the app trains) and scores G as it trains every `--every`
steps on the app's 2,500 evaluation points (the pages' rule: a mode counts with >= 20 HQ samples,
metrics.MODE_COVERAGE), as benchmarks/seeds.py and tests/test_presets.py score it. For each seed
it prints the first step at the goal (all modes covered, HQ >= `--hq`), the step from which every
later evaluation meets it ("held from"), the last evaluation and D's accuracy (median of the last
500 steps). Steps do not depend on the machine's load, so tuning on them works on a busy host;
seconds do (benchmarks/quality.py times the goal from Start). Issue 28 tuned grid25 with it.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch

from gan_core.presets import get_preset
from gan_core.quality import metrics as m
from gan_core.quality.evaluation import Evaluator
from gan_core.trainer import Trainer

from .common import DEFAULT_OUT, log, machine_info, parse_seeds, write_json
from .seeds import ACC_WINDOW


def goal_steps(preset: str, seed: int, overrides: dict, every: int, hq: float, stop: bool) -> dict:
    torch.set_num_threads(1)
    cfg = get_preset(preset).config.replace(seed=seed, **overrides)
    trainer = Trainer(cfg)
    evaluator = Evaluator(trainer, average=False)
    n_modes = len(evaluator.mixture.centers)
    accuracy: list[float] = []
    curve: list[tuple[int, int, float]] = []
    first = None
    train_s = 0.0
    while trainer.step_count < cfg.steps:
        t0 = time.perf_counter()
        for _ in range(min(every, cfg.steps - trainer.step_count)):
            accuracy.append(trainer.step().acc)
        train_s += time.perf_counter() - t0
        del accuracy[:-ACC_WINDOW]
        mm = m.mode_metrics(trainer.generate(evaluator.eval_noise).numpy(), evaluator.mixture)
        curve.append((trainer.step_count, int(mm.modes_covered_strict), round(float(mm.hq_fraction), 3)))
        if first is None and mm.modes_covered_strict >= n_modes and mm.hq_fraction >= hq:
            first = trainer.step_count
            if stop:
                break
    missed = [s for s, k, h in curve if not (k >= n_modes and h >= hq)]
    held = None if missed and missed[-1] == curve[-1][0] else (missed[-1] + every if missed else curve[0][0])
    return {
        "preset": preset,
        "seed": seed,
        "overrides": overrides,
        "first_goal": first,
        "held_from": held if not stop else None,
        "last": curve[-1],
        "d_accuracy_median_last": float(np.median(accuracy)),
        "train_s": train_s,
        "curve": curve,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.goal_steps", description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="grid25")
    parser.add_argument("--seeds", default="0-5", help="e.g. 0-9 or 1,5")
    parser.add_argument("--set", default="", metavar="NAME=VALUE,...", help="overrides of the preset's config")
    parser.add_argument("--every", type=int, default=100)
    parser.add_argument("--hq", type=float, default=0.85, help="the goal's share of high-quality samples")
    parser.add_argument("--stop", action="store_true", help="stop each seed at the goal (no final state)")
    args = parser.parse_args(argv)
    raw = dict(a.split("=", 1) for a in args.set.split(",") if a)
    parsed = get_preset(args.preset).config.replace(**raw)  # validated here, not halfway through
    overrides = {k: getattr(parsed, k) for k in raw}
    results = []
    for seed in parse_seeds(args.seeds):
        r = goal_steps(args.preset, seed, overrides, args.every, args.hq, args.stop)
        log(
            f"{args.preset} seed {seed}: goal first at {r['first_goal']}, held from {r['held_from']}; "
            f"last {r['last']} (step, modes, HQ); D accuracy {r['d_accuracy_median_last']:.3f}; "
            f"{r['curve'][-1][0] / r['train_s']:.0f} steps/s"
        )
        results.append(r)
    print(json.dumps([{k: v for k, v in r.items() if k != "curve"} for r in results], indent=1))
    write_json(DEFAULT_OUT, f"goal-steps-{int(time.time())}", {"results": results, "machine": machine_info()})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
