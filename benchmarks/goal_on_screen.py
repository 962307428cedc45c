"""Benchmark 10, a preset's goal on screen: seconds from ▶ Start to the moment the page shows the goal:
Fashion-MNIST's ≥ 9/10 classes at mean confidence ≥ 0.8 on the Image GAN page (issue 26's teacher, who
watches the page, not a log), and grid25's 25/25 modes with ≥ 85 % HQ on the playground (issue 28).

    python -m benchmarks.goal_on_screen --presets grid25 --seeds 0-2

Per preset and seed (default 0, 1, 2), in one run of the benchmark (fashion described; grid25 alike,
reading the playground's metric tiles, which sit in view at the top):

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

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.browser import LAPTOP_VIEWPORT, Server, click_sidebar_button, new_page, open_app_page, pause_and_wait
from benchmarks.common import ROOT, log, median, parse_seeds, table
from benchmarks.quality import Goal, goal_for


@dataclass(frozen=True)
class ScreenGoal:
    """A preset's goal (benchmarks.quality's, the same keys and bars) as its page shows it."""

    goal: Goal
    page: str  # the page's URL path
    names: tuple[str, str]  # the goal's two numbers, as the table names them
    target_s: float  # on screen, from ▶ Start
    watch_js: str  # installs window.__goal's timer; returns false when the page lacks what it reads
    shown: str  # where on the page the goal is read
    ready_js: str | None = None  # what to wait for before installing the timer (None: nothing)

    @property
    def preset(self) -> str:
        return self.goal.preset


# A timer in the page reads the goal's two numbers every 0.1 s (READ: a function returning
# [[value, value], step], or null while there is nothing to read) and notes when both first meet
# their bars. SETUP runs once and may return false: the page lacks what READ reads.
_TIMER_JS = """([title, bars]) => {
  SETUP
  const w = window.__goal = {seenAt: null, step: null, values: [null, null]};
  const read = READ;
  w.timer = setInterval(() => {
    const got = read();
    if (!got) return;
    [w.values, w.step] = got;
    if (w.seenAt === null && w.values[0] >= bars[0] && w.values[1] >= bars[1]) {
      w.seenAt = performance.now();
      clearInterval(w.timer);
    }
  }, 100);
  return true;
}"""

# Image GAN: the quality chart's last classes-covered and confidence points, as Plotly drew them.
QUALITY_TITLE = "Classes covered and classifier confidence"  # figures.quality.digits_quality_figure
_FIND_CHART = """Array.from(document.querySelectorAll('div.gx-live-chart')).find(
    (d) => d.__gxPending && JSON.parse(d.__gxPending).layout.title.text.startsWith(title))"""
_CHART_JS = _TIMER_JS.replace(
    "SETUP",
    f"""const gd = {_FIND_CHART};
  if (!gd) return false;
  gd.scrollIntoView({{block: 'center'}});""",
).replace(
    "READ",
    """() => {
    const data = gd._fullData;
    if (!data || data.length < 2 || !data[0].y || !data[0].y.length) return null;
    const last = (a) => a[a.length - 1];
    return [[last(data[0].y), last(data[1].y)], last(data[0].x)];
  }""",
)

# Playground: the "Modes covered" and "High-quality %" tiles, as the page prints them (HQ in whole
# percent, so a goal of 85 % shows at 84.5 %: what a teacher reading the tile sees).
_TILES_JS = _TIMER_JS.replace(
    "SETUP",
    """const tile = (label) => Array.from(document.querySelectorAll("[data-testid='stMetric']"))
    .map((e) => e.innerText).find((t) => t.startsWith(label));""",
).replace(
    "READ",
    """() => {
    const modes = tile('Modes covered'), hq = tile('High-quality'), step = tile('Step');
    const m = modes && modes.match(/(\\d+)\\/(\\d+)/), h = hq && hq.match(/([\\d.]+)%/);
    if (!m || !h) return null;
    return [[+m[1], +h[1] / 100], step ? +step.replace(/[^0-9]/g, '') : null];
  }""",
)

GOALS: dict[str, ScreenGoal] = {
    "fashion": ScreenGoal(
        goal_for("fashion"),
        "image-gan",
        ("classes", "confidence"),
        45.0,  # issue 26, seeds 0-2, on the 2-core AMD EPYC host
        _CHART_JS,
        "the quality chart scrolled into view",
        ready_js=f"(title) => Boolean({_FIND_CHART})",  # the live charts mount after the page's first run
    ),
    "grid25": ScreenGoal(
        goal_for("grid25"),
        "playground",
        ("modes", "HQ"),
        60.0,  # issue 28
        _TILES_JS,
        "the metric tiles (in view at the top)",
    ),
}

_HEADLESS = r"""
import json, sys, time
preset, seed, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
keys, bars = json.loads(sys.argv[4]), json.loads(sys.argv[5])
import torch
torch.set_num_threads(1)
from classroom.slots import Scheduler
from gan_core.presets import get_preset
from gan_core.runs.runner import TrainingRun
run = TrainingRun(get_preset(preset).config.replace(seed=seed), admission=Scheduler(2))
t0 = time.monotonic()
run.start()
seen = None
while time.monotonic() - t0 < limit:
    snap = run.snapshot()
    m = snap.metrics
    if all(m.get(k, 0) >= bar for k, bar in zip(keys, bars)):
        seen = {"seconds": time.monotonic() - t0, "step": int(snap.metric_history["step"][-1])}
        break
    time.sleep(0.05)
