"""Run the performance benchmarks: `python -m benchmarks.run [--quick] [--only a,b] [--out DIR]`.

Prints one table per benchmark on stdout (progress goes to stderr) and writes one JSON file per
benchmark to DIR (default benchmarks/results/), each with the machine it ran on. See
BENCHMARKS.md for what each benchmark measures and the targets.

    engine          Trainer.step() vs a plain PyTorch loop, same G/D, alternating blocks
    streaming       steps/s while headless Chromium shows each live page / headless steps/s
    quality         seconds and steps until ring8 / grid25 / digits reach their goals
    fashion         Fashion-MNIST: the fashion preset (as the app trains) vs the tutorial DCGAN, time to quality
    responsiveness  ▶ Start → moving picture; lr slider → trainer (in the browser)
    memory          server RSS over 10 minutes of training with a browser attached
    inside          steps/s with the Inside G and D page's live walk open vs closed, one run (in the browser)
    goal-on-screen  ▶ Start → Fashion-MNIST's goal as the Image GAN page shows it (seeds 0-2), and headless

The browser benchmarks need Debian's Chromium and Playwright (never `playwright install`);
without them they are reported as skipped.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks.common import DEFAULT_OUT, load_average, log, machine_info, write_json

ALL = ("engine", "streaming", "quality", "fashion", "responsiveness", "memory", "inside", "goal-on-screen")
NEEDS_BROWSER = {"streaming", "responsiveness", "memory", "inside", "goal-on-screen"}


def _parse_options(values: list[str]) -> dict[str, str]:
    out = {}
    for item in values:
        if "=" not in item:
            raise SystemExit(f"--app-option/--app-env need NAME=VALUE, got {item!r}")
        name, value = item.split("=", 1)
        out[name.strip()] = value.strip()
    return out


def run_one(
    name: str, quick: bool, out_dir: Path, app_options: dict[str, str], app_root: Path | None = None
) -> dict[str, Any]:
    if name == "engine":
        from benchmarks import engine

        return engine.run(quick=quick)
    if name == "quality":
        from benchmarks import quality

        return quality.run(quick=quick)
    if name == "fashion":
        from benchmarks import fashion

        return fashion.run(quick=quick)
    if name == "streaming":
        from benchmarks import streaming

        return streaming.run(quick=quick, out_dir=out_dir, app_options=app_options, app_root=app_root)
    if name == "goal-on-screen":
        from benchmarks import goal_on_screen

        return goal_on_screen.run(quick=quick, out_dir=out_dir, app_options=app_options, app_root=app_root)
    if name == "responsiveness":
        from benchmarks import responsiveness

        return responsiveness.run(quick=quick, out_dir=out_dir, app_options=app_options)
    if name == "memory":
        from benchmarks import memory

        return memory.run(quick=quick, out_dir=out_dir, app_options=app_options)
    if name == "inside":
        from benchmarks import inside

        return inside.run(quick=quick)
    raise ValueError(name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help="short windows and one seed: checks the harness in ~6 minutes, numbers are rough",
    )
    parser.add_argument("--only", default=",".join(ALL), help=f"comma-separated subset of: {', '.join(ALL)}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for the JSON results")
    parser.add_argument(
        "--app-option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra `streamlit run` config option for the browser benchmarks, for A/B "
        "comparisons, e.g. --app-option runner.postScriptGC=false (repeatable)",
    )
    parser.add_argument(
        "--app-env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="environment variable for the app server the browser benchmarks start, for A/B "
        "comparisons, e.g. --app-env GAN_EXPLAINER_MAX_TRAINING=2 (repeatable)",
    )
    parser.add_argument(
        "--app-root",
        type=Path,
        default=None,
        help="serve and train the app from this checkout instead (streaming, goal-on-screen): old and new code in one "
        "sitting, e.g. a `git worktree add /tmp/before <commit>`",
    )
    args = parser.parse_args(argv)
    app_env = _parse_options(args.app_env)
    os.environ.update(app_env)  # the app server is a child process: it inherits them
    names = [n.strip() for n in args.only.split(",") if n.strip()]
    unknown = [n for n in names if n not in ALL]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; choose from {', '.join(ALL)}")
    app_options = _parse_options(args.app_option)

    import torch

    torch.set_num_threads(1)  # the app trains with one intra-op thread per run; so do the benchmarks
    machine = machine_info()
    cores = machine["cpus_usable"] or machine["cpu_count"] or 1
    print(f"# GAN Explainer benchmarks — {machine['date']}")
    print(
        f"{machine['cpu_model']} · {machine['cpu_count']} CPUs ({cores} usable) · {machine['mem_total_gib']} GiB · "
        f"Python {machine['python']} · torch {machine['torch']} ({machine['torch_threads']} thread) · "
        f"streamlit {machine['streamlit']}"
        + (" · --quick" if args.quick else "")
        + (f" · app options {app_options}" if app_options else "")
        + (f" · app env {app_env}" if app_env else "")
    )
    load = load_average()
    if load and load[0] > 0.5 * cores:
        print(
            f"\n> WARNING: load average {load[0]:.1f} on {cores} CPUs before starting: other work is running, "
            "so the absolute numbers (and, less so, the ratios) are unreliable. Run on a quiet machine."
        )
    sys.stdout.flush()

    from benchmarks.browser import browser_missing_reason

    missing_browser = browser_missing_reason()
    failures = 0
    for name in names:
        started = time.monotonic()
        payload: dict[str, Any]
        if name in NEEDS_BROWSER and missing_browser:
            payload = {"name": name, "skipped": missing_browser}
            print(f"\n## {name}: skipped ({missing_browser})")
        else:
            log(f"=== {name} ===")
            try:
                payload = run_one(name, args.quick, args.out, app_options, args.app_root)
                print(payload["table"])
            except Exception as exc:  # one broken benchmark must not hide the others' tables
                failures += 1
                payload = {"name": name, "error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
                print(f"\n## {name}: FAILED: {type(exc).__name__}: {exc}")
                traceback.print_exc()
        payload.update(
            machine=machine,
            quick=args.quick,
            seconds=round(time.monotonic() - started, 1),
            load_average_after=load_average(),
        )
        path = write_json(args.out, name, payload)
        log(f"{name}: {payload['seconds']:.0f} s, wrote {os.path.relpath(path)}")
        sys.stdout.flush()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
