"""Runs owned by one browser session, and who stops them.

The runs live in `st.session_state` (so a page reload or a network blip finds the same run,
weights and settings intact), and a session-scoped cache resource watches them: Streamlit
calls its `on_release` shortly after the tab closes (and on a blip), which stops every
thread of the session. A page therefore must cope with finding its run stopped: it just
shows the state and the start button resumes it. The engine's idle timeout is the backstop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import streamlit as st

from classroom.limits import CLASS_LIMITS
from classroom.slots import default_scheduler
from gan_core.config import TrainConfig
from gan_core.data import Dataset
from gan_core.presets import get_preset
from gan_core.runs.backend import RunHandle, make_run
from ui.images import dataset_for

LIVE_REFRESH_SECONDS = 0.5  # 2 refreshes/s: smooth enough to watch, cheap enough to train
# A run waiting for a training slot: only its queue position changes. Measured with 30 sessions
# on 2 cores: 28 waiting pages rerunning every chart twice a second held the GIL so long that
# the 2 training runs made 0.13 steps/s in total. Waiting pages now refresh only their status.
WAITING_REFRESH_SECONDS = 2.0


@dataclass
class SessionRuns:
    runs: dict[str, RunHandle] = field(default_factory=dict)
    presets: dict[str, str] = field(default_factory=dict)  # slot -> preset the run came from
    auto_paused: set[str] = field(default_factory=set)  # paused by leaving the page
    lock: threading.Lock = field(default_factory=threading.Lock)

    def get(self, slot: str, factory: Callable[[], RunHandle]) -> RunHandle:
        with self.lock:
            run = self.runs.get(slot)
            if run is None:
                run = self.runs[slot] = factory()
            return run

    def put(self, slot: str, run: RunHandle) -> None:
        with self.lock:
            old = self.runs.get(slot)
            self.runs[slot] = run
        if old is not None and old is not run:
            old.stop()

    def stop_all(self) -> None:
        with self.lock:
            runs = list(self.runs.values())
        for run in runs:
            run.stop()

    def pause_others(self, keep: set[str]) -> None:
        """Pause the runs of pages not on screen; they resume when their page is shown again."""
        with self.lock:
            items = list(self.runs.items())
        for slot, run in items:
            if slot not in keep and run.snapshot().is_active:
                run.pause("Paused while you were on another page.")
                self.auto_paused.add(slot)

    def resume_returning(self, slots: set[str]) -> None:
        for slot in slots & self.auto_paused:
            self.auto_paused.discard(slot)
            run = self.runs.get(slot)
            if run is not None and run.snapshot().status in ("paused", "stopped"):
                run.start()


def _stop_session(runs: SessionRuns) -> None:
    runs.stop_all()


@st.cache_resource(scope="session", on_release=_stop_session, show_spinner=False)
def _watch(_runs: SessionRuns) -> SessionRuns:
    return _runs


def session_runs() -> SessionRuns:
    runs = st.session_state.get("_gan_runs")
    if runs is None:
        runs = st.session_state["_gan_runs"] = SessionRuns()
    _watch(runs)  # (re-)register: after a blip released the old watch, this makes a new one
    return runs


def new_run(config: TrainConfig, dataset: Dataset | None) -> RunHandle:
    """A run for a page, on the configured backend, under the class server's rules: a training slot
    from the server-wide scheduler, and the classroom's time limits."""
    return make_run(config, dataset, admission=default_scheduler(), limits=CLASS_LIMITS)


def run_for(slot: str, preset: str, dataset: Dataset | None = None) -> RunHandle:
    """The session's run in `slot`, created from `preset` on first use (on the configured
    backend: threads here, or actors on a Ray cluster, see gan_core.runs.backend)."""
    runs = session_runs()

    def make() -> RunHandle:
        runs.presets[slot] = preset
        config = get_preset(preset).config
        return new_run(config, dataset if dataset is not None else dataset_for(config))

    return runs.get(slot, make)


def clear_widget_state(slot: str) -> None:
    """Forget the slot's widget values so sliders show the new run's settings."""
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(f"{slot}:")]:
        del st.session_state[key]
