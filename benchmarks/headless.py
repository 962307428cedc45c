"""How fast a page's run(s) train with nobody watching: the side the streaming ratio divides by.

Three kinds, each in processes of its own (never the benchmark's, which drives Playwright), from the
code of the app being measured (`root`, so an older checkout can be measured as it was):

- `cli`: what `python -m gan_core train` does while it trains: a bare `Trainer.step()` loop on one
  torch thread, no evaluation, no snapshots. One process per run, side by side, as two CLI runs in two
  terminals. This is the issue's headless number (issue 26).
- `threads`: the same bare loops, one thread per run, all in one process, as the app server holds
  its runs. Against `cli` it isolates what the interpreter lock costs runs that share a process (the
  lab's two): the work is the same, only the layout differs.
- `run`: the app's own `TrainingRun`(s), built as the app builds them (its default intervals: pictures
  twice a second, quality scores once a second, snapshots, checkpoints), with no reader but a
  heartbeat (`snapshot()` every 0.5 s). All of a page's runs in one process, as in the app server.

Rate = step-counter delta over the window / wall time, summed over the runs. Also measured: the
training threads' CPU (cores), the whole processes' CPU and the machine's busy share.
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

from benchmarks.common import ROOT

KINDS = ("cli", "threads", "run")

# Runs in the measured checkout (cwd and sys.path = root): only API every version of the app has.
_SCRIPT = r"""
import json, os, sys, threading, time
from pathlib import Path
kind, presets, warmup, window = sys.argv[1], sys.argv[2].split(","), float(sys.argv[3]), float(sys.argv[4])
import torch
torch.set_num_threads(1)
from gan_core.presets import get_preset
TICK = os.sysconf("SC_CLK_TCK")

def thread_cpu(prefix):
    total = 0.0
    for task in Path("/proc/self/task").iterdir():
        try:
            if (task / "comm").read_text().startswith(prefix):
                total += int((task / "schedstat").read_text().split()[0]) / 1e9
        except OSError:
            pass
    return total

if kind in ("cli", "threads"):
    from gan_core.trainer import Trainer
    trainers = [Trainer(get_preset(p).config) for p in presets]
    def steps():
        return sum(t.step_count for t in trainers)
    stop = threading.Event()
    def train(trainer):
        while not stop.is_set():
            trainer.step()
    workers = [threading.Thread(target=train, args=(t,), name="bare-loop") for t in trainers]
    for worker in workers:
        worker.start()
else:
    from classroom.slots import Scheduler
    from gan_core.runs.runner import TrainingRun
    runs = [TrainingRun(get_preset(p).config, admission=Scheduler(len(presets) + 2)) for p in presets]
    stop = threading.Event()
    def beat():
        while not stop.wait(0.5):
            for r in runs:
                r.snapshot()
    threading.Thread(target=beat, daemon=True).start()
    for r in runs:
        r.start()
    def steps():
        return sum(r.trainer.step_count for r in runs)
deadline = time.monotonic() + 60
while steps() == 0 and time.monotonic() < deadline:
    time.sleep(0.05)
time.sleep(warmup)
print("ready", flush=True)
sys.stdin.readline()  # "go": the windows of runs side by side start together
if kind in ("cli", "threads"):
    def trainer_cpu():
        return sum(int(Path(f"/proc/self/task/{w.native_id}/schedstat").read_text().split()[0]) for w in workers) / 1e9
else:
    def trainer_cpu():
        return thread_cpu("gan-train-")
def machine():
    parts = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(parts[:8]) - parts[3] - parts[4], sum(parts[:8])
s0, t0, c0, p0, m0 = steps(), time.perf_counter(), trainer_cpu(), time.process_time(), machine()
time.sleep(window)
s1, t1, c1, p1, m1 = steps(), time.perf_counter(), trainer_cpu(), time.process_time(), machine()
stop.set()
if kind in ("cli", "threads"):
    for worker in workers:
        worker.join()
else:
    for r in runs:
        r.stop()
dt = t1 - t0
print(json.dumps({"steps": s1 - s0, "seconds": dt, "steps_per_s": (s1 - s0) / dt,
                  "trainer_cpu_cores": (c1 - c0) / dt, "process_cpu_cores": (p1 - p0) / dt,
                  "machine_busy_fraction": (m1[0] - m0[0]) / max(m1[1] - m0[1], 1)}))
"""


def measure(kind: str, presets: Sequence[str], warmup: float, window: float, root: Path = ROOT) -> dict[str, Any]:
    """steps/s of `presets` trained headless the `kind` way (see the module docstring), summed."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    groups = [[p] for p in presets] if kind == "cli" else [list(presets)]  # one CLI process per run
    env = dict(os.environ, PYTHONPATH=str(root), PYTHONUNBUFFERED="1")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _SCRIPT, kind, ",".join(group), str(warmup), str(window)],
            cwd=root,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for group in groups
    ]
    started = time.monotonic()
    for proc in procs:  # built, training, warmed up
        if proc.stdout.readline().strip() != "ready":
            _, err = proc.communicate(timeout=60)
            raise RuntimeError(f"headless {kind} {presets} did not start: {err.strip()[-2000:]}")
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outs = []
    for proc in procs:
        out, err = proc.communicate(timeout=window + 120)
        if proc.returncode != 0:
            raise RuntimeError(f"headless {kind} {presets} failed ({proc.returncode}): {err.strip()[-2000:]}")
        outs.append(json.loads(out.strip().splitlines()[-1]))
    return {
        "kind": kind,
        "presets": list(presets),
        "steps_per_s": sum(o["steps_per_s"] for o in outs),
        "steps": sum(o["steps"] for o in outs),
        "window_s": max(o["seconds"] for o in outs),
        "trainer_cpu_cores": sum(o["trainer_cpu_cores"] for o in outs),
        "process_cpu_cores": sum(o["process_cpu_cores"] for o in outs),
        "machine_busy_fraction": max(o["machine_busy_fraction"] for o in outs),  # windows overlap
        "wall_s": time.monotonic() - started,
    }
