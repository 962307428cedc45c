"""Presets across seeds: does each preset keep its promise on this CPU, and with what margin?

    python -m benchmarks.seeds                       # every preset with a slow test, seeds 0-5
    python -m benchmarks.seeds --presets grid25 --seeds 0-9 --workers 2
    python -m benchmarks.seeds --set grid25:lr_g=4e-4,steps=12000   # try a variant

One torch thread per run (as the app trains); runs go to `--workers` processes at once, which
changes nothing in the numbers (each run is deterministic for a CPU) but the wall time. Each run
reports its metrics for G as it trains (what the app draws by default) and, where the preset keeps
one, for the weight average (the smoothed view), the steps, and its training seconds. The
promises are the bars of tests/test_presets.py, kept here in one place (`PROMISES`).

Why this exists (issue 11): one torch thread takes different floating-point paths on different
CPUs (AMD EPYC vs Intel Xeon), so a preset tuned on one seed of one machine can fail on another.
A promise counts as kept when it holds on every seed tried, and the margin column says how far
the worst seed is from the bar.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np

from benchmarks.common import DEFAULT_OUT, log, machine_info, parse_seeds, table, write_json


@dataclass(frozen=True)
class Promise:
    preset: str
    description: str
    kept: Callable[[dict[str, float]], bool]
    margin: Callable[[dict[str, float]], float]  # >= 0 when kept; how far from the bar, in its units


PROMISES: dict[str, Promise] = {
    p.preset: p
    for p in (
        Promise(
            "ring8",
            "8/8 modes (≥ 20 HQ each), ≥ 80 % HQ",
            lambda m: m.get("modes_covered_strict", 0) == 8 and m.get("hq_fraction", 0) >= 0.80,
            lambda m: min(m.get("modes_covered_strict", 0) - 8, m.get("hq_fraction", 0) - 0.80),
        ),
        Promise(
            "ring8-collapse",
            "≤ 3 modes",
            lambda m: m.get("modes_covered", 99) <= 3,
            lambda m: 3 - m.get("modes_covered", 99),
        ),
        Promise(
            "grid25",
            "≥ 24/25 modes (≥ 20 HQ each), ≥ 70 % HQ",
            lambda m: m.get("modes_covered_strict", 0) >= 24 and m.get("hq_fraction", 0) >= 0.70,
            lambda m: min(m.get("modes_covered_strict", 0) - 24, m.get("hq_fraction", 0) - 0.70),
        ),
        Promise(
            "grid25-collapse",
            "≤ 12 modes (strict)",
            lambda m: m.get("modes_covered_strict", 99) <= 12,
            lambda m: 12 - m.get("modes_covered_strict", 99),
        ),
        Promise(
            "digits",
            "≥ 9/10 classes, confidence ≥ 0.8",
            lambda m: m.get("class_coverage", 0) >= 9 and m.get("mean_confidence", 0) >= 0.8,
            lambda m: min(m.get("class_coverage", 0) - 9, m.get("mean_confidence", 0) - 0.8),
        ),
        Promise(
            "digits-collapse",
            "≤ 3 classes",
            lambda m: m.get("class_coverage", 99) <= 3,
            lambda m: 3 - m.get("class_coverage", 99),
        ),
        Promise(
            "gauss1d",
            "1 mode, JS < 0.1",
            lambda m: m.get("modes_covered", 0) == 1 and m.get("js_grid", 1) < 0.1,
            lambda m: 0.1 - m.get("js_grid", 1),
        ),
    )
}

# Presets measured for the record without a promise of their own (the slow tests' bars are above).
NO_PROMISE = Promise("", "(measured only)", lambda m: True, lambda m: 0.0)
MEASURED_ONLY = ("fashion", "fashion-collapse", "spiral", "bimodal1d")

ACC_WINDOW = 500  # D's accuracy: the median over this many last steps ("hovers around 50 %"?)
SHOWN = ("modes_covered", "modes_covered_strict", "hq_fraction", "class_coverage", "mean_confidence", "js_grid")


def train_pairing(key: str, dataset: str, side: int, seed: int, steps: int) -> dict[str, Any]:
    """Run A (side 0) or B (side 1) of a Mode collapse lab pairing, `steps` steps: what the lab shows."""
    import torch

    from classroom.pairings import PAIRINGS
    from gan_core.quality.evaluation import Evaluator
    from gan_core.trainer import Trainer

    torch.set_num_threads(1)
    cfg = PAIRINGS[key].configs(dataset)[side].replace(seed=seed, steps=steps)
    trainer = Trainer(cfg)
    started = time.perf_counter()
    accuracy = [trainer.step().acc for _ in range(steps)]
    return {
        "preset": f"{key}:{dataset}:{'ab'[side]}",
        "seed": seed,
        "steps": steps,
        "train_s": time.perf_counter() - started,
        "d_accuracy_median_last": float(np.median(accuracy[-ACC_WINDOW:])),
        "training": Evaluator(trainer, average=False).evaluate()[2],
    }


def run_pairings(keys: list[str], datasets: list[str], seeds: list[int], workers: int, steps: int) -> list[dict]:
    jobs = [(k, d, side, s, steps) for k in keys for d in datasets for side in (0, 1) for s in seeds]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = [f.result() for f in [pool.submit(train_pairing, *job) for job in jobs]]
    for r in results:
        log(
            f"{r['preset']} seed {r['seed']}: modes {r['training'].get('modes_covered_strict')}, "
            f"HQ {r['training'].get('hq_fraction', 0):.2f} ({r['train_s']:.0f} s)"
        )
    return results


def train_and_score(preset: str, seed: int, overrides: dict[str, Any], every: int = 0) -> dict[str, Any]:
    """One run in this process (a worker): train the preset's steps, score both generators (also
    every `every` steps on the way, when > 0: how many steps the promise needs)."""
    import torch

    from gan_core.presets import get_preset
    from gan_core.quality.evaluation import Evaluator
    from gan_core.trainer import Trainer

    torch.set_num_threads(1)
    cfg = get_preset(preset).config.replace(seed=seed, **overrides)
    trainer = Trainer(cfg)
    train_s = 0.0
    curve = []
    accuracy: list[float] = []  # D's accuracy on its training batches, last ACC_WINDOW steps
    while trainer.step_count < cfg.steps:
        block = min(every or cfg.steps, cfg.steps - trainer.step_count)
        started = time.perf_counter()
        for _ in range(block):
            accuracy.append(trainer.step().acc)
        del accuracy[:-ACC_WINDOW]
        train_s += time.perf_counter() - started
        if every and trainer.step_count < cfg.steps:
            curve.append(
                {
                    "step": trainer.step_count,
                    "training": Evaluator(trainer, average=False).evaluate()[2],
                    **({"average": Evaluator(trainer, average=True).evaluate()[2]} if cfg.g_ema > 0 else {}),
                }
            )
    out = {"preset": preset, "seed": seed, "steps": cfg.steps, "train_s": train_s, "overrides": overrides}
    out["curve"] = curve
    out["d_accuracy_median_last"] = float(np.median(accuracy))
    out["training"] = Evaluator(trainer, average=False).evaluate()[2]
    if cfg.g_ema > 0:
        out["average"] = Evaluator(trainer, average=True).evaluate()[2]
    return out


def _overrides(items: list[str]) -> dict[str, dict[str, Any]]:
    """--set preset:name=value,name=value -> {preset: {name: value}} (values via TrainConfig's parser)."""
    from gan_core.config import TrainConfig

    out: dict[str, dict[str, Any]] = {}
    for item in items:
        preset, _, assignments = item.partition(":")
        raw = dict(a.split("=", 1) for a in assignments.split(",") if a)
        parsed = TrainConfig().replace(**raw)  # validated: a typo fails here, not in a worker
        out[preset] = {k: getattr(parsed, k) for k in raw}
    return out


def run(
    presets: list[str], seeds: list[int], workers: int, overrides: dict[str, dict[str, Any]], every: int = 0
) -> dict[str, Any]:
    jobs = [(p, s, overrides.get(p, {}), every) for p in presets for s in seeds]
    results: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(train_and_score, *job) for job in jobs]
        for future in futures:
            r = future.result()
            promise = PROMISES.get(r["preset"], NO_PROMISE)
            for which in ("training", "average"):
                if which in r:
                    r[f"kept_{which}"] = promise.kept(r[which])
            log(
                f"{r['preset']} seed {r['seed']}: training {'kept' if r['kept_training'] else 'BROKEN'} "
                + ", ".join(f"{k}={v:.3g}" for k, v in r["training"].items() if k in SHOWN)
                + (f" | average {'kept' if r['kept_average'] else 'BROKEN'}" if "average" in r else "")
                + f"; D accuracy (median, last {ACC_WINDOW} steps) {r['d_accuracy_median_last']:.2f}"
                + f" ({r['train_s']:.0f} s)"
            )
            for point in r["curve"]:
                kept = {w: promise.kept(point[w]) for w in ("training", "average") if w in point}
                log(
                    f"  step {point['step']}: "
                    + " | ".join(
                        f"{w} {'kept' if k else 'broken'} "
                        + ",".join(f"{n}={v:.3g}" for n, v in point[w].items() if n in SHOWN)
                        for w, k in kept.items()
                    )
                )
            results.append(r)
    rows = []
    for preset in presets:
        per = [r for r in results if r["preset"] == preset]
        promise = PROMISES.get(preset, NO_PROMISE)
        for which in ("training", "average"):
            scored = [r for r in per if which in r]
            if not scored:
                continue
            values = {k: [r[which].get(k) for r in scored] for k in SHOWN if k in scored[0][which]}
            rows.append(
                (
                    preset,
                    which,
                    promise.description,
                    f"{sum(promise.kept(r[which]) for r in scored)}/{len(scored)}",
                    min(promise.margin(r[which]) for r in scored),
                    "; ".join(f"{k} " + " ".join(f"{v:.3g}" for v in vs) for k, vs in values.items()),
                    scored[0]["steps"],
                    sum(r["train_s"] for r in scored) / len(scored),
                )
            )
    text = table(
        "Presets across seeds (1 torch thread)",
        ["preset", "generator", "promise", "seeds kept", "worst margin", "per seed", "steps", "train s (mean)"],
        rows,
        note=f"seeds {seeds}; CPU: {machine_info()['cpu_model']}; 'training' is G as it trains (the default "
        "view), 'average' its weight average (the smoothed view).",
    )
    return {"name": "seeds", "params": {"seeds": seeds, "overrides": overrides}, "results": results, "table": text}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--presets", default=",".join((*PROMISES, *MEASURED_ONLY)), help="comma-separated preset names")
    parser.add_argument("--seeds", default="0-5", help="e.g. 0-5 or 0,3,7")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--every", type=int, default=0, help="also score every N steps on the way")
    parser.add_argument("--set", action="append", default=[], metavar="PRESET:NAME=VALUE,...")
    parser.add_argument("--out", default=str(DEFAULT_OUT))
    parser.add_argument(
        "--pairings",
        default="",
        help="also (or, with --presets '') measure the Mode collapse lab's pairings: comma-separated keys, or all",
    )
    parser.add_argument("--pairing-data", default="ring8", help="the lab's data sets for --pairings")
    parser.add_argument("--pairing-steps", type=int, default=3000, help="steps of each lab run (a lesson's worth)")
    parser.add_argument(
        "--record",
        action="store_true",
        help="write each preset's ranges over the seeds into gan_core/measured.json, the record the pages' "
        "texts quote (only without --set: a variant is not the preset)",
    )
    args = parser.parse_args(argv)
    overrides = _overrides(args.set)
    if args.record and overrides:
        parser.error("--record writes the presets as they are: leave out --set")
    presets = [p for p in args.presets.split(",") if p]
    result = run(presets, parse_seeds(args.seeds), args.workers, overrides, args.every) if presets else {"results": []}
    result["machine"] = machine_info()
    print(result.get("table", ""))
    if args.pairings:
        from classroom.pairings import PAIRINGS

        keys = list(PAIRINGS) if args.pairings == "all" else args.pairings.split(",")
        result["pairings"] = run_pairings(
            keys, args.pairing_data.split(","), parse_seeds(args.seeds), args.workers, args.pairing_steps
        )
    from pathlib import Path

    write_json(Path(args.out), f"seeds-{int(time.time())}", result)
    if args.record:
        record(result["results"] + result.get("pairings", []), result["machine"]["cpu_model"])


def record(results: list[dict[str, Any]], cpu: str) -> None:
    """Update gan_core/measured.json with these presets' measurements (others are kept)."""
    import json

    from gan_core import measured

    path = measured.RECORD_FILE
    data = json.loads(path.read_text()) if path.exists() else {"presets": {}}
    date = time.strftime("%Y-%m-%d")
    for preset in sorted({r["preset"] for r in results}):
        entry = measured.entry([r for r in results if r["preset"] == preset], cpu, date)
        if ":" in preset:  # a lab pairing's run: "key:dataset:a" or "...:b"
            key, dataset, side = preset.split(":")
            data.setdefault("pairings", {}).setdefault(dataset, {}).setdefault(key, {})[side] = entry
        else:
            data["presets"][preset] = entry
    data["written_by"] = "python -m benchmarks.seeds --record"
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    log(f"recorded {len(data['presets'])} presets in {path}")


if __name__ == "__main__":
    main()
