"""TrainingRun: the background thread really starts, pauses, steps, stops and reports."""

import math
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from classroom.limits import ClassLimits
from classroom.slots import Scheduler
from gan_core.config import TrainConfig
from gan_core.runs.runner import TrainingRun
from gan_core.runs.snapshot import DIVERGED, ERROR, IDLE, PAUSED, QUEUED, RUNNING, STOPPED
from gan_core.runs.worker import THREAD_PREFIX, live_training_threads
from tests.apptest_utils import wait_for

SMALL = TrainConfig(g_width=32, d_width=32, batch_size=32)


def make(**kwargs) -> TrainingRun:
    kwargs.setdefault("admission", Scheduler(4))
    return TrainingRun(kwargs.pop("config", SMALL), **kwargs)


def test_new_run_is_idle_with_samples_and_metrics():
    run = make()
    snap = run.snapshot()
    assert snap.status == IDLE and snap.step == 0
    assert snap.samples.shape == (512, 2)
    assert {"modes_covered", "hq_fraction", "js_grid"} <= set(snap.metrics)
    assert live_training_threads() == 0  # a run costs no thread until it trains


def test_start_trains_in_background_and_pause_really_stops():
    run = make()
    base = live_training_threads()
    run.start()
    assert wait_for(lambda: run.snapshot().step > 20)
    assert run.snapshot().status == RUNNING and live_training_threads() == base + 1
    run.pause()
    assert wait_for(lambda: live_training_threads() == base)
    frozen = run.snapshot().step
    time.sleep(0.3)  # the one place a wait is the point: nothing may happen during it
    assert run.snapshot().step == frozen == run.trainer.step_count
    assert run.snapshot().status == PAUSED


def test_stop_joins_the_thread():
    run = make()
    run.start()
    assert wait_for(lambda: run.snapshot().step > 0)
    thread = run._thread
    run.stop()
    assert thread is not None and not thread.is_alive()
    assert run.snapshot().status == STOPPED
    run.start()  # a stopped run (e.g. after a network blip) can resume
    assert wait_for(lambda: run.snapshot().status == RUNNING)


def test_step_once_runs_in_the_worker_not_the_caller():
    run = make()
    callers = []
    original = run.trainer.step_d

    def spy():
        callers.append(threading.current_thread().name)
        return original()

    run.trainer.step_d = spy
    run.step_once("d")
    snap = run.snapshot()
    assert (snap.d_updates, snap.g_updates, snap.last_phase) == (1, 0, "d")
    assert callers and callers[0].startswith("gan-train-")
    run.step_once("g")
    assert (run.snapshot().d_updates, run.snapshot().g_updates) == (1, 1)
    run.step_once("both")
    assert run.snapshot().step == 1
    with pytest.raises(ValueError):
        run.step_once("x")


def test_lr_change_mid_run_reaches_the_trainer_at_the_next_step():
    run = make()
    run.start()
    assert wait_for(lambda: run.snapshot().step > 5)
    run.update(lr_g=1e-5)
    assert wait_for(lambda: run.snapshot().last.lr_g == 1e-5, timeout=5)
    assert run.trainer.opt_g.param_groups[0]["lr"] == 1e-5


def test_invalid_update_raises_and_keeps_last_good_settings():
    run = make()
    with pytest.raises(ValueError, match="lr_g"):
        run.update(lr_g=float("nan"))
    with pytest.raises(ValueError, match="cannot change while a run trains"):
        run.update(g_width=64)
    assert run.config == SMALL


def test_update_while_paused_shows_in_the_snapshot_at_once():
    run = make()
    run.update(batch_size=64)
    assert run.snapshot().config.batch_size == 64


def test_nan_pauses_the_run_with_an_explanation_and_last_good_restores():
    run = make(checkpoint_interval=0.0)
    run.start()
    assert wait_for(lambda: run.snapshot().step > 10 and run.snapshot().has_checkpoint)
    run.pause()  # poison the weights between steps (in place during a backward pass is an error)
    assert wait_for(lambda: live_training_threads() == 0)
    with torch.no_grad():
        for p in run.trainer.discriminator.parameters():
            p.fill_(float("nan"))
    run.start()
    assert wait_for(lambda: run.snapshot().status == DIVERGED)
    snap = run.snapshot()
    assert "diverged" in snap.message and "lr_g" in snap.message
    assert live_training_threads() == 0 or wait_for(lambda: live_training_threads() == 0)
    with pytest.raises(RuntimeError):
        run.start()
    assert run.restore_last_good()
    assert run.snapshot().status == PAUSED
    assert all(torch.isfinite(p).all() for p in run.trainer.discriminator.parameters())
    run.start()
    assert wait_for(lambda: run.snapshot().status == RUNNING)


