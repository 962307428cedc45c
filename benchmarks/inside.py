"""Benchmark: what looking inside G and D costs training (issue 25), measured in one run.

The Inside G and D page, fashion preset, in headless Chromium against a live server. One run trains
throughout while the page's live section ("G and D, layer by layer") is closed and opened in turn,
`cycles` times each, a window of `window` seconds per state after a settle of `settle` seconds (the
switch's rerun and the first refresh are left out). Per window:

- steps/s: the sidebar's step counter (the run's own) over the window's wall time;
- the training thread's CPU (cores: 1.0 = a whole core) and steps per second of it, from
  /proc/PID/task/TID/schedstat (benchmarks.browser.TrainerMeter): on a machine that other work
  shares, wall-clock steps/s moves with their load, while steps per training-thread CPU second
  says whether the walk made each step dearer.

Alternating windows within one run spreads slow drifts (other work, the learning-rate decay) over
both states. The ratio open/closed is of the means over the windows.

A second table isolates the engine's share: the same preset's `TrainingRun` in this process, no
browser, with `look_inside` renewed twice a second (as the open page does) or not, in turn.

    python -m benchmarks.inside [--cycles 4] [--window 15]
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from benchmarks.browser import Server, address, launch_chromium, new_page, sidebar_steps
from benchmarks.common import DEFAULT_OUT, load_average, log, machine_info, table, write_json
from benchmarks.procfs import TrainerMeter

PATH = "inside?preset=fashion"
SECTION = "G and D, layer by layer (live)"


def _switch(page, want_open: bool) -> None:
    """Click the section's header and wait until the address bar says it is open (or closed)."""
    from tests.browser.helpers import set_expander, wait_idle, wait_until

    wait_idle(page)
    set_expander(page, SECTION, open=want_open)
    wait_idle(page)
    if not wait_until(lambda: ("look=0" in address(page)) != want_open, timeout=30):
        raise RuntimeError(f"the section did not {'open' if want_open else 'close'}: {address(page)}")


def _window(page, server: Server, seconds: float) -> dict[str, float]:
    meter = TrainerMeter(server.pid).start()
    t0, s0 = time.monotonic(), sum(sidebar_steps(page)[:1])
    page.wait_for_timeout(seconds * 1000)
    dt, steps = time.monotonic() - t0, sum(sidebar_steps(page)[:1]) - s0
    cpu = meter.stop()
    rate = steps / dt
    return {
        "steps_per_second": rate,
        "trainer_cpu_cores": cpu["trainer_cpu_cores"],
        "steps_per_trainer_cpu_second": rate / max(cpu["trainer_cpu_cores"], 1e-9),
    }


def headless(cycles: int, window: float) -> dict[str, list[dict[str, float]]]:
    """The training thread alone, walking or not: what computing the walk costs the engine."""
    import os

    from gan_core.presets import get_preset
    from gan_core.runs.runner import TrainingRun

    run = TrainingRun(get_preset("fashion").config)
    windows: dict[str, list[dict[str, float]]] = {"closed": [], "open": []}
    run.start()
    try:
        for _ in range(cycles):
            for state in ("closed", "open"):
                index = 3 if state == "open" else None
                run.look_inside(index)
                time.sleep(1.0)
                meter = TrainerMeter(os.getpid()).start()
                t0, s0 = time.monotonic(), run.snapshot().step
                while time.monotonic() - t0 < window:
                    time.sleep(0.5)
                    run.look_inside(index)  # the page's refresh; also the run's heartbeat
                rate = (run.snapshot().step - s0) / (time.monotonic() - t0)
                cores = meter.stop()["trainer_cpu_cores"]
                windows[state].append(
                    {"steps_per_second": rate, "trainer_cpu_cores": cores, "steps_per_trainer_cpu_second": rate / cores}
                )
                log(f"headless {state}: {windows[state][-1]}")
    finally:
        run.stop()
    return windows


def _summary(windows: dict[str, list[dict[str, float]]], title: str) -> tuple[dict, dict, str]:
    keys = ("steps_per_second", "trainer_cpu_cores", "steps_per_trainer_cpu_second")
    means = {state: {k: sum(w[k] for w in ws) / len(ws) for k in keys} for state, ws in windows.items()}
    ratios = {k: means["open"][k] / means["closed"][k] for k in keys}
    per_window = {state: ", ".join(f"{w['steps_per_second']:.1f}" for w in ws) for state, ws in windows.items()}
    rows = [[state, *(f"{means[state][k]:.3g}" for k in keys), per_window[state]] for state in ("closed", "open")]
    rows.append(["open / closed", *(f"{ratios[k]:.3f}" for k in keys), ""])
    columns = ["section", "steps/s", "training thread (cores)", "steps per training-CPU s", "steps/s per window"]
    return means, ratios, table(title, columns, rows)


def run(cycles: int = 4, window: float = 15.0, settle: float = 3.0, quick: bool = False) -> dict[str, Any]:
    if quick:
        cycles, window = 2, 8.0
    from tests.browser.helpers import click_sidebar_button, open_page, wait_until

    windows: dict[str, list[dict[str, float]]] = {"closed": [], "open": []}
    with Server() as server, launch_chromium() as browser, new_page(browser) as page:
        open_page(page, f"{server.url}/{PATH}")
        click_sidebar_button(page, "▶ Start")
        if not wait_until(lambda: sum(sidebar_steps(page)[:1]) > 50, timeout=90):
            raise RuntimeError("training did not start")
        for cycle in range(cycles):
            for state in ("closed", "open"):
                _switch(page, want_open=state == "open")
                page.wait_for_timeout(settle * 1000)
                windows[state].append(_window(page, server, window))
                log(f"cycle {cycle + 1}/{cycles} {state}: {windows[state][-1]}")
        click_sidebar_button(page, "⏸ Pause")

    means, ratios, browser_table = _summary(
        windows,
        f"Inside G and D, fashion preset, in the browser: the live section closed vs open, one run "
        f"({cycles} × {window:g} s each)",
    )
    engine = headless(cycles, window)
    engine_means, engine_ratios, engine_table = _summary(
        engine, f"The engine alone (no browser): look_inside off vs on, one run ({cycles} × {window:g} s each)"
    )
    return {
        "name": "inside",
        "cycles": cycles,
        "window_seconds": window,
        "windows": windows,
        "means": means,
        "ratios": ratios,
        "headless": {"windows": engine, "means": engine_means, "ratios": engine_ratios},
        "table": browser_table + "\n" + engine_table,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.inside", description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=4)
    parser.add_argument("--window", type=float, default=15.0)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    machine = machine_info()
    print(f"{machine['cpu_model']} · {machine['cpu_count']} CPUs · load average {load_average()}")
    payload = run(args.cycles, args.window, quick=args.quick)
    payload.update(machine=machine, load_average_after=load_average())
    print(payload["table"])
    log(f"wrote {write_json(DEFAULT_OUT, 'inside', payload)}")


if __name__ == "__main__":
    main()
