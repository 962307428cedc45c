"""Where a watched run's time goes: `python -m benchmarks.profile_watched [PAGE ...] [--seconds 20]`.

Not a benchmark with a target: the profile behind issue 26's changes, kept so it can be redone. For
each page (names as in benchmarks.streaming.LIVE_PAGES), `streamlit run app.py` and a headless
Chromium at 1400x1000 on the same machine, ▶ Start, a warm-up, then over one window:

- the server's CPU by thread (/proc): its training threads, its event loop (MainThread), and the
  rest (the page's script runs and the quality scoring, both in short-lived threads);
- py-spy (`pip install py-spy`; skipped without it), 50 samples/s, `--nonblocking` so the process is
  never paused: what each thread is doing while active, and with `--gil` which work holds the
  interpreter lock, both by activity (training step, quality scores, figure building, JSON for the
  live charts, PNG grids, Streamlit's own work);
- Chromium: CPU by process type (this benchmark's Chromium only) and a CDP sampling profile of the
  page's main thread by library (plotly.js, Streamlit's React bundle, native rendering, GC).

The windows are split in halves: py-spy's all-threads half, then its --gil half (the CDP profile runs
through both). Run it on a quiet machine for absolute numbers; shares within a thread hold up under
load better than rates do.
"""

from __future__ import annotations

import argparse
import collections
import json
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.browser import (
    LAPTOP_VIEWPORT,
    Server,
    launch_chromium,
    new_page,
    pause_and_wait,
    start_training,
)
from benchmarks.common import ROOT, log
from benchmarks.procfs import CLK_TCK, CpuMeter, _descendants
from benchmarks.streaming import BY_NAME, LIVE_PAGES

# Activity of a sample: the first rule (most specific first) that matches any of its frames.
ACTIVITIES = (
    ("digits_metrics", "quality scores (classifier, Fréchet distance)"),
    ("Scoring.run", "quality scores: G on 1,000 samples"),
    ("Evaluator._views_2d", "D's map, arrows, manifold"),
    ("Evaluator._toy_metrics", "toy quality metrics"),
    ("Evaluator._quick", "picture (G on the fixed noise)"),
    ("Evaluator.evaluate", "evaluation: G on the evaluation noise, other"),
    ("_make_snapshot", "publishing snapshots"),
    ("deepcopy", "checkpoint copies"),
    ("Trainer.step", "training step"),
    ("grid_png", "PNG grids"),
    ("figure_json", "live charts: JSON"),
    ("to_json", "live charts: JSON"),
    ("live_plotly", "live charts: Streamlit component"),
    ("figures/", "building figures"),
    ("sidebar", "sidebar status"),
    ("image_gan.py", "page script"),
    ("playground.py", "page script"),
    ("mode_collapse.py", "page script"),
    ("call_soon_threadsafe", "Streamlit: handing messages to the event loop"),
    ("websocket", "Streamlit: sending"),
    ("script_runner", "Streamlit: script run"),
    ("asyncio", "event loop"),
)


def _role(thread: str, stack: str) -> str:
    """The thread's job, read from its stack first: Linux reuses the ids of ended threads (a scoring
    thread's, a script run's), and py-spy may keep the first name it saw for an id."""
    if "ScriptRunner" in stack:
        return "page script runs"
    if "RunWorker._score (" in stack:
        return "scoring thread"
    if "RunWorker._loop (" in stack or thread.startswith("gan-train"):
        return "training thread"
    if thread == "MainThread" or "_run_server_loop" in stack:
        return "event loop (MainThread)"
    return "other threads"


def summarize_pyspy(path: Path) -> dict[str, dict[str, int]]:
    """{thread role: {activity: samples}} from py-spy's raw (collapsed) output."""
    out: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        head = frames[0]
        thread = head.split(": ", 1)[1] if ": " in head else ""
        body = ";".join(frames[1:])
        activity = next((label for key, label in ACTIVITIES if key in body), "other")
        out[_role(thread, stack)][activity] += int(count)
    return {role: dict(c.most_common()) for role, c in out.items()}


