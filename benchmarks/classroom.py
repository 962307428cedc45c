"""Classroom load test: N students open the app at once on one server and each starts a run.

    python -m benchmarks.classroom --sessions 30            # the recorded run: 30 sessions, 8 minutes
    python -m benchmarks.classroom --sessions 5 --seconds 60 # a quick look

Starts `streamlit run app.py` on a loopback port with the app's own defaults (training cap =
cores, 30 s turns; `--cap` / `--turn` override them), opens N browser contexts (= N Streamlit
sessions) in one headless Chromium, all at once, presses ▶ Start in each, then watches for
`--seconds`. Everything per page is recorded inside the page, so the driver does not poll:

- refreshes: a WebSocket wrapper (installed before Streamlit loads) decodes the top-level
  fields of each ForwardMsg and timestamps every `script_finished`, i.e. every completed
  fragment or full rerun: the page refresh intervals (p50/p95) and bytes/s per session;
- steps: the sidebar's "step N" at every change (the StepRecorder's MutationObserver): steps/s
  per run while it trains and averaged over the whole window (its fair share);
- errors: uncaught page errors, console errors, `stException` elements, lost connections.

Sampled by the driver every 2 s: the server's RSS and CPU, the whole machine's CPU, Chromium's
CPU (it shares the cores on loopback; in a real class it runs on the students' machines).
After the window all sessions close, and a fresh session reads the server's own count of
training threads, which must be back to 0 (nothing leaks).
"""

from __future__ import annotations

import argparse
import math
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.browser import SIDEBAR, VIEWPORT, Server, StepRecorder, launch_chromium, sidebar_text
from benchmarks.common import DEFAULT_OUT, fmt, load_average, log, machine_info, median, table, wait_until, write_json
from benchmarks.procfs import CpuMeter, rss_mib

# Installed in every page before Streamlit's own scripts: timestamps each completed script run
# (ForwardMsg field 6, script_finished) and counts bytes, by reading the protobuf's top-level
# fields (tag varints; length-delimited fields are skipped, never decoded).
_WS_RECORDER_JS = r"""
(() => {
  const Native = window.WebSocket;
  const rec = window.__gbws = {finished: [], bytes: 0, messages: 0, closed: 0};
  const scriptFinished = (buf) => {
    const b = new Uint8Array(buf);
    let i = 0;
    const varint = () => {
      let v = 0, s = 0, c;
      do { c = b[i++]; v += (c & 0x7f) * Math.pow(2, s); s += 7; } while (c & 0x80 && i < b.length);
      return v;
    };
    while (i < b.length) {
      const tag = varint(), field = Math.floor(tag / 8), wire = tag & 7;
      if (wire === 0) { const v = varint(); if (field === 6) return v; }
      else if (wire === 2) { i += varint(); }
      else if (wire === 1) { i += 8; }
      else if (wire === 5) { i += 4; }
      else return null;
    }
    return null;
  };
  function Wrapped(...args) {
    const ws = new Native(...args);
    ws.addEventListener('message', (ev) => {
      rec.messages += 1;
      const data = ev.data;
      if (data instanceof ArrayBuffer) {
        rec.bytes += data.byteLength;
        const status = scriptFinished(data);
        if (status !== null) rec.finished.push([performance.now(), status]);
      } else if (data && data.size !== undefined) { rec.bytes += data.size; }
    });
    ws.addEventListener('close', () => { rec.closed += 1; });
    return ws;
  }
  Wrapped.prototype = Native.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Wrapped[k] = Native[k];
  window.WebSocket = Wrapped;
})();
"""

PROBE_RE = re.compile(r"/[^/]+/_stcore/(health|host-config)$")
QUEUE_RE = re.compile(r"(\d+) of (\d+) training slots busy · (\d+) queued · (\d+) training (?:thread|actor)")


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


