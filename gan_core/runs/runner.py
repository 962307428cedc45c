"""TrainingRun: one Trainer in a background thread, observed through immutable snapshots.

Threading rules (they follow from the classroom and performance issues):
- The thread never touches Streamlit; pages only call the methods below and read snapshots.
- A thread exists only while there is work (training or a queued one-off step): a paused run
  costs no thread, so 100 open tabs with paused runs cost nothing.
- Training happens in chunks of a few ms between which the thread checks for pause/stop and
  commands, so pause and stop answer within one chunk; the thread publishes a new snapshot at
  most `publish_interval` apart, and computes views/metrics at most `eval_interval` apart, so
  readers never wait for the trainer and the trainer never waits for readers.
- Before training, the run asks its `admission` for a slot (on a class server the classroom caps
  how many runs train at once, queues the rest visibly, and makes runs take turns); its `limits`
  say when it pauses itself (gan_core.runs.admission).
- Who stops the thread: stop()/reset() (session end, page), its limits (nobody read a snapshot for
  a while, too long in one go), `stop_at_steps`, divergence (NaN/inf).
"""

from __future__ import annotations

import atexit
import copy
import itertools
import os
import threading
import time
import weakref
from collections import deque
from typing import Any

import numpy as np
import torch

from gan_core.config import LIVE_FIELDS, TrainConfig
from gan_core.data import Dataset
from gan_core.quality.evaluation import Evaluator
from gan_core.runs.admission import Admission, Limits, NoLimits, Unlimited
from gan_core.runs.history import DecimatingHistory
from gan_core.runs.snapshot import (
    COUNTER_FIELDS,
    DIVERGED,
    ERROR,
    IDLE,
    PAUSED,
    QUEUED,
    RUNNING,
    STOPPED,
    Snapshot,
)
from gan_core.runs.worker import RunWorker
from gan_core.trainer import STAT_FIELDS, Trainer

_ids = itertools.count(1)
_live_runs: weakref.WeakSet[TrainingRun] = weakref.WeakSet()

SCORE_APART_ENV = "GAN_EXPLAINER_SCORE_APART"

# Live settings that change what a paused run's picture shows: applied, they redraw it at once.
REDRAWN_BY = frozenset({"g_ema", "loss"})
# How long a `look_inside` request lasts: a closed tab or another page stops the walk within it.
INSIDE_LEASE_SECONDS = 10.0


def live_runs() -> list[TrainingRun]:
    return list(_live_runs)


@atexit.register
def _stop_all_at_exit() -> None:
    """Let training threads finish their step before the interpreter tears torch down."""
    for run in list(_live_runs):
        run.stop(timeout=2.0)


