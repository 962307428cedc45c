"""Threads vs a Ray cluster, side by side in one run (issue 14), and what a bigger class would see.

    python -m benchmarks.cluster --sessions 10 --seconds 75     # the recorded run
    python -m benchmarks.cluster --sessions 4 --seconds 30 --no-streaming  # a quick look

On one machine: a local 2-node Ray cluster (1 CPU per node, loopback, token auth) is started
once; then, with the same sessions, page and window:

1. classroom load (benchmarks.classroom) on the thread backend (2 training slots, as the app
   gives 2 cores) and on the Ray backend (the cluster's 2 CPUs): page refresh p50/p95,
   start → first step p50/max, steps/s per run, server process CPU and RSS, WebSocket bytes per
   session; on Ray also the cluster → server bytes per run (snapshots and held checkpoints, from
   the server's own counters: GAN_EXPLAINER_CLUSTER_STATS) and each actor's memory;
2. one session's streaming ratio on the playground on each backend (benchmarks.streaming's
   method: steps/s while a browser watches / steps/s with nobody watching);
3. a simulation, from the measured per-run costs (actor start-up, steps/s per CPU, the server's
   CPU per training run), of start → first step for 30, 100 and 200 students pressing ▶ Start at
   once on 1, 4 and 16 worker machines.

On this machine both "nodes" share the same 2 cores (and Chromium renders every page on them
too): the side by side shows what moving training out of the Streamlit process costs and saves,
not extra cores. The simulation is where more machines come in.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from . import classroom
from .browser import Server, launch_chromium
from .common import DEFAULT_OUT, fmt, log, machine_info, median, table, write_json

PAGE = "playground"
PRESET = "ring8"
TURN_SECONDS = 30.0
WORKER_CPUS = 4  # the simulation's worker machine: 4 cores, all given to Ray
SIM_STUDENTS = (30, 100, 200)
SIM_WORKERS = (1, 4, 16)


def _classroom(browser, env: dict[str, str], sessions: int, seconds: float, out_dir: Path, name: str) -> dict:
    with Server(log_path=out_dir / f"server-{name}.log", env=env, timeout=120) as server:
        payload = classroom.measure(browser, server, sessions, seconds, PAGE)
    return payload["results"]


def _read_stats(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _ray_classroom(browser, env, sessions, seconds, out_dir) -> dict:
    stats_path = Path(tempfile.mkdtemp()) / "cluster-stats.json"
    samples: list[dict[str, Any]] = []
    stop = threading.Event()

    def sample() -> None:  # the server rewrites the file every 2 s; keep the largest counters seen
        while not stop.wait(2.0):
            stats = _read_stats(stats_path)
            if stats:
                samples.append(stats)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        results = _classroom(
            browser, {**env, "GAN_EXPLAINER_CLUSTER_STATS": str(stats_path)}, sessions, seconds, out_dir, "ray"
        )
    finally:
        stop.set()
        sampler.join(5)
    busiest = max(samples, key=lambda s: s.get("snapshot_bytes", 0), default={})
    per_run = list((busiest.get("per_run") or {}).values())
    rss = [
        r["actor_rss_mib"]
        for r in per_run
        if isinstance(r.get("actor_rss_mib"), (int, float)) and r["actor_rss_mib"] == r["actor_rss_mib"]
    ]
    window = results["window_s"]
    results["cluster"] = {
        "snapshot_kib_per_s_per_session": busiest.get("snapshot_bytes", 0) / 1024 / window / sessions,
        "checkpoint_kib_per_s_per_session": busiest.get("checkpoint_bytes", 0) / 1024 / window / sessions,
        "snapshots": busiest.get("snapshots", 0),
        "checkpoints": busiest.get("checkpoints", 0),
        "actor_rss_mib_p50": median(rss) if rss else float("nan"),
        "actor_rss_mib_max": max(rss, default=float("nan")),
        "actors_started": sum(r.get("actors_started", 0) for r in per_run),
        "actors_handed_over": sum(r.get("actors_handed_over", 0) for r in per_run),
    }
    return results


# --- streaming ---------------------------------------------------------------------------------
def _ray_headless_rate(warmup: float, window: float) -> dict[str, Any]:
    """steps/s of the preset's run in a Ray actor with only a heartbeat reader (this process is
    the driver; its monitor thread polls as the server's would)."""
    from gan_core.backends.ray_run import RayRun
    from gan_core.presets import get_preset
    from gan_core.scheduler import Scheduler

    run = RayRun(get_preset(PRESET).config, scheduler=Scheduler(4, turn_seconds=None))
    try:
        run.start()
        deadline = time.monotonic() + 120
        while run.snapshot().step == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(warmup)
        s0, t0 = run.snapshot().step, time.monotonic()
        end = t0 + window
        while time.monotonic() < end:
            time.sleep(0.5)
            run.snapshot()
        s1, t1 = run.snapshot().step, time.monotonic()
        return {"steps_per_s": (s1 - s0) / (t1 - t0), "steps": s1 - s0}
    finally:
        run.stop()


