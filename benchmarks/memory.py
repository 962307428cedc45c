"""Benchmark 5, memory: the server's resident memory while a browser watches training.

Starts the app server, records its RSS idle, opens the 2D playground in headless Chromium,
presses ▶ Start and samples VmRSS of the server process (from /proc, psutil is not needed)
every `interval` seconds for `duration` seconds (600 s in the full run). Reported: idle,
first, last and max RSS, and the least-squares slope after a warm-up (the first 20 % of the
samples: imports, caches and the first figures legitimately allocate). "Flat" means the slope
projected over the measured span stays within max(20 MiB, 5 % of the first RSS).
The step counter is sampled alongside, to prove the run trained during the whole window.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks.browser import Server, click_sidebar_button, new_page, start_training
from benchmarks.common import linear_slope, log, table
from benchmarks.procfs import cpu_seconds, rss_mib

FLAT_MIB = 20.0
FLAT_FRACTION = 0.05


def sample_memory(
    browser, server: Server, duration: float, interval: float, path: str = "playground"
) -> dict[str, Any]:
    idle = rss_mib(server.pid)
    samples: list[dict[str, float]] = []
    with new_page(browser) as page:
        recorder = start_training(page, server, path)
        t0 = time.monotonic()
        c0 = cpu_seconds(server.pid)
        next_at = t0
        while True:
            now = time.monotonic()
            steps = recorder.current_steps() or [0]
            samples.append(
                {
                    "t": now - t0,
                    "rss_mib": rss_mib(server.pid),
                    "step": sum(steps),
                    "server_cpu_s": cpu_seconds(server.pid) - c0,
                }
            )
            if now - t0 >= duration:
                break
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))
        click_sidebar_button(page, "⏸ Pause")
    return {"idle_rss_mib": idle, "samples": samples}


def analyse(samples: list[dict[str, float]], idle: float) -> dict[str, Any]:
    rss = [s["rss_mib"] for s in samples]
    ts = [s["t"] for s in samples]
    warm = max(1, len(samples) // 5)
    tail_t, tail_rss = ts[warm:], rss[warm:]
    slope_per_s = linear_slope(tail_t, tail_rss)
    span = (tail_t[-1] - tail_t[0]) if len(tail_t) > 1 else 0.0
    projected = slope_per_s * span if span else float("nan")
    allowed = max(FLAT_MIB, FLAT_FRACTION * tail_rss[0]) if tail_rss else float("nan")
    steps = [s["step"] for s in samples]
    return {
        "idle_rss_mib": idle,
        "first_rss_mib": rss[0],
        "after_warmup_rss_mib": tail_rss[0] if tail_rss else None,
        "last_rss_mib": rss[-1],
        "max_rss_mib": max(rss),
        "slope_mib_per_min": slope_per_s * 60,
        "growth_over_span_mib": projected,
        "allowed_growth_mib": allowed,
        "flat": bool(projected <= allowed) if span else False,
        "duration_s": ts[-1],
        "steps_trained": steps[-1] - steps[0],
        "mean_steps_per_s": (steps[-1] - steps[0]) / ts[-1] if ts[-1] else float("nan"),
        "server_cpu_cores": samples[-1]["server_cpu_s"] / ts[-1] if ts[-1] else float("nan"),
    }


def run(quick: bool = False, out_dir=None, app_options: dict[str, str] | None = None) -> dict[str, Any]:
    from benchmarks.browser import launch_chromium

    duration, interval = (30.0, 2.0) if quick else (600.0, 10.0)
    log_path = (out_dir / "server-memory.log") if out_dir is not None else None
    log(f"memory: {duration:.0f} s of training on /playground with a browser attached …")
    with Server(log_path=log_path, options=app_options) as server, launch_chromium() as browser:
        server.wait_quiet()
        raw = sample_memory(browser, server, duration, interval)
    a = analyse(raw["samples"], raw["idle_rss_mib"])
    log(f"memory: {a['first_rss_mib']:.0f} → {a['last_rss_mib']:.0f} MiB, slope {a['slope_mib_per_min']:.2f} MiB/min")
    rows = [
        (
            "/playground (ring8)",
            a["duration_s"],
            a["idle_rss_mib"],
            a["first_rss_mib"],
            a["last_rss_mib"],
            a["max_rss_mib"],
            a["slope_mib_per_min"],
            a["growth_over_span_mib"],
            a["steps_trained"],
            a["flat"],
        )
    ]
    text = table(
        "5. Memory: server RSS while a browser watches training",
        [
            "page",
            "seconds",
            "idle MiB (no session)",
            "first MiB",
            "last MiB",
            "max MiB",
            "slope MiB/min",
            "growth after warm-up MiB",
            "steps trained",
            "flat",
        ],
        rows,
        note=f"sampled every {interval:g} s; slope fitted after the first 20 % of the samples; flat = growth "
        f"≤ max({FLAT_MIB:g} MiB, {FLAT_FRACTION:.0%} of RSS).",
    )
    return {
        "name": "memory",
        "params": {"duration_s": duration, "interval_s": interval, "app_options": app_options or {}},
        "results": {**a, "samples": raw["samples"]},
        "table": text,
    }