class Student:
    """One browser context = one Streamlit session, with its in-page recorders."""

    def __init__(self, browser, index: int) -> None:
        self.index = index
        self.context = browser.new_context(viewport=VIEWPORT)
        self.context.add_init_script(_WS_RECORDER_JS)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        # Failed requests are logged with their URL; the console's copy of them says less.
        self.page.on("response", self._response)
        self.page.on(
            "console",
            lambda msg: (
                msg.type == "error"
                and not msg.text.startswith("Failed to load resource")
                and self.errors.append(f"console: {msg.text[:200]}")
            ),
        )
        self.recorder: StepRecorder | None = None
        self.opened_s = float("nan")
        self.clicked_at = float("nan")

    def _response(self, response) -> None:
        # On a page URL (/playground) Streamlit's frontend first probes /playground/_stcore/health
        # and host-config to find the server's base path; those 404s are expected, not errors.
        if response.status >= 400 and not (response.status == 404 and PROBE_RE.search(response.url)):
            self.errors.append(f"HTTP {response.status}: {response.url}")

    def go(self, url: str) -> None:
        self.page.goto(url, wait_until="commit", timeout=120_000)

    def wait_loaded(self, t0: float) -> None:
        self.page.wait_for_selector(f"{SIDEBAR} >> text=/step [0-9]/", timeout=180_000)
        self.opened_s = time.monotonic() - t0
        self.recorder = StepRecorder(self.page)

    def press_start(self) -> None:
        self.page.locator(SIDEBAR).get_by_role("button", name="▶ Start").first.click(timeout=60_000)
        self.clicked_at = self.page.evaluate("() => performance.now()")

    def collect(self) -> dict[str, Any]:
        ws = self.page.evaluate("() => window.__gbws")
        steps = self.recorder.read()["status"] if self.recorder else []
        exceptions = self.page.locator("[data-testid='stException']").count()
        return {"ws": ws, "steps": steps, "exceptions": exceptions, "clicked_at": self.clicked_at}


def analyse_student(raw: dict[str, Any], t_start: float, t_end: float) -> dict[str, Any]:
    """Refresh intervals, bytes and training rates of one session inside [t_start, t_end] (page ms)."""
    # A page's fragments (sidebar status, live view) share one timer: script runs that finish
    # less than 150 ms apart are one refresh of the page.
    finished: list[float] = []
    for t, _status in raw["ws"]["finished"]:
        if t_start <= t <= t_end and (not finished or t - finished[-1] > 150):
            finished.append(t)
    intervals = [(b - a) / 1000 for a, b in zip(finished, finished[1:])]
    records = [(t, sum(s)) for t, s in raw["steps"]]
    window = [(t, s) for t, s in records if t_start <= t <= t_end]
    # Rate during a turn: only intervals inside a streak of increases count (the first and last
    # interval of a turn also contain waiting time).
    deltas = [(sb - sa, (tb - ta) / 1000) for (ta, sa), (tb, sb) in zip(window, window[1:])]
    train_steps = train_time = 0.0
    for i in range(1, len(deltas) - 1):
        if deltas[i - 1][0] > 0 and deltas[i][0] > 0 and deltas[i + 1][0] > 0:
            train_steps += deltas[i][0]
            train_time += deltas[i][1]
    first_step_at = next((t for t, s in records if s > 0), None)
    span = (t_end - t_start) / 1000
    return {
        "refresh_intervals_s": intervals,
        "refreshes": len(finished),
        "steps_in_window": (window[-1][1] - window[0][1]) if len(window) >= 2 else 0,
        "steps_per_s_while_training": train_steps / train_time if train_time else float("nan"),
        "seconds_training": train_time,
        "share_steps_per_s": ((window[-1][1] - window[0][1]) / span) if len(window) >= 2 and span else 0.0,
        "start_to_first_step_s": (
            (first_step_at - raw["clicked_at"]) / 1000
            if first_step_at is not None and raw["clicked_at"] == raw["clicked_at"]
            else None
        ),
        "kib_per_s": raw["ws"]["bytes"] / 1024 / max(span, 1e-9),
        "exceptions": raw["exceptions"],
        "connections_closed": raw["ws"]["closed"],
    }


def server_counts(page) -> dict[str, int] | None:
    match = QUEUE_RE.search(sidebar_text(page))
    if not match:
        return None
    busy, slots, queued, threads = (int(g) for g in match.groups())
    return {"busy": busy, "slots": slots, "queued": queued, "threads": threads}


def server_env(cap: int | None, turn: float | None) -> dict[str, str]:
    """The server's admission settings; "" leaves the app's defaults (one slot per core, 30 s turns)."""
    return {
        "GAN_EXPLAINER_MAX_TRAINING": str(cap) if cap else "",
        "GAN_EXPLAINER_TURN_SECONDS": "" if turn is None else f"{turn:g}",
    }


def run(
    sessions: int = 30,
    seconds: float = 480.0,
    path: str = "playground",
    cap: int | None = None,
    turn: float | None = None,
    out_dir: Path | None = None,
) -> dict[str, Any]:
    log_path = (out_dir / "server-classroom.log") if out_dir is not None else None
    with Server(log_path=log_path, env=server_env(cap, turn), timeout=120) as server, launch_chromium() as browser:
        payload = measure(browser, server, sessions, seconds, path)
    payload["params"].update(cap=cap, turn_seconds=turn)
    return payload