def test_idle_run_pauses_itself():
    run = make(limits=ClassLimits(idle_timeout=0.3))
    run.start()
    # Nobody calls snapshot(): the heartbeat stops, so the run pauses by itself.
    deadline = time.monotonic() + 10
    while run._status != PAUSED and time.monotonic() < deadline:
        time.sleep(0.05)
    assert run._status == PAUSED and "nobody" in run.snapshot().message


def test_maximum_run_time_pauses():
    run = make(limits=ClassLimits(max_run_seconds=0.3))
    run.start()
    assert wait_for(lambda: run.snapshot().status == PAUSED, timeout=10)
    assert "limit" in run.snapshot().message


def test_reset_returns_to_step_zero_with_a_new_config():
    run = make()
    run.start()
    assert wait_for(lambda: run.snapshot().step > 5)
    run.reset(SMALL.replace(dataset="grid25"))
    snap = run.snapshot()
    assert snap.step == 0 and snap.status == IDLE and snap.dataset_name == "grid25"
    assert len(snap.history["step"]) == 0 and live_training_threads() == 0


def test_history_and_timeline_stay_bounded():
    run = make(eval_interval=0.0, timeline_frames=8)
    run.history.capacity  # noqa: B018 - exists
    run.start()
    assert wait_for(lambda: run.snapshot().step > 300)
    run.pause()
    snap = run.snapshot()
    assert len(snap.timeline) < 8 and len(snap.history["step"]) <= run.history.capacity
    steps = [s for s, _ in snap.timeline]
    assert steps == sorted(steps)


def test_scheduler_caps_concurrent_training_and_queues_in_order():
    sched = Scheduler(1)
    a, b, c = (make(admission=sched) for _ in range(3))
    a.start()
    assert wait_for(lambda: a.snapshot().status == RUNNING)
    b.start()
    c.start()
    assert wait_for(lambda: b.snapshot().status == QUEUED and c.snapshot().status == QUEUED)
    assert (b.snapshot().queue_position, c.snapshot().queue_position) == (1, 2)
    frozen = b.snapshot().step
    a.pause()
    assert wait_for(lambda: b.snapshot().status == RUNNING)
    assert wait_for(lambda: c.snapshot().queue_position == 1)
    assert frozen == 0 and sched.active_count == 1
    b.stop()
    assert wait_for(lambda: c.snapshot().status == RUNNING)


def test_runs_take_turns_while_others_wait():
    """One slot, three students: every run trains within a few turns, nobody waits forever."""
    sched = Scheduler(1, turn_seconds=0.3)
    runs = [make(admission=sched) for _ in range(3)]
    for r in runs:
        r.start()
    assert wait_for(lambda: all(r.snapshot().step > 0 for r in runs), timeout=15)
    # whoever waits after its turn says so, with its place in the queue
    assert wait_for(
        lambda: any(r.snapshot().status == QUEUED and r.snapshot().message.startswith("Taking turns") for r in runs),
        timeout=5,
    )
    assert sum(r.snapshot().status == RUNNING for r in runs) <= 1 and sched.active_count <= 1
    for r in runs:
        r.pause()
    assert wait_for(lambda: sched.active_count == 0 and sched.queued_count == 0)
    assert all(r.snapshot().status == PAUSED for r in runs)


def test_a_run_alone_keeps_its_slot_past_its_turn():
    sched = Scheduler(1, turn_seconds=0.1)
    run = make(admission=sched)
    run.start()
    assert wait_for(lambda: run.snapshot().step > 0)
    time.sleep(0.5)
    assert run.snapshot().status == RUNNING and not run.snapshot().message  # nobody waited: no turn ended
    run.pause()


def test_hundred_runs_opened_and_closed_leave_no_thread():
    base = live_training_threads()
    sched = Scheduler(2)
    runs = [make(admission=sched) for _ in range(100)]
    for r in runs:
        r.start()
    assert wait_for(lambda: sum(r.snapshot().status == RUNNING for r in runs) == 2)
    for r in runs:
        r.stop()
    assert wait_for(lambda: live_training_threads() == base)
    assert sched.active_count == 0 and sched.queued_count == 0