run.stop()
print(json.dumps(seen))
"""


_READ_JS = "() => ({seenAt: window.__goal.seenAt, step: window.__goal.step, values: window.__goal.values})"


def headless_seconds(goal: ScreenGoal, seed: int, limit: float, root: Path) -> dict[str, Any] | None:
    out = subprocess.run(
        [
            sys.executable,
            "-c",
            _HEADLESS,
            goal.preset,
            str(seed),
            str(limit),
            json.dumps(goal.goal.keys),
            json.dumps(goal.goal.bars),
        ],
        cwd=root,
        env=dict(os.environ, PYTHONPATH=str(root)),
        capture_output=True,
        text=True,
        timeout=limit + 120,
    )
    if out.returncode != 0:
        raise RuntimeError(f"headless {goal.preset} seed {seed} failed: {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def on_screen_seconds(browser, server: Server, goal: ScreenGoal, seed: int, limit: float) -> dict[str, Any]:
    with new_page(browser, LAPTOP_VIEWPORT) as page:
        open_app_page(page, f"{server.url}/{goal.page}?preset={goal.preset}&seed={seed}")
        if goal.ready_js:
            page.wait_for_function(goal.ready_js, arg=QUALITY_TITLE, timeout=60_000)
        if not page.evaluate(goal.watch_js, [QUALITY_TITLE, list(goal.goal.bars)]):
            raise RuntimeError(f"/{goal.page} shows no quality chart for {goal.preset}")
        started = page.evaluate("() => performance.now()")
        click_sidebar_button(page, "▶ Start")
        deadline = time.monotonic() + limit
        seen = page.evaluate("() => window.__goal")
        while seen["seenAt"] is None and time.monotonic() < deadline:
            time.sleep(0.5)
            seen = page.evaluate(_READ_JS)
        pause_and_wait(page, server)
    seconds = (seen["seenAt"] - started) / 1000 if seen["seenAt"] is not None else None
    return {"seconds": seconds, "step": seen["step"], **dict(zip(goal.names, seen["values"]))}


def run(
    quick: bool = False,
    seeds: Sequence[int] = (0, 1, 2),
    out_dir=None,
    app_options: dict[str, str] | None = None,
    app_root: Path | None = None,
    presets: Sequence[str] = tuple(GOALS),
) -> dict[str, Any]:
    from benchmarks.browser import launch_chromium

    seeds = seeds[:1] if quick else seeds
    root = Path(app_root or ROOT).resolve()
    results = []
    log_path = (out_dir / "server-goal-on-screen.log") if out_dir is not None else None
    env = {"PYTHONPATH": str(root)}
    with Server(root=root, log_path=log_path, options=app_options, env=env) as server, launch_chromium() as browser:
        for goal in (GOALS[p] for p in presets):
            limit = goal.target_s * (4 / 3 if quick else 8 / 3)
            for seed in seeds:
                server.wait_quiet()
                log(f"{goal.preset} goal on screen, seed {seed} …")
                seen = on_screen_seconds(browser, server, goal, seed, limit)
                server.wait_quiet()
                log(f"{goal.preset} goal headless, seed {seed} …")
                alone = headless_seconds(goal, seed, limit, root)
                results.append({"preset": goal.preset, "seed": seed, "on_screen": seen, "headless": alone})
                log(f"{goal.preset} seed {seed}: on screen {seen['seconds']}, headless {alone and alone['seconds']}")

    def secs(r: dict | None) -> str:
        return f"{r['seconds']:.1f} s (step {r['step']:,.0f})" if r and r.get("seconds") is not None else "not reached"

    texts, met = [], {}
    for preset in presets:
        goal, per = GOALS[preset], [r for r in results if r["preset"] == preset]
        shown = [r["on_screen"]["seconds"] for r in per if r["on_screen"]["seconds"] is not None]
        met[preset] = len(shown) == len(per) and max(shown) <= goal.target_s
        texts.append(
            table(
                f"10. {preset}'s goal on screen: ▶ Start → /{goal.page} shows {goal.names[0]} ≥ {goal.goal.bars[0]:g} "
                f"and {goal.names[1]} ≥ {goal.goal.bars[1]:g} (target ≤ {goal.target_s:g} s on every seed)",
                ["seed", "on screen (Chromium on the same machine)", "headless TrainingRun"],
                [(r["seed"], secs(r["on_screen"]), secs(r["headless"])) for r in per],
                note=f"median on screen {median(shown):.1f} s; target met: {met[preset]}; Chromium at "
                f"{LAPTOP_VIEWPORT['width']}x{LAPTOP_VIEWPORT['height']} reading {goal.shown}; app served from {root}.",
            )
        )
    return {
        "name": "goal-on-screen",
        "params": {"seeds": list(seeds), "presets": list(presets), "app_root": str(root), "viewport": LAPTOP_VIEWPORT},
        "target": {p: GOALS[p].target_s for p in presets},
        "met": all(met.values()),
        "results": results,
        "table": "\n".join(texts),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.goal_on_screen", description=__doc__.splitlines()[0])
    parser.add_argument("--presets", default=",".join(GOALS), help=f"comma-separated, of {', '.join(GOALS)}")
    parser.add_argument("--seeds", type=parse_seeds, default=(0, 1, 2), help="e.g. 0-2 or 0,3")
    parser.add_argument("--app-root", type=Path, default=None, help="serve and train another checkout")
    args = parser.parse_args(argv)
    print(run(seeds=args.seeds, app_root=args.app_root, presets=[p for p in args.presets.split(",") if p])["table"])


if __name__ == "__main__":
    main()
