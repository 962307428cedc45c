"""Session lifecycle (#6): a closed tab stops its runs, and nothing leaks."""

from __future__ import annotations

from apptest_utils import wait_for

from classroom.slots import Scheduler
from gan_core.config import TrainConfig
from gan_core.runs.runner import TrainingRun
from gan_core.runs.worker import live_training_threads
from ui.state import SessionRuns, _stop_session

SMALL = TrainConfig(g_width=16, d_width=16, batch_size=16)


def test_hundred_sessions_open_train_and_close_without_leaking_threads():
    """What Streamlit does for 100 tabs: each session owns runs; closing the tab calls the
    session resource's on_release (_stop_session). The thread count returns to its baseline."""
    base = live_training_threads()
    scheduler = Scheduler(4)
    sessions = []
    for _ in range(100):
        runs = SessionRuns()
        run = runs.get("playground", lambda: TrainingRun(SMALL, admission=scheduler))
        run.start()
        sessions.append(runs)
    assert wait_for(lambda: scheduler.active_count == 4 and scheduler.queued_count == 96)
    for runs in sessions:
        _stop_session(runs)  # the tab closes
    assert wait_for(lambda: live_training_threads() == base)
    assert scheduler.active_count == 0 and scheduler.queued_count == 0


def test_switching_pages_pauses_the_other_pages_runs_and_resumes_them_on_return():
    runs = SessionRuns()
    scheduler = Scheduler(4)
    a = runs.get("playground", lambda: TrainingRun(SMALL, admission=scheduler))
    b = runs.get("theory", lambda: TrainingRun(SMALL.replace(dataset="gauss1d", noise_dim=1), admission=scheduler))
    a.start()
    assert wait_for(lambda: a.snapshot().step > 0)
    runs.pause_others(keep={"theory"})
    assert a.snapshot().status == "paused" and "another page" in a.snapshot().message
    assert b.snapshot().status == "idle"
    runs.resume_returning({"playground"})
    assert a.snapshot().is_active
    runs.stop_all()


def test_replacing_a_slots_run_stops_the_old_one():
    runs = SessionRuns()
    old = runs.get("x", lambda: TrainingRun(SMALL, admission=Scheduler(2)))
    old.start()
    runs.put("x", TrainingRun(SMALL, admission=Scheduler(2)))
    assert old.snapshot().status == "stopped"