def measure(browser, server: Server, sessions: int, seconds: float, path: str = "playground") -> dict[str, Any]:
    """The load run itself, on a started server and browser (the browser tests pass theirs)."""
    samples: list[dict[str, float]] = []
    server.wait_quiet()
    idle_rss = rss_mib(server.pid)
    log(f"classroom: {sessions} sessions open /{path} at once …")
    students = [Student(browser, i) for i in range(sessions)]
    t0 = time.monotonic()
    for s in students:
        s.go(f"{server.url}/{path}")
    for s in students:
        s.wait_loaded(t0)
    all_open_s = time.monotonic() - t0
    log(f"classroom: all {sessions} pages loaded after {all_open_s:.1f} s; pressing ▶ Start in each …")
    for s in students:
        s.press_start()
    # The window starts when every session has asked to train.
    starts = [s.page.evaluate("() => performance.now()") for s in students]
    meter_server = CpuMeter(server.pid).start()
    w0 = time.monotonic()
    counts: list[dict[str, int]] = []
    while time.monotonic() - w0 < seconds:
        time.sleep(2.0)
        samples.append({"t": time.monotonic() - w0, "rss_mib": rss_mib(server.pid)})
        if len(samples) % 15 == 0:  # every 30 s: the server's own slot/queue/thread counts
            c = server_counts(students[0].page)
            if c:
                counts.append({"t": samples[-1]["t"], **c})
                log(f"classroom: t={samples[-1]['t']:.0f} s, RSS {samples[-1]['rss_mib']:.0f} MiB, {c}")
    window = time.monotonic() - w0
    cpu = meter_server.stop()
    chromium_cores = cpu["chromium_cpu_cores"]
    ends = [s.page.evaluate("() => performance.now()") for s in students]
    raws = [s.collect() for s in students]
    errors = [e for s in students for e in s.errors]
    per = [analyse_student(r, a, b) for r, a, b in zip(raws, starts, ends)]
    log("classroom: closing every session …")
    for s in students:
        s.context.close()
    # A newcomer reads the server's counts: the closed sessions' runs must be gone.
    fresh = Student(browser, sessions)
    fresh.go(f"{server.url}/theory")
    fresh.wait_loaded(time.monotonic())
    after = wait_until(
        lambda: (c := server_counts(fresh.page)) and c["threads"] == 0 and c["busy"] == 0 and c,
        timeout=30,
        interval=1.0,
    ) or server_counts(fresh.page)
    fresh.context.close()
    rss_after_close = rss_mib(server.pid)

    intervals = [x for p in per for x in p["refresh_intervals_s"]]
    trained = [p for p in per if p["steps_in_window"] > 0]
    waits = [p["start_to_first_step_s"] for p in per if p["start_to_first_step_s"] is not None]
    results = {
        "sessions": sessions,
        "window_s": window,
        "page": path,
        "pages_loaded_after_s": all_open_s,
        "page_load_s_p50": median([s.opened_s for s in students]),
        "page_load_s_max": max(s.opened_s for s in students),
        "refresh_interval_s_p50": _percentile(intervals, 0.5),
        "refresh_interval_s_p95": _percentile(intervals, 0.95),
        "refreshes_per_s_per_session": median([p["refreshes"] / window for p in per]),
        "sessions_that_trained": len(trained),
        "steps_per_s_while_training_p50": median(
            [
                p["steps_per_s_while_training"]
                for p in trained
                if p["steps_per_s_while_training"] == p["steps_per_s_while_training"]
            ]
        ),
        "share_steps_per_s_p50": median([p["share_steps_per_s"] for p in per]),
        "share_steps_per_s_min": min((p["share_steps_per_s"] for p in per), default=float("nan")),
        "total_steps_per_s": sum(p["steps_in_window"] for p in per) / window,
        "start_to_first_step_s_p50": median(waits),
        "start_to_first_step_s_max": max(waits, default=float("nan")),
        "kib_per_s_per_session_p50": median([p["kib_per_s"] for p in per]),
        "server_rss_idle_mib": idle_rss,
        "server_rss_max_mib": max(x["rss_mib"] for x in samples),
        "server_rss_last_mib": samples[-1]["rss_mib"],
        "server_rss_after_close_mib": rss_after_close,
        "server_cpu_cores": cpu.get("process_cpu_fraction"),
        "machine_busy_fraction": cpu["machine_busy_fraction"],
        "chromium_cpu_cores": chromium_cores,
        "errors": len(errors),
        "exceptions_on_pages": sum(p["exceptions"] for p in per),
        "connections_closed": sum(p["connections_closed"] for p in per),
        "server_counts": counts,
        "after_close": after,
    }
    r = results
    rows = [
        ("sessions (all opened at once) / trained in the window", f"{sessions} / {r['sessions_that_trained']}"),
        (
            "page load p50 / max (s), all loaded after (s)",
            f"{fmt(r['page_load_s_p50'])} / {fmt(r['page_load_s_max'])}, {fmt(r['pages_loaded_after_s'])}",
        ),
        (
            "page refresh interval p50 / p95 (s)",
            f"{fmt(r['refresh_interval_s_p50'])} / {fmt(r['refresh_interval_s_p95'])}",
        ),
        ("refreshes per second per session (median)", fmt(r["refreshes_per_s_per_session"])),
        ("steps/s per run while it trains (median)", fmt(r["steps_per_s_while_training_p50"])),
        (
            "steps/s per run over the window: median / lowest",
            f"{fmt(r['share_steps_per_s_p50'])} / {fmt(r['share_steps_per_s_min'])}",
        ),
        ("steps/s, all runs together", fmt(r["total_steps_per_s"])),
        (
            "▶ Start → first step, p50 / max (s) (queue + turns)",
            f"{fmt(r['start_to_first_step_s_p50'])} / {fmt(r['start_to_first_step_s_max'])}",
        ),
        ("WebSocket KiB/s per session (median)", fmt(r["kib_per_s_per_session_p50"])),
        (
            "server RSS idle → max → last → after closing (MiB)",
            f"{fmt(idle_rss)} → {fmt(r['server_rss_max_mib'])} → {fmt(r['server_rss_last_mib'])} "
            f"→ {fmt(rss_after_close)}",
        ),
        (
            "server CPU (cores) / machine busy / Chromium CPU (cores)",
            f"{fmt(r['server_cpu_cores'])} / {fmt(r['machine_busy_fraction'])} / {fmt(chromium_cores)}",
        ),
        (
            "errors: page+console / exceptions shown / connections lost",
            f"{r['errors']} / {r['exceptions_on_pages']} / {r['connections_closed']}",
        ),
        (
            "after closing every session: training threads, busy slots",
            f"{(after or {}).get('threads')}, {(after or {}).get('busy')}",
        ),
    ]
    text = table(
        f"Classroom load: {sessions} sessions on /{path} for {window:.0f} s",
        ["measure", "value"],
        rows,
        note="One headless Chromium on the same 2 cores drives every session (loopback), so the server "
        "shares the machine with 30 rendering pages; in a class the browsers run elsewhere.",
    )
    return {
        "name": "classroom",
        "params": {"sessions": sessions, "seconds": seconds, "page": path},
        "results": {**results, "per_session": per, "rss_samples": samples, "error_messages": errors[:50]},
        "table": text,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.classroom", description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30, help="concurrent browser sessions (default 30)")
    parser.add_argument(
        "--seconds",
        type=float,
        default=480.0,
        help="how long to watch after every session pressed start (default 480: one full round "
        "of 30 s turns for 30 sessions on 2 slots)",
    )
    parser.add_argument("--page", default="playground", help="page every student opens (default playground)")
    parser.add_argument(
        "--cap",
        type=int,
        default=None,
        help="GAN_EXPLAINER_MAX_TRAINING for the server (default: the app's, one per core)",
    )
    parser.add_argument("--turn", type=float, default=None, help="GAN_EXPLAINER_TURN_SECONDS (default: the app's, 30)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder for classroom.json")
    args = parser.parse_args(argv)
    if args.sessions < 1 or args.seconds <= 0:
        parser.error("--sessions and --seconds must be positive")
    machine = machine_info()
    print(f"# GAN Explainer classroom load — {machine['date']}")
    print(
        f"{machine['cpu_model']} · {machine['cpu_count']} CPUs · {machine['mem_total_gib']} GiB · "
        f"Python {machine['python']} · torch {machine['torch']} · streamlit {machine['streamlit']}"
    )
    load = load_average()
    if load and load[0] > 0.5 * (machine["cpus_usable"] or 1):
        print(f"\n> WARNING: load average {load[0]:.1f} before starting: other work is running.")
    started = time.monotonic()
    payload = run(args.sessions, args.seconds, args.page.strip("/"), args.cap, args.turn, args.out)
    payload.update(machine=machine, seconds=round(time.monotonic() - started, 1), load_average_after=load_average())
    print(payload["table"])
    path = write_json(args.out, "classroom", payload)
    log(f"classroom: wrote {os.path.relpath(path)}")
    r = payload["results"]
    return 1 if (r["errors"] or r["exceptions_on_pages"] or (r["after_close"] or {}).get("threads")) else 0


if __name__ == "__main__":
    sys.exit(main())