def _boom():
    raise RuntimeError("kaboom")


def test_an_exception_in_training_is_reported_not_swallowed():
    run = make()

    run.trainer.step = _boom
    run.start()
    assert wait_for(lambda: run.snapshot().status == ERROR)
    assert "kaboom" in run.snapshot().message
    assert wait_for(lambda: live_training_threads() == 0)


class _GatedLock:
    """The run's trainer lock, except that once armed, the main thread, right after it lets go,
    waits for the worker to publish its error: start()'s own publish then lands last."""

    def __init__(self, lock, run):
        self.lock, self.run, self.armed = lock, run, False

    def __enter__(self):
        self.lock.__enter__()
        return self

    def __exit__(self, *exc):
        self.lock.__exit__(*exc)
        if self.armed and threading.current_thread() is threading.main_thread():
            self.armed = False
            assert wait_for(lambda: self.run._thread is None and self.run._snapshot.status == ERROR, timeout=5)


def test_a_publish_built_earlier_never_hides_a_later_one():
    """CI once saw an error that never showed: start() built a "running" snapshot, the worker
    failed and published "error", then start() stored its older snapshot over it for good."""
    run = make()

    run.trainer.step = _boom
    run._trainer_lock = gate = _GatedLock(run._trainer_lock, run)
    gate.armed = True
    run.start()
    assert not gate.armed  # the race really happened in this order
    snap = run.snapshot()
    assert snap.status == ERROR and "kaboom" in snap.message


def test_generator_copy_is_frozen_and_cached():
    run = make()
    g1 = run.generator_copy()
    assert g1 is run.generator_copy()
    assert not any(p.requires_grad for p in g1.parameters())
    run.step_once("g")
    assert run.generator_copy() is not g1


def test_stats_are_finite_and_rate_is_reported():
    run = make()
    run.start()
    assert wait_for(lambda: run.snapshot().steps_per_sec > 0)
    last = run.snapshot().last
    assert math.isfinite(last.loss_d) and math.isfinite(last.loss_g)


def test_start_is_visible_in_the_very_next_snapshot():
    run = make()
    run.start()
    assert run.snapshot().is_active  # no waiting for the worker: the page reruns immediately


def test_snapshots_are_read_only_so_pages_can_share_them():
    run = make()
    try:
        run.step_once("both", times=3)
        snap = run.snapshot()
        assert snap.step == 3 and run.snapshot() is snap  # cached: every page gets this object
        arrays = [
            snap.samples,
            *snap.history.values(),
            *snap.metric_history.values(),
            *(frame for _, frame in snap.timeline),
            *(v for v in snap.views.values() if isinstance(v, np.ndarray)),
        ]
        assert len(arrays) > 10
        for arr in arrays:
            with pytest.raises(ValueError, match="read-only"):
                arr[...] = 99.0
        with pytest.raises(TypeError):
            snap.views["real"] = None  # the dict itself cannot be swapped out either
        run.step_once("both")
        assert run.snapshot().step == 4  # the engine still writes its own (new) arrays
    finally:
        run.stop()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="OS thread names are read from /proc")
def test_training_thread_is_named_for_the_os_too():
    """`top -H`, py-spy and the streaming benchmark find the trainer among the server's threads
    by name (/proc/PID/task/TID/comm)."""
    run = make()
    try:
        run.start()
        assert wait_for(lambda: run.trainer.step_count > 0)
        names = {
            (Path("/proc/self/task") / str(t.native_id) / "comm").read_text().strip()
            for t in threading.enumerate()
            if t.name.startswith(THREAD_PREFIX)
        }
        assert f"{THREAD_PREFIX}{run.run_id}"[:15] in names
    finally:
        run.stop()


def test_metric_history_counts_each_networks_updates():
    """D-only and G-only steps leave the step count alone; the metric history also records how
    many updates each network had, so a chart can show a head start for D (issue 13, item 4)."""
    run = make()
    run.step_once("d", times=30)
    run.step_once("g", times=2)
    run.step_once("both", times=3)
    h = run.snapshot().metric_history
    assert list(h["step"]) == [0, 0, 0, 3]
    assert list(h["d_updates"]) == [0, 30, 30, 33]
    assert list(h["g_updates"]) == [0, 0, 2, 5]