def _streaming(browser, env: dict[str, str], ray_backend: bool, out_dir: Path) -> dict[str, Any]:
    from . import streaming

    warmup, window = 5.0, 20.0
    name = "ray" if ray_backend else "threads"
    with Server(log_path=out_dir / f"server-streaming-{name}.log", env=env, timeout=120) as server:
        server.wait_quiet()
        headless = _ray_headless_rate if ray_backend else (lambda w, n: streaming.headless_rate((PRESET,), w, n))
        before = headless(2.0, window)
        seen = streaming.browser_rate(browser, server, PAGE, warmup, window)
        server.wait_quiet()
        after = headless(2.0, window)
    rate = (before["steps_per_s"] + after["steps_per_s"]) / 2
    return {
        "headless_steps_per_s": rate,
        "browser_steps_per_s": seen["steps_per_s"],
        "ratio": seen["steps_per_s"] / rate if rate else float("nan"),
        "status_refresh_per_s": seen["status_refresh_per_s"],
        "server_cpu_fraction": seen["server_cpu_fraction"],
    }


# --- simulation --------------------------------------------------------------------------------
def simulate(students: int, slots: int, startup_s: float, turn_s: float) -> dict[str, float]:
    """Everyone presses ▶ Start at t=0; `slots` runs train at a time, each for a `turn_s` turn
    counted from its first step, in FIFO order; a run's first step comes `startup_s` after it is
    admitted (its actor starting, or taking a CPU from a paused one). Returns start → first step
    p50 and max over the students (event simulation of the server's scheduler)."""
    free_at = [0.0] * slots  # when each slot is free again
    waits = []
    for _ in range(students):
        k = min(range(slots), key=lambda i: free_at[i])
        first_step = free_at[k] + startup_s
        waits.append(first_step)
        free_at[k] = first_step + turn_s
    waits.sort()
    return {"p50": waits[len(waits) // 2], "max": waits[-1]}


def simulation_table(startup_s: float, server_cpu_per_session: float, per_cpu_steps: float) -> tuple[str, list[dict]]:
    rows, data = [], []
    for workers in SIM_WORKERS:
        slots = workers * WORKER_CPUS
        for students in SIM_STUDENTS:
            r = simulate(students, slots, startup_s, TURN_SECONDS)
            training = min(students, slots)
            server_cores = students * server_cpu_per_session
            data.append({"workers": workers, "students": students, "slots": slots, **r, "server_cores": server_cores})
            rows.append(
                (
                    workers,
                    slots,
                    students,
                    r["p50"],
                    r["max"],
                    per_cpu_steps * training / students,
                    server_cores,
                )
            )
    text = table(
        f"Simulated ▶ Start → first step on the Ray backend ({WORKER_CPUS}-core workers, {TURN_SECONDS:.0f} s turns)",
        [
            "worker machines",
            "training slots",
            "students",
            "start → first step p50 (s)",
            "max (s)",
            "steps/s per student, averaged",
            "server CPU, every page open (cores)",
        ],
        rows,
        note=f"from this run's measurements: actor start-up {startup_s:.1f} s (admission → first step), "
        f"{per_cpu_steps:.0f} steps/s per run per CPU, {server_cpu_per_session:.3f} server cores per open session "
        "(the Streamlit process on the Ray backend: pages and polling, scaled linearly); everyone presses Start "
        "at once, FIFO with turns as the server's scheduler does. The thread backend on one 2-core laptop is "
        "the 2-slot case with ~0 s start-up.",
    )
    return text, data


# --- the whole run -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cluster", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=75.0)
    parser.add_argument("--no-streaming", action="store_true")
    parser.add_argument("--only-ray", action="store_true", help="skip the thread backend (a quick look)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    from tests.ray_cluster import local_cluster, require_ray

    require_ray()  # sets loopback and token auth before Ray is imported
    machine = machine_info()
    print(f"# GAN Explainer: threads vs Ray cluster — {machine['date']}")
    print(
        f"{machine['cpu_model']} · {machine['cpu_count']} CPUs · Python {machine['python']} · torch {machine['torch']}"
    )
    threads_env = {"GAN_EXPLAINER_MAX_TRAINING": "2", "GAN_EXPLAINER_TURN_SECONDS": f"{TURN_SECONDS:g}"}
    out: dict[str, Any] = {"machine": machine, "params": vars(args) | {"out": str(args.out)}}
    with local_cluster(connect=True) as (_, _, ray_env), launch_chromium() as browser:
        ray_env = {**ray_env, **threads_env}
        log("cluster: classroom on threads …")
        out["threads"] = (
            {} if args.only_ray else _classroom(browser, threads_env, args.sessions, args.seconds, args.out, "threads")
        )
        log("cluster: classroom on Ray …")
        out["ray"] = _ray_classroom(browser, ray_env, args.sessions, args.seconds, args.out)
        if not args.no_streaming:
            log("cluster: streaming on threads …")
            out["streaming_threads"] = _streaming(browser, threads_env, False, args.out)
            log("cluster: streaming on Ray …")
            out["streaming_ray"] = _streaming(browser, ray_env, True, args.out)
    t, r = out["threads"], out["ray"]
    rows = [
        ("page refresh p50 / p95 (s)", "refresh_interval_s_p50", "refresh_interval_s_p95"),
        ("▶ Start → first step p50 / max (s)", "start_to_first_step_s_p50", "start_to_first_step_s_max"),
        ("steps/s per run while training (median)", "steps_per_s_while_training_p50", None),
        ("steps/s per run over the window: median / lowest", "share_steps_per_s_p50", "share_steps_per_s_min"),
        ("steps/s, all runs together", "total_steps_per_s", None),
        ("server process CPU (cores)", "server_cpu_cores", None),
        ("server RSS idle / max (MiB)", "server_rss_idle_mib", "server_rss_max_mib"),
        ("WebSocket KiB/s per session (median)", "kib_per_s_per_session_p50", None),
        ("errors / exceptions shown", "errors", "exceptions_on_pages"),
    ]

    def cell(res: dict, a: str, b: str | None) -> str:
        return fmt(res.get(a)) + (f" / {fmt(res.get(b))}" if b else "")

    side = [(label, cell(t, a, b), cell(r, a, b)) for label, a, b in rows]
    c = r.get("cluster", {})
    side += [
        (
            "cluster → server KiB/s per session: snapshots / held checkpoints",
            "–",
            f"{fmt(c.get('snapshot_kib_per_s_per_session'))} / {fmt(c.get('checkpoint_kib_per_s_per_session'))}",
        ),
        (
            "memory per actor p50 / max (MiB RSS)",
            "–",
            f"{fmt(c.get('actor_rss_mib_p50'))} / {fmt(c.get('actor_rss_mib_max'))}",
        ),
        (
            "actors started / handed from a paused run to the next",
            "–",
            f"{fmt(c.get('actors_started'))} / {fmt(c.get('actors_handed_over'))}",
        ),
        (
            "after closing every session: threads or actors, busy slots",
            f"{(t.get('after_close') or {}).get('threads')}, {(t.get('after_close') or {}).get('busy')}",
            f"{(r.get('after_close') or {}).get('threads')}, {(r.get('after_close') or {}).get('busy')}",
        ),
    ]
    if "streaming_threads" in out:
        st, sr = out["streaming_threads"], out["streaming_ray"]
        side.append(
            (
                "one session's streaming ratio (browser / headless steps/s)",
                f"{fmt(st['ratio'])} ({fmt(st['browser_steps_per_s'])} / {fmt(st['headless_steps_per_s'])})",
                f"{fmt(sr['ratio'])} ({fmt(sr['browser_steps_per_s'])} / {fmt(sr['headless_steps_per_s'])})",
            )
        )
    text = table(
        f"Threads vs Ray, {args.sessions} sessions on /{PAGE} for {args.seconds:g} s each (same machine)",
        ["measure", "threads (2 slots)", "Ray: 2-node local cluster, 1 CPU each"],
        side,
        note="One headless Chromium drives every session on the same 2 cores as the server and the cluster.",
    )
    print(text)
    # Per-run costs for the simulation, from this run.
    startup = r.get("start_to_first_step_s_p50") if args.sessions <= 2 else None
    startup = _measured_startup(r) if startup is None else startup
    per_cpu = r.get("steps_per_s_while_training_p50") or float("nan")
    server_per_session = (r.get("server_cpu_cores") or 0.0) / max(1, args.sessions)
    sim_text, sim = simulation_table(startup, server_per_session, per_cpu)
    print(sim_text)
    out.update(table=text, simulation=sim, simulation_table=sim_text, startup_s=startup)
    path = write_json(args.out, "cluster", out)
    log(f"cluster: wrote {os.path.relpath(path)}")
    return 0


def _measured_startup(results: dict) -> float:
    """Admission → first step on the Ray backend: the first two students wait for nothing but
    their actor, so the smallest start → first step waits are the start-up."""
    waits = sorted(p["start_to_first_step_s"] for p in results.get("per_session", []) if p.get("start_to_first_step_s"))
    return median(waits[:2]) if waits else math.nan


if __name__ == "__main__":
    sys.exit(main())
