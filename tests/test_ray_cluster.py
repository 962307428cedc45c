"""Runs on a Ray cluster (issue 14): a local 2-node cluster, 1 CPU per node, loopback, token auth.

Marked `ray`; run serially (one cluster for the module). Under CI a missing Ray fails them.
What a class relies on: the controls reach the actor in order, a third run queues while two
train and starts when one stops, a lost machine shows as lost and restarts from the server's
checkpoint within seconds of where it was, and no actor outlives its tab or its server.
"""

from __future__ import annotations

import inspect
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.ray_cluster import local_cluster, require_ray

ray = require_ray()

from classroom.slots import Scheduler  # noqa: E402
from gan_core.checkpoint import checkpoint_bytes, load_checkpoint, load_into_run  # noqa: E402
from gan_core.config import TrainConfig  # noqa: E402
from gan_core.runs.backend import RunHandle  # noqa: E402
from gan_core.runs.cluster.monitor import live_actors  # noqa: E402
from gan_core.runs.cluster.ray_run import RayRun  # noqa: E402
from gan_core.runs.runner import TrainingRun  # noqa: E402
from gan_core.runs.snapshot import IDLE, LOST, PAUSED, QUEUED, RUNNING, STOPPED  # noqa: E402
from tests.apptest_utils import wait_for  # noqa: E402
from ui.state import SessionRuns, _stop_session  # noqa: E402

pytestmark = [pytest.mark.ray, pytest.mark.timeout(300)]
ROOT = Path(__file__).resolve().parents[1]
SMALL = TrainConfig(g_width=32, d_width=32, batch_size=32)


@pytest.fixture(scope="module")
def cluster():
    with local_cluster() as (cluster, worker, env):
        yield cluster, worker, env


def _free_cpus() -> float:
    return ray.available_resources().get("CPU", 0.0)


def _node(run: RayRun) -> str:
    return ray.get(run._actor.node_id.remote(), timeout=60)


def test_the_ray_handle_offers_what_a_training_run_offers(cluster):
    run = RayRun(SMALL, admission=Scheduler(2, turn_seconds=None))
    assert isinstance(run, RunHandle)
    for name in ("start", "pause", "stop", "reset", "step_once", "update", "load_state", "restore_last_good"):
        assert list(inspect.signature(getattr(RayRun, name)).parameters) == list(
            inspect.signature(getattr(TrainingRun, name)).parameters
        ), name
    # The memorisation check's nearest training images come from the data the run trains on.
    data = run.training_data()
    assert data.name == SMALL.dataset and data.kind == TrainingRun(SMALL).training_data().kind
    run.stop()


def test_lifecycle_start_live_lr_pause_resume_in_order_reset_step_once(cluster):
    run = RayRun(SMALL, admission=Scheduler(2, turn_seconds=None))
    first = run.snapshot()
    assert first.status == IDLE and first.step == 0 and first.samples.shape == (512, 2)  # a picture at once
    run.start()
    assert run.snapshot().status == RUNNING  # the button flips on the very next rerun
    assert wait_for(lambda: run.snapshot().step > 50, timeout=90)
    assert run.snapshot().message == ""

    run.update(lr_g=5e-4)  # a live change reaches the engine in the actor
    assert run.config.lr_g == 5e-4
    assert wait_for(lambda: (s := run.snapshot()).last is not None and s.last.lr_g == 5e-4 and s.config.lr_g == 5e-4)

    run.pause()
    assert run.snapshot().status == PAUSED
    assert wait_for(lambda: run._pending is None and run.snapshot().status == PAUSED)  # the actor confirmed it
    frozen = run.snapshot().step
    time.sleep(1.0)  # the one place a wait is the point: nothing may train during it
    assert run.snapshot().step == frozen

    run.start()  # resume, then pause and resume and pause again at once: the actor follows in order
    assert wait_for(lambda: run.snapshot().step > frozen + 20, timeout=30)
    run.pause()
    run.start()
    run.pause()
    assert wait_for(lambda: run._pending is None, timeout=10)
    assert run.snapshot().status == PAUSED
    frozen = run.snapshot().step
    time.sleep(1.0)
    assert run.snapshot().step == frozen and run.snapshot().status == PAUSED

    run.reset()
    assert run.snapshot().step == 0 and run.snapshot().status == IDLE
    assert run.config.lr_g == 5e-4  # reset keeps the settings, as TrainingRun's does
    run.step_once("both")  # waits (boundedly) for the reply: the snapshot shows the step
    assert run.snapshot().step == 1 and run.snapshot().status == PAUSED
    run.step_once("d")
    snap = run.snapshot()
    assert (snap.step, snap.d_updates) == (1, 2)
    assert len(snap.history["step"]) == 2

    generator = run.generator_copy()  # the latent page's frozen copy, built on the server
    assert not any(p.requires_grad for p in generator.parameters())
    state = load_checkpoint(checkpoint_bytes(run))  # the Image GAN page's download, via the actor
    assert state["step"] == 1 and state["d_updates"] == 2
    with pytest.raises(ValueError):  # a bad upload is refused here, before anything reaches the actor
        load_into_run(run, {**state, "generator": {}})
    assert run.snapshot().step == 1
    other = RayRun(SMALL.replace(seed=3), admission=Scheduler(2, turn_seconds=None))
    load_into_run(other, state)  # the page's checkpoint upload, into another run's actor
    assert other.snapshot().step == 1 and other.snapshot().d_updates == 2 and other.snapshot().status == PAUSED
    other.stop()
    run.stop()
    assert run.snapshot().status == STOPPED
    assert wait_for(lambda: live_actors() == 0 and _free_cpus() == 2, timeout=30)