class TrainingRun(RunWorker):
    def __init__(
        self,
        config: TrainConfig,
        dataset: Dataset | None = None,
        *,
        admission: Admission | None = None,
        limits: Limits | None = None,
        threads: int = 1,
        publish_interval: float = 0.1,
        eval_interval: float = 0.5,
        metrics_interval: float = 1.0,
        chunk_seconds: float = 0.02,
        timeline_frames: int = 64,
        stop_at_steps: bool = False,
        checkpoint_interval: float = 5.0,
        score_apart: bool | None = None,
    ) -> None:
        self.run_id = next(_ids)
        self.admission: Admission = admission or Unlimited()
        self.limits: Limits = limits or NoLimits()
        self.threads = threads
        self.publish_interval = publish_interval
        self.eval_interval = eval_interval  # pictures (samples, D's map...) at most this often
        self.metrics_interval = metrics_interval  # quality scores (costlier) at most this often
        self.chunk_seconds = chunk_seconds
        self.timeline_frames = timeline_frames
        self.stop_at_steps = stop_at_steps
        self.checkpoint_interval = checkpoint_interval
        # Image quality scores by a scoring thread while training goes on (worker.py); False: in the
        # training thread, as the run did until issue 26. Default: on, unless the environment says
        # GAN_EXPLAINER_SCORE_APART=0 (so a benchmark can compare the two on the same app).
        if score_apart is None:
            score_apart = os.environ.get(SCORE_APART_ENV, "1").strip().lower() not in ("0", "false", "no", "off")
        self.score_apart = score_apart
        self._cv = threading.Condition()  # guards the control fields below
        self._scoring: threading.Thread | None = None  # the scoring thread, while it scores
        self._trainer_lock = threading.RLock()  # held while the trainer is used
        self._thread: threading.Thread | None = None
        self._want_run = False
        self._commands: deque[tuple[str, int]] = deque()
        self._pending: dict[str, Any] = {}
        self._status = IDLE
        self._message = ""
        self._turn_waiting = False  # the message says the run waits for its next turn
        self._smoothed_view = False  # draw and score G's weight average instead of G (set_view)
        self._inside: tuple[int, float] | None = None  # (noise vector, until when): look_inside
        self._queue_position = 0
        self._last_read = time.monotonic()
        self._versions = itertools.count(1)  # next() is atomic: any thread may build a snapshot
        self._snapshot: Snapshot | None = None  # set by _build, never None after it
        self._g_copy: tuple[tuple[int, bool], torch.nn.Module] | None = None
        self._build(config, dataset)
        _live_runs.add(self)

    # --- construction / reset ---------------------------------------------------------------
    def _build(self, config: TrainConfig, dataset: Dataset | None) -> None:
        self.trainer = Trainer(config, dataset)
        self.evaluator = Evaluator(self.trainer, average=self._smoothed_view)
        self.history = DecimatingHistory(STAT_FIELDS)
        self.metric_history = DecimatingHistory(COUNTER_FIELDS + self.evaluator.metric_fields, capacity=512)
        self._timeline: list[tuple[int, np.ndarray]] = []
        self._timeline_every = 1
        self._evals = 0
        self._metrics: dict[str, float] = {}
        self._views: dict[str, Any] = {}
        self._samples: np.ndarray | None = None
        self._steps_per_sec = 0.0
        self._wall = 0.0
        self._last_phase = "both"
        self._last_good: dict[str, Any] | None = None
        self._last_good_time = 0.0
        self._evaluate(full=True)
        with self._cv:
            self._store(self._make_snapshot())

    # --- control (any thread) --------------------------------------------------------------
    def start(self) -> None:
        """Train continuously (queueing if the server is at its cap)."""
        with self._cv:
            if self._status == DIVERGED:
                raise RuntimeError("this run diverged: reset it (or restore the last good checkpoint) first")
            self._want_run = True
            self._message, self._turn_waiting = "", False
            self._last_read = time.monotonic()
            # Admission is decided here, not later in the thread, so the page's rerun right
            # after the click already sees "training" or "queued (position n)".
            position = self.admission.request(self)
            self._status = QUEUED if position else RUNNING
            self._queue_position = position
            self._ensure_thread()
            self._cv.notify_all()
        self._publish()

    resume = start

    def pause(self, message: str = "") -> None:
        """Stop stepping after the current step; the thread exits, the model stays."""
        with self._cv:
            self._want_run = False
            if message:
                self._message = message
            changed = self._status in (RUNNING, QUEUED)
            if changed:  # show it at once: the button flips on the very next rerun
                self._status = PAUSED
            self._cv.notify_all()
        self.admission.release(self)
        if changed and threading.current_thread() is not self._thread:
            self._publish()

    def stop(self, timeout: float = 10.0) -> None:
        """Pause and wait for the thread to finish (used at session end and before reset)."""
        with self._cv:
            self._want_run = False
            self._commands.clear()
            thread = self._thread
            self._cv.notify_all()
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)
        self._join_scoring(timeout)  # no score of the old weights arrives after a stop (or a reset)
        self.admission.release(self)
        with self._cv:
            if self._status not in (DIVERGED, ERROR):
                self._status = STOPPED
        self._publish()

    def reset(self, config: TrainConfig | None = None, dataset: Dataset | None = None) -> None:
        """Back to step 0 with fresh weights (and optionally a new config/dataset)."""
        self.stop()
        with self._trainer_lock:
            cfg = config or self.trainer.config
            if dataset is None and cfg.dataset == self.trainer.dataset.name:
                dataset = self.trainer.dataset
            self._build(cfg, dataset)
        with self._cv:
            self._status, self._message, self._pending = IDLE, "", {}
            self._g_copy = None
        self._publish()

    def step_once(self, which: str = "both", wait: float | None = 10.0, times: int = 1) -> None:
        """`times` updates of D ("d"), of G ("g") or full iterations ("both"), done by the
        worker thread (never the caller's) and visible in the next snapshot, which is
        evaluated once at the end. Blocks up to `wait` seconds."""
        if which not in ("d", "g", "both"):
            raise ValueError(f"which must be 'd', 'g' or 'both', got {which!r}")
        if not 1 <= times <= 10_000:
            raise ValueError(f"times must be between 1 and 10000, got {times}")
        with self._cv:
            if self._status == DIVERGED:
                raise RuntimeError("this run diverged: reset it first")
            self._commands.append((which, times))
            self._ensure_thread()
            self._cv.notify_all()
            if wait:
                deadline = time.monotonic() + wait
                while self._commands or self._busy_command:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cv.wait(left)

    def update(self, **changes: Any) -> TrainConfig:
        """Validate now (raises ValueError naming the field; nothing changes), apply at the
        next step. Returns the config the run will use."""
        with self._cv:
            base = self.trainer.config.replace(**self._pending) if self._pending else self.trainer.config
        new = base.replace(**changes)
        restart = sorted(k for k in changes if k not in LIVE_FIELDS)
        if restart:
            raise ValueError(
                f"{', '.join(restart)} cannot change while a run trains: reset the run with the new setting"
            )
        with self._cv:
            self._pending.update(changes)
        if self._trainer_lock.acquire(blocking=False):  # idle: apply at once so snapshots show it
            try:
                self._apply_pending()
                if REDRAWN_BY.intersection(changes):  # a paused run's picture follows the switch at once
                    self._evaluate(full=True)
            finally:
                self._trainer_lock.release()
            self._publish()
        else:
            # Training: the worker applies it at its next step. Wait (briefly) for the snapshot
            # that shows it, so the rerun this change triggers already displays the new value.
            with self._cv:
                deadline = time.monotonic() + 0.3
                while self._pending and time.monotonic() < deadline and self._want_run:
                    self._cv.wait(deadline - time.monotonic())
            self._publish()
        return new

    def set_view(self, smoothed: bool) -> None:
        """Draw and score G's weight average (`smoothed`, where the run keeps one: g_ema > 0) or G as
        it trains. A view, not a training setting: training is the same either way. A paused run's
        picture follows at once; a training one's at its next evaluation."""
        smoothed = bool(smoothed)
        with self._cv:
            changed = smoothed != self._smoothed_view
            self._smoothed_view = smoothed
        if not changed:
            return
        with self._trainer_lock:
            self.evaluator.average = smoothed
            if not self._want_run:
                self._evaluate(full=True)
        self._publish()

    @property
    def smoothed_view(self) -> bool:
        return self._smoothed_view

    def look_inside(self, index: int | None) -> None:
        """Walk inside G and D (gan_core.inside) for fixed-noise vector `index` at each evaluation, for
        INSIDE_LEASE_SECONDS (None: stop): pages ask on every refresh; a paused run shows it at once."""
        if index is not None and not 0 <= index < (n := self.trainer.fixed_noise.shape[0]):
            raise ValueError(f"index must be within the {n} fixed noise vectors, got {index}")
        with self._cv:
            self._inside = None if index is None else (int(index), time.monotonic() + INSIDE_LEASE_SECONDS)
            idle = not (self._want_run or self._commands)
        shown = getattr(self._snapshot.views.get("inside"), "index", None)  # a paused run shows it already?
        if idle and index not in (None, shown) and self._trainer_lock.acquire(blocking=False):
            try:
                self._evaluate(full=False)
            finally:
                self._trainer_lock.release()
            self._publish()

    def load_state(self, state: dict[str, Any]) -> None:
        """Load a checkpoint made with this run's config; the run is left paused at its step,
        with history restarted (the old curves belonged to other weights)."""
        self.stop()
        with self._trainer_lock:
            self.trainer.load_state_dict(state)
            self.history.clear()
            self.metric_history.clear()
            self._timeline, self._timeline_every = [], 1
            self._last_good = None
            self._g_copy = None
            self._evaluate(full=True)
        with self._cv:
            self._status = PAUSED
            self._message = f"Loaded a checkpoint at step {self.trainer.step_count:,}."
        self._publish()

    def restore_last_good(self) -> bool:
        """Reload the last checkpoint whose losses were finite; the run is left paused."""
        self.stop()
        with self._trainer_lock:
            if self._last_good is None:
                return False
            self.trainer.load_state_dict(copy.deepcopy(self._last_good))
            self._evaluate(full=True)
        with self._cv:
            self._status = PAUSED
            self._message = f"Restored the last good checkpoint (step {self.trainer.step_count})."
        self._publish()
        return True

    def snapshot(self) -> Snapshot:
        """The latest published state (no locking, no copying): also the page heartbeat."""
        self._last_read = time.monotonic()
        return self._snapshot

    def generator_copy(self) -> torch.nn.Module:
        """A frozen copy of the generator the run's pictures show (G as it trains, or its weight
        average in the smoothed view), in eval mode on the CPU, for latent-space exploration;
        cached until it next changes, so a page can call it on every slider move."""
        with self._trainer_lock:
            average = self.evaluator.uses_average()
            key = (self.trainer.g_updates, average)
            if self._g_copy is None or self._g_copy[0] != key:
                g = copy.deepcopy(self.trainer.generator_for_view(average)).cpu().eval()
                g.requires_grad_(False)
                self._g_copy = (key, g)
            return self._g_copy[1]

    def checkpoint(self) -> dict[str, Any]:
        """The trainer's state, and the view the run shows (gan_core.checkpoint keeps both)."""
        with self._trainer_lock:
            return {**copy.deepcopy(self.trainer.state_dict()), "view": {"smoothed_view": self._smoothed_view}}

    @property
    def config(self) -> TrainConfig:
        return self.trainer.config

    def training_data(self) -> Dataset:
        """The data set this run trains on (read-only: the trainer samples from it)."""
        return self.trainer.dataset

    @property
    def mode_count(self) -> int:
        """How many modes the run's 2D data has (0 for data without separate modes)."""
        return self.trainer.dataset.mode_count

    # --- moving a run to another process (the cluster backend, gan_core.runs.backend) -----------
    def export_state(self) -> dict[str, Any]:
        """A copy of everything needed to continue this run elsewhere: the weights, optimizers and
        counters (the current ones if finite, else the last good ones), the curves and the
        timeline. Taken under the trainer lock, so training may go on while it is sent."""
        with self._trainer_lock:
            trainer_state = self.trainer.state_dict() if self._weights_finite() else self._last_good
            return copy.deepcopy(
                {
                    "step": self.trainer.step_count if trainer_state is not None else 0,
                    "trainer": trainer_state,
                    "history": self.history.state(),
                    "metric_history": self.metric_history.state(),
                    "timeline": list(self._timeline),
                    "timeline_every": self._timeline_every,
                    "evals": self._evals,
                    "wall": self._wall,
                }
            )

    def import_state(self, state: dict[str, Any], message: str = "") -> None:
        """Continue from `export_state()` of a run with the same config and data; left paused."""
        self.stop()
        with self._trainer_lock:
            if state.get("trainer") is not None:
                self.trainer.load_state_dict(copy.deepcopy(state["trainer"]))
                self._last_good = copy.deepcopy(state["trainer"])
                self._last_good_time = time.monotonic()
            self.history.load_state(state["history"])
            self.metric_history.load_state(state["metric_history"])
            self._timeline = list(state["timeline"])
            self._timeline_every = int(state["timeline_every"])
            self._evals = int(state["evals"])
            self._wall = float(state["wall"])
            self._g_copy = None
            self._evaluate(full=True)
        with self._cv:
            self._status = PAUSED if self.trainer.step_count else IDLE
            self._message = message
        self._publish()
