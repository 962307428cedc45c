"""Benchmark 10, Fashion-MNIST's goal on screen: seconds from ▶ Start to the moment the Image GAN page
shows ≥ 9/10 classes at mean confidence ≥ 0.8 (issue 26's teacher, who watches the page, not a log).

Per seed (default 0, 1, 2), in one run of the benchmark:

- on screen: `streamlit run app.py`, a fresh headless-Chromium session at 1400x1000 on the same
  machine opens `/image-gan?preset=fashion&seed=S`, scrolls the "Classes covered and classifier
  confidence" chart into view (where a teacher waiting for the goal looks), notes the page clock and
  presses ▶ Start. A timer in the page reads the chart as drawn (its last classes-covered and
  confidence points) every 0.1 s; the goal is seen at the first draw that meets both bars.
- headless: the same preset and seed in the app's own TrainingRun with nobody watching, in a process
  of its own: seconds from start() to the first snapshot whose newest quality score meets the goal
  (what benchmarks/fashion.py times, the scores' once-a-second clock included).

`app_root` serves and trains an older checkout (old and new code in one sitting).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.browser import LAPTOP_VIEWPORT, Server, click_sidebar_button, new_page, open_app_page, pause_and_wait
from benchmarks.common import ROOT, log, median, table

GOAL_CLASSES, GOAL_CONFIDENCE = 9, 0.8  # benchmarks.fashion.BARS["goal"]
TARGET_SECONDS = 45.0  # issue 26, seeds 0-2, on the 2-core AMD EPYC host
QUALITY_TITLE = "Classes covered and classifier confidence"  # figures.quality.digits_quality_figure

_WATCH_JS = """([title, classes, confidence]) => {
  const chart = () => Array.from(document.querySelectorAll('div.gx-live-chart')).find(
    (d) => d.__gxPending && JSON.parse(d.__gxPending).layout.title.text.startsWith(title));
  const gd = chart();
  if (!gd) return false;
  gd.scrollIntoView({block: 'center'});
  const w = window.__goal = {seenAt: null, step: null, classes: null, confidence: null, draws: 0};
  w.timer = setInterval(() => {
    const data = gd._fullData;
    if (!data || data.length < 2 || !data[0].y || !data[0].y.length) return;
    const last = (a) => a[a.length - 1];
    w.classes = last(data[0].y); w.confidence = last(data[1].y); w.step = last(data[0].x);
    if (w.seenAt === null && w.classes >= classes && w.confidence >= confidence) {
      w.seenAt = performance.now();
      clearInterval(w.timer);
    }
  }, 100);
  return true;
}"""

_HEADLESS = r"""
import json, sys, time
seed, limit = int(sys.argv[1]), float(sys.argv[2])
import torch
torch.set_num_threads(1)
from classroom.slots import Scheduler
from gan_core.presets import get_preset
from gan_core.runs.runner import TrainingRun
run = TrainingRun(get_preset("fashion").config.replace(seed=seed), admission=Scheduler(2))
t0 = time.monotonic()
run.start()
seen = None
while time.monotonic() - t0 < limit:
    snap = run.snapshot()
    m = snap.metrics
    if m.get("class_coverage", 0) >= %d and m.get("mean_confidence", 0) >= %r:
        seen = {"seconds": time.monotonic() - t0, "step": int(snap.metric_history["step"][-1])}
        break
    time.sleep(0.05)