def test_a_run_whose_snapshots_stop_arriving_says_reconnecting_over_its_last_picture(cluster):
    run = RayRun(SMALL, admission=Scheduler(2, turn_seconds=None))
    run.step_once("both", times=5)
    picture = run.snapshot()
    # 10,000 steps by hand keep the actor busy for a while: its snapshot requests go unanswered.
    run.step_once("both", wait=None, times=10_000)
    assert wait_for(lambda: run.snapshot().message.startswith("Reconnecting…"), timeout=30)
    stalled = run.snapshot()
    assert stalled.step == picture.step and stalled.samples is picture.samples  # the last picture, not a spinner
    assert wait_for(lambda: run.snapshot().step == 10_005, timeout=120)  # answers again: the notice goes
    assert not run.snapshot().message.startswith("Reconnecting")
    run.stop()


def test_a_third_run_queues_while_two_train_and_starts_when_one_stops(cluster):
    scheduler = Scheduler(2, turn_seconds=None)
    runs = [RayRun(SMALL, admission=scheduler) for _ in range(3)]
    for run in runs:
        run.start()
    a, b, c = runs
    assert wait_for(lambda: a.snapshot().step > 0 and b.snapshot().step > 0, timeout=90)
    assert c.snapshot().status == QUEUED and c.snapshot().queue_position == 1
    assert c.snapshot().step == 0
    assert {_node(a), _node(b)} == {n["NodeID"] for n in ray.nodes() if n["Alive"]}  # one per machine
    a.stop()
    assert wait_for(lambda: c.snapshot().status == RUNNING, timeout=10)
    assert wait_for(lambda: c.snapshot().step > 0, timeout=90)  # its actor took the freed CPU
    assert scheduler.active_count == 2 and scheduler.queued_count == 0
    b.stop()
    c.stop()


def test_runs_take_turns_across_the_cluster(cluster):
    scheduler = Scheduler(2, turn_seconds=2.0)
    runs = [RayRun(SMALL, admission=scheduler) for _ in range(3)]
    for run in runs:
        run.start()
    assert wait_for(lambda: all(r.snapshot().step > 0 for r in runs), timeout=120)  # every run had a turn
    assert sum(r.stats["actors_handed_over"] for r in runs) >= 1  # a paused run's actor went to the next...
    for run in runs:  # ...and its run went on from where it was, not from step 0
        run.pause()
    steps = {r.run_id: r.snapshot().step for r in runs}
    assert all(s > 0 for s in steps.values())
    for run in runs:
        run.stop()
    assert wait_for(lambda: live_actors() == 0, timeout=30)


def test_closing_a_session_leaves_no_actor(cluster):
    scheduler = Scheduler(2, turn_seconds=None)
    session = SessionRuns()
    run = session.get("playground", lambda: RayRun(SMALL, admission=scheduler))
    session.get("theory", lambda: RayRun(SMALL.replace(dataset="gauss1d", noise_dim=1), admission=scheduler))
    run.start()
    assert wait_for(lambda: run.snapshot().step > 0, timeout=90)
    assert live_actors() == 2
    _stop_session(session)  # what Streamlit's on_release does when the tab closes
    assert live_actors() == 0
    assert wait_for(lambda: _free_cpus() == 2, timeout=30)
    assert scheduler.active_count == 0