def _thread_cpu(pid: int) -> dict[str, tuple[str, float]]:
    found = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            stat = (task / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            found[task.name] = ((task / "comm").read_text().strip(), (int(fields[11]) + int(fields[12])) / CLK_TCK)
        except (OSError, ValueError):
            continue
    return found


def _chromium_by_type() -> collections.Counter:
    out: collections.Counter = collections.Counter()
    for pid in _descendants(__import__("os").getpid()):
        proc = Path(f"/proc/{pid}")
        try:
            if (proc / "comm").read_text().strip() not in ("chromium", "chrome", "headless_shell"):
                continue
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            kind = cmd.split("--type=", 1)[1].split()[0] if "--type=" in cmd else "browser"
            stat = (proc / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            out[kind] += (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (OSError, IndexError, ValueError):
            continue
    return out


def _cdp_categories(profile: dict) -> dict[str, float]:
    """Self time of the page's main thread by library (share of its busy time)."""
    nodes = {n["id"]: n for n in profile["nodes"]}
    parent = {c: n["id"] for n in profile["nodes"] for c in n.get("children", [])}
    totals: collections.Counter = collections.Counter()
    for sample, delta in zip(profile["samples"], profile["timeDeltas"], strict=False):
        chain, nid = [], sample
        while nid is not None:
            chain.append(nodes[nid]["callFrame"])
            nid = parent.get(nid)
        name = chain[0]["functionName"]
        if name in ("(idle)", "(program)", "(garbage collector)"):
            kind = {"(program)": "native rendering (style, layout, paint, decoding)"}.get(name, name)
        elif any("plotly" in f["url"] for f in chain):
            kind = "plotly.js"
        elif any(re.search(r"react-dom|emotion", f["url"]) for f in chain):
            kind = "Streamlit's React (re-render)"
        elif any(f["url"] for f in chain):
            kind = "Streamlit's other scripts (protobuf, elements)"
        else:
            kind = "other"
        totals[kind] += delta
    busy = sum(v for k, v in totals.items() if k != "(idle)") or 1
    out = {k: v / busy for k, v in totals.most_common() if k != "(idle)"}
    out["main thread busy (share of the window)"] = busy / max(sum(totals.values()), 1)
    return out


def profile_page(browser, server: Server, name: str, seconds: float, out: Path) -> dict[str, Any]:
    page_info = BY_NAME[name]
    spy = shutil.which("py-spy")
    with new_page(browser, LAPTOP_VIEWPORT) as page:
        recorder = start_training(page, server, page_info.url)
        time.sleep(5)
        cdp = page.context.new_cdp_session(page)
        cdp.send("Profiler.enable")
        cdp.send("Profiler.setSamplingInterval", {"interval": 1000})
        threads0, chromium0 = _thread_cpu(server.pid), _chromium_by_type()
        meter = CpuMeter(server.pid).start()
        steps0, t0 = sum(recorder.current_steps() or [0]), time.monotonic()
        cdp.send("Profiler.start")
        samples = {}
        for tag, extra in (("all", []), ("gil", ["--gil"])):
            if spy is None:
                time.sleep(seconds / 2)
                continue
            target = out / f"{name.replace(' ', '-')}-pyspy-{tag}.txt"
            cmd = [spy, "record", "-p", str(server.pid), "-r", "50", "-d", str(max(1, int(seconds / 2)))]
            cmd += ["--threads", "--nonblocking", "-f", "raw", "-o", str(target), *extra]
            subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
            if target.exists():
                samples[tag] = summarize_pyspy(target)
        cpu_profile = cdp.send("Profiler.stop")["profile"]
        dt = time.monotonic() - t0
        steps = sum(recorder.current_steps() or [0]) - steps0
        cpu = meter.stop()
        threads1, chromium1 = _thread_cpu(server.pid), _chromium_by_type()
        pause_and_wait(page, server)
    by_thread: collections.Counter = collections.Counter()
    for tid, (comm, seconds_now) in threads1.items():
        before = threads0.get(tid, (comm, 0.0))[1]
        role = "training threads" if comm.startswith("gan-train") else "MainThread" if tid == str(server.pid) else None
        if role:
            by_thread[role] += (seconds_now - before) / dt
    process = cpu["process_cpu_fraction"]
    by_thread["everything else (script runs, scoring, pools)"] = process - sum(by_thread.values())
    return {
        "page": name,
        "window_s": dt,
        "steps_per_s": steps / dt,
        "server_cpu_cores": process,
        "server_by_thread_cores": dict(by_thread),
        "chromium_cores": {k: (chromium1[k] - chromium0.get(k, 0.0)) / dt for k in chromium1},
        "machine_busy_fraction": cpu["machine_busy_fraction"],
        "pyspy_samples": samples,  # {"all"/"gil": {role: {activity: samples at 50/s over half the window}}}
        "browser_main_thread": _cdp_categories(cpu_profile),
    }


def render(result: dict[str, Any]) -> str:
    lines = [
        f"### {result['page']}: {result['steps_per_s']:.1f} steps/s watched, server {result['server_cpu_cores']:.2f} "
        f"cores, machine {100 * result['machine_busy_fraction']:.0f} % busy",
        "",
        "Server CPU by thread (cores): "
        + ", ".join(f"{k} {v:.2f}" for k, v in result["server_by_thread_cores"].items()),
        "",
        "Chromium CPU by process (cores): "
        + ", ".join(f"{k} {v:.2f}" for k, v in sorted(result["chromium_cores"].items(), key=lambda kv: -kv[1])),
        "",
        "Chromium's page main thread: "
        + ", ".join(f"{k} {100 * v:.0f} %" for k, v in result["browser_main_thread"].items()),
    ]
    for tag, title in (("all", "active"), ("gil", "holding the interpreter lock")):
        roles = result["pyspy_samples"].get(tag)
        if not roles:
            continue
        lines += ["", f"py-spy, samples per thread role {title} (50/s):", ""]
        for role, acts in sorted(roles.items(), key=lambda kv: -sum(kv[1].values())):
            total = sum(acts.values())
            top = ", ".join(f"{a} {100 * n / total:.0f} %" for a, n in list(acts.items())[:6])
            lines.append(f"- {role}: {total} ({top})")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_watched", description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="*", default=[p.name for p in LIVE_PAGES], help="LIVE_PAGES names")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "profiles")
    parser.add_argument("--app-root", type=Path, default=ROOT, help="profile the app of this checkout")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    root = args.app_root.resolve()
    results = []
    with (
        Server(root=root, log_path=args.out / "server.log", env={"PYTHONPATH": str(root)}) as server,
        launch_chromium() as browser,
    ):
        for name in args.pages:
            server.wait_quiet()
            log(f"profiling {name} …")
            results.append(profile_page(browser, server, name, args.seconds, args.out))
            print(render(results[-1]) + "\n", flush=True)
    (args.out / "profiles.json").write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
