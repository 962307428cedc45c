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

from benchmarks import classroom
from benchmarks.browser import Server, launch_chromium
from benchmarks.common import DEFAULT_OUT, fmt, log, machine_info, median, table, write_json

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
    from classroom.slots import Scheduler
    from gan_core.presets import get_preset
    from gan_core.runs.cluster.ray_run import RayRun

    run = RayRun(get_preset(PRESET).config, admission=Scheduler(4, turn_seconds=None))
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
    from benchmarks import headless as headless_runs
    from benchmarks import streaming

    warmup, window = 5.0, 20.0
    name = "ray" if ray_backend else "threads"
    with Server(log_path=out_dir / f"server-streaming-{name}.log", env=env, timeout=120) as server:
        server.wait_quiet()
        headless = _ray_headless_rate if ray_backend else (lambda w, n: headless_runs.measure("run", (PRESET,), w, n))
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
def simulate(
    students: int, slots: int, startup_s: float, turn_s: float, handover_s: float | None = None
) -> dict[str, float]:
    """Everyone presses ▶ Start at t=0; `slots` runs train at a time, each for a `turn_s` turn
    counted from its first step, in FIFO order. The first run on each slot starts an actor
    (`startup_s`); every later one takes the actor a paused run hands over (`handover_s`, default
    the same). Returns start → first step p50 and max over the students (an event simulation of
    the server's scheduler)."""
    handover_s = startup_s if handover_s is None else handover_s
    free_at = [0.0] * slots  # when each slot is free again
    used = [False] * slots
    waits = []
    for _ in range(students):
        k = min(range(slots), key=lambda i: free_at[i])
        first_step = free_at[k] + (handover_s if used[k] else startup_s)
        used[k] = True
        waits.append(first_step)
        free_at[k] = first_step + turn_s
    waits.sort()
    return {"p50": waits[len(waits) // 2], "max": waits[-1]}


def simulation_table(
    startup_s: float, server_cpu_per_session: float, per_cpu_steps: float, handover_s: float | None = None
) -> tuple[str, list[dict]]:
    handover_s = startup_s if handover_s is None else handover_s
    rows, data = [], []
    for workers in SIM_WORKERS:
        slots = workers * WORKER_CPUS
        for students in SIM_STUDENTS:
            r = simulate(students, slots, startup_s, TURN_SECONDS, handover_s)
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
        note=f"from this run's measurements: a new actor's start-up {startup_s:.1f} s and a handover from a "
        f"paused run {handover_s:.1f} s (admission → first step, idle cluster), "
        f"{per_cpu_steps:.0f} steps/s per run per CPU, {server_cpu_per_session:.3f} server cores per open session "
        "(the Streamlit process on the Ray backend: pages and polling, scaled linearly); everyone presses Start "
        "at once, FIFO with turns as the server's scheduler does. The thread backend on one 2-core laptop is "
        "the 2-slot case with ~0 s start-up.",
    )
    return text, data


def measure_startup(repeats: int = 3) -> dict[str, float]:
    """On the idle cluster (this process is the driver): admission → first step for a run whose
    actor must start (a fresh process: import torch, build the run), and for one that takes the
    actor of a paused run (both CPUs held by paused runs: the handover of a turn)."""
    from classroom.slots import Scheduler
    from gan_core.presets import get_preset
    from gan_core.runs.cluster.ray_run import RayRun

    config = get_preset(PRESET).config

    def first_step(run: RayRun) -> float:
        t0 = time.monotonic()
        run.start()
        while run.snapshot().step == 0 and time.monotonic() - t0 < 120:
            time.sleep(0.05)
        return time.monotonic() - t0

    cold, handover = [], []
    for _ in range(repeats):
        import ray

        scheduler = Scheduler(4, turn_seconds=None)
        holders = [RayRun(config, admission=scheduler) for _ in range(2)]  # they take both CPUs...
        fresh = RayRun(config, admission=scheduler)  # ...so this one has no actor yet
        for h in holders:
            h.stop()  # their actors end: the CPUs are free again
        deadline = time.monotonic() + 30
        while ray.available_resources().get("CPU", 0) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        cold.append(first_step(fresh))
        fresh.pause()
        other = RayRun(config, admission=scheduler)
        other.start()
        while other.snapshot().step == 0:
            time.sleep(0.05)
        other.pause()
        late = RayRun(config, admission=scheduler)  # both CPUs held by paused runs
        handover.append(first_step(late))
        for run in (fresh, other, late):
            run.stop()
    return {"cold_start_s": median(cold), "handover_s": median(handover), "cold": cold, "handovers": handover}


# --- the whole run -------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.cluster", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=75.0)
    parser.add_argument("--no-streaming", action="store_true")
    parser.add_argument("--only-ray", action="store_true", help="skip the thread backend (a quick look)")
    parser.add_argument(
        "--startup-only",
        type=Path,
        default=None,
        help="only measure actor start-up and handover, then redo the simulation of this cluster.json",
    )
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
    out: dict[str, Any] = {"machine": machine, "params": {k: str(v) for k, v in vars(args).items()}}
    if args.startup_only is not None:
        return _startup_only(args.startup_only)
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
        log("cluster: actor start-up and handover on the idle cluster …")
        out["startup"] = measure_startup()
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
    out["table"] = text
    _simulate(out, args.sessions)
    path = write_json(args.out, "cluster", out)
    log(f"cluster: wrote {os.path.relpath(path)}")
    return 0


def _simulate(out: dict[str, Any], sessions: int) -> None:
    """The simulation from this run's per-run costs (printed and kept in `out`)."""
    r, st = out["ray"], out["startup"]
    per_cpu = r.get("steps_per_s_while_training_p50") or math.nan
    server_per_session = (r.get("server_cpu_cores") or 0.0) / max(1, sessions)
    sim_text, sim = simulation_table(st["cold_start_s"], server_per_session, per_cpu, st["handover_s"])
    print(sim_text)
    out.update(simulation=sim, simulation_table=sim_text)


def _startup_only(path: Path) -> int:
    from tests.ray_cluster import local_cluster

    out = json.loads(path.read_text())
    with local_cluster(connect=True):
        out["startup"] = measure_startup()
    log(f"cluster: start-up {out['startup']}")
    _simulate(out, int(out["params"].get("sessions", 10)))
    path.write_text(json.dumps(out, indent=2, default=str))
    log(f"cluster: updated {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