def test_a_server_that_dies_leaves_no_orphaned_actors(cluster):
    """Actors belong to the server's Ray driver: when the Streamlit process is killed (no
    cleanup at all), Ray ends its actors and their CPUs come back."""
    _, _, env = cluster
    script = (
        "import os, time\n"
        "from gan_core.runs.backend import make_run\n"
        "from gan_core.config import TrainConfig\n"
        "run = make_run(TrainConfig(g_width=16, d_width=16))\n"
        "run.start()\n"
        "deadline = time.monotonic() + 120\n"
        "while run.snapshot().step == 0 and time.monotonic() < deadline: time.sleep(0.2)\n"
        "print('TRAINING', run.snapshot().step, flush=True)\n"
        "time.sleep(600)\n"
    )
    import os

    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        line = ""
        deadline = time.monotonic() + 150
        while "TRAINING" not in line and time.monotonic() < deadline and proc.poll() is None:
            line = proc.stdout.readline()
        assert "TRAINING" in line, line
        assert wait_for(lambda: _free_cpus() < 2, timeout=10)
    finally:
        proc.kill()  # SIGKILL: no atexit, no on_release
        proc.wait(10)
    assert wait_for(lambda: _free_cpus() == 2, timeout=60)


def test_a_lost_machine_shows_lost_and_restarts_from_the_servers_checkpoint(cluster):
    cl, worker, _ = cluster
    scheduler = Scheduler(2, turn_seconds=None)
    head_run = RayRun(SMALL, admission=scheduler)
    run = RayRun(SMALL, admission=scheduler)
    head_run.start()
    run.start()
    assert wait_for(lambda: head_run.snapshot().step > 0 and run.snapshot().step > 0, timeout=90)
    if _node(run) != worker.node_id:  # the run to lose is the one on the worker machine
        head_run, run = run, head_run
    assert _node(run) == worker.node_id
    head_run.pause()  # its actor stays on the head, paused: the restart must take its CPU
    seen: list[tuple[float, int]] = []
    start = time.monotonic()
    while time.monotonic() - start < 14:  # train a while, recording what the page saw
        seen.append((time.monotonic(), run.snapshot().step))
        time.sleep(0.25)
    picture = run.snapshot().samples
    lost_at = time.monotonic()
    cl.remove_node(worker)
    assert wait_for(lambda: run.snapshot().status == LOST, timeout=60)
    snap = run.snapshot()
    assert "machine that trained this GAN was lost" in snap.message
    assert snap.samples is not None and snap.samples.shape == picture.shape  # the last picture stays
    assert snap.has_checkpoint and not snap.is_active
    # The page saw step `floor` 10 s of training before the loss: the restart must resume after it.
    floor = max(step for t, step in seen if t <= lost_at - 10.0)
    held = run._state_step
    assert held >= floor, (held, floor, seen[-1])
    assert run.restore_last_good() is True
    assert wait_for(lambda: run.snapshot().status == RUNNING and run._answered, timeout=120)
    assert wait_for(lambda: run.snapshot().step > held, timeout=60)
    resumed = run.snapshot()
    assert resumed.step >= floor and len(resumed.history["step"]) > 1  # curves went on, not from 0
    assert _node(run) != worker.node_id
    run.stop()
    head_run.stop()
    cl.add_node(num_cpus=1)  # for any test after this one
    cl.wait_for_nodes()


def test_looking_inside_reaches_the_actor_and_the_walk_comes_back(cluster):
    """Issue 25: the actor's training thread walks inside its own G and D when a page asks, and the
    walk travels in the snapshots, its last tile still the grid's sample."""
    import numpy as np

    from figures.inside import grid_tile, image_tile
    from gan_core.presets import get_preset

    run = RayRun(get_preset("digits").config.replace(batch_size=16), admission=Scheduler(2, turn_seconds=None))
    run.step_once("both", times=2)
    assert "inside" not in run.snapshot().views
    run.look_inside(3)
    assert wait_for(lambda: getattr(run.snapshot().views.get("inside"), "index", None) == 3, timeout=60)
    snap = run.snapshot()
    view = snap.views["inside"]
    assert view.step == snap.step == 2
    np.testing.assert_array_equal(image_tile(view.generator[-1].values), grid_tile(snap.samples[3]))
    run.stop()