run.stop()
print(json.dumps(seen))
""" % (GOAL_CLASSES, GOAL_CONFIDENCE)


def headless_seconds(seed: int, limit: float, root: Path) -> dict[str, Any] | None:
    out = subprocess.run(
        [sys.executable, "-c", _HEADLESS, str(seed), str(limit)],
        cwd=root,
        env=dict(os.environ, PYTHONPATH=str(root)),
        capture_output=True,
        text=True,
        timeout=limit + 120,
    )
    if out.returncode != 0:
        raise RuntimeError(f"headless fashion seed {seed} failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def on_screen_seconds(browser, server: Server, seed: int, limit: float) -> dict[str, Any]:
    with new_page(browser, LAPTOP_VIEWPORT) as page:
        open_app_page(page, f"{server.url}/image-gan?preset=fashion&seed={seed}")
        page.wait_for_function(  # the live charts mount after the page's first run
            """(title) => Array.from(document.querySelectorAll('div.gx-live-chart')).some(
                 (d) => d.__gxPending && JSON.parse(d.__gxPending).layout.title.text.startsWith(title))""",
            arg=QUALITY_TITLE,
            timeout=60_000,
        )
        if not page.evaluate(_WATCH_JS, [QUALITY_TITLE, GOAL_CLASSES, GOAL_CONFIDENCE]):
            raise RuntimeError("the Image GAN page shows no quality chart for Fashion-MNIST")
        started = page.evaluate("() => performance.now()")
        click_sidebar_button(page, "▶ Start")
        deadline = time.monotonic() + limit
        goal = page.evaluate("() => window.__goal")
        while goal["seenAt"] is None and time.monotonic() < deadline:
            time.sleep(0.5)
            goal = page.evaluate(
                "() => ({seenAt: window.__goal.seenAt, step: window.__goal.step, "
                "classes: window.__goal.classes, confidence: window.__goal.confidence})"
            )
        pause_and_wait(page, server)
    seconds = (goal["seenAt"] - started) / 1000 if goal["seenAt"] is not None else None
    return {"seconds": seconds, "step": goal["step"], "classes": goal["classes"], "confidence": goal["confidence"]}


def run(
    quick: bool = False,
    seeds: Sequence[int] = (0, 1, 2),
    out_dir=None,
    app_options: dict[str, str] | None = None,
    app_root: Path | None = None,
) -> dict[str, Any]:
    from benchmarks.browser import launch_chromium

    seeds = seeds[:1] if quick else seeds
    limit = 60.0 if quick else 120.0
    root = Path(app_root or ROOT).resolve()
    results = []
    log_path = (out_dir / "server-goal-on-screen.log") if out_dir is not None else None
    env = {"PYTHONPATH": str(root)}
    with Server(root=root, log_path=log_path, options=app_options, env=env) as server, launch_chromium() as browser:
        for seed in seeds:
            server.wait_quiet()
            log(f"fashion goal on screen, seed {seed} …")
            seen = on_screen_seconds(browser, server, seed, limit)
            server.wait_quiet()
            log(f"fashion goal headless, seed {seed} …")
            alone = headless_seconds(seed, limit, root)
            results.append({"seed": seed, "on_screen": seen, "headless": alone})
            log(f"seed {seed}: on screen {seen['seconds']}, headless {alone and alone['seconds']}")

    def secs(r: dict | None) -> str:
        return f"{r['seconds']:.1f} s (step {r['step']:,.0f})" if r and r.get("seconds") is not None else "not reached"

    rows = [(r["seed"], secs(r["on_screen"]), secs(r["headless"])) for r in results]
    shown = [r["on_screen"]["seconds"] for r in results if r["on_screen"]["seconds"] is not None]
    met = len(shown) == len(results) and max(shown) <= TARGET_SECONDS
    text = table(
        f"10. Fashion-MNIST's goal on screen: ▶ Start → the page shows ≥ {GOAL_CLASSES}/10 classes at "
        f"confidence ≥ {GOAL_CONFIDENCE} (target ≤ {TARGET_SECONDS:g} s on every seed)",
        ["seed", "on screen (Chromium on the same machine)", "headless TrainingRun"],
        rows,
        note=f"median on screen {median(shown):.1f} s; target met: {met}; Chromium at "
        f"{LAPTOP_VIEWPORT['width']}x{LAPTOP_VIEWPORT['height']} with the quality chart scrolled into view; "
        f"app served from {root}.",
    )
    return {
        "name": "goal-on-screen",
        "params": {"seeds": list(seeds), "limit_s": limit, "app_root": str(root), "viewport": LAPTOP_VIEWPORT},
        "target": {"seconds": TARGET_SECONDS},
        "met": met,
        "results": results,
        "table": text,
    }
