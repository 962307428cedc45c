"""RayRun: a run whose engine trains in a Ray actor, seen by pages exactly like a TrainingRun.

How it keeps pages from ever waiting on the cluster:
- One monitor thread per server process (ClusterMonitor) talks to the actors. Each run has at
  most one snapshot request in flight; the monitor checks all of them with one
  `ray.wait(refs, timeout=0)` every 0.1 s and rebuilds the newest Snapshot from the replies
  (only a changed snapshot travels: wire.py). `snapshot()` returns what the server has.
- A command (start, pause, a live setting) is sent and returns; the page shows the expected
  status at once and the actor's next reply confirms it. Replies to requests sent before the
  latest command are dropped, so a stale "training" never overwrites a "paused".
- No `ray.get` without a timeout: the monitor only gets what `ray.wait` says is ready, and the
  few calls a student's click waits for (a step by hand, a checkpoint download) wait boundedly.

Admission and turns stay in the server: the scheduler's capacity is the cluster's CPUs (a head
started with one CPU fewer than it has keeps that core for Streamlit), each actor takes one
(`num_cpus=1`), and a run waiting for a CPU is "queued" with its position. An actor is made when
its run is admitted or stepped (or when a CPU is free anyway); a paused run keeps its actor
until a run that waits needs the CPU, then the server takes its state (export) and lets the
actor exit: the state comes back when the run trains again.

Faults: the server fetches each training run's state every few seconds (bounded size). A lost
machine shows as "lost" with the last picture, and restore_last_good() restarts the run from
the held state on another CPU. Actors are owned by the server's Ray driver (not detached):
closing a tab kills them (stop), and when the Streamlit process ends Ray ends them all.
"""

from __future__ import annotations

import atexit
import copy
import json
import logging
import math
import os
import threading
import time
import weakref
from typing import Any

import numpy as np

try:  # Ray imports pandas on its own threads; plotly's JSON encoder looks it up in sys.modules, and a
    # half-imported pandas there fails a page's chart ("partially initialized module"). Importing it
    # here, before any page can get past its first run, makes it whole before anyone looks.
    import pandas  # noqa: F401
except ImportError:
    pass
import ray
import torch
from ray.exceptions import ActorUnavailableError, GetTimeoutError, RayActorError, RayError
from torch import nn

from classroom.slots import Scheduler, default_capacity, default_scheduler
from gan_core.config import LIVE_FIELDS, TrainConfig
from gan_core.data import Dataset, get_dataset
from gan_core.data.toy import TOY_BUILDERS
from gan_core.runs.backend import LOST, ray_address
from gan_core.runs.cluster import wire
from gan_core.runs.cluster.actor import RunActor
from gan_core.runs.runner import (
    DIVERGED,
    ERROR,
    IDLE,
    PAUSED,
    QUEUED,
    RUNNING,
    STOPPED,
    TURN_MESSAGE_PREFIX,
    Snapshot,
    TrainingRun,
    _ids,
    _live_runs,
)

TICK = 0.1  # s between the monitor's looks at every run
POLL_WATCHED = 0.5  # s between snapshot requests of a training run a page is watching (its refresh rate)
POLL_UNWATCHED = 2.0  # nobody looking, or not training: enough to notice it paused itself
WATCHED_FOR = 3.0  # a page that read the snapshot this recently is watching
CHECKPOINT_EVERY = 5.0  # s between the states the server fetches of a training run
RECONNECTING_AFTER = 4.0  # s without an answer before the page says "reconnecting…"
MAX_HELD_BYTES = 64 * 2**20  # a bigger state is not held (the run then restarts from an older one)
CAPACITY_EVERY = 5.0  # s between looks at the cluster's CPUs (machines join and leave)
GET_TIMEOUT = 5.0  # ray.get only runs on refs ray.wait called ready: a safety net, never the wait
NAMESPACE = "gan-explainer"
RESERVED_ENV = "GAN_EXPLAINER_RESERVED_CPUS"
STATS_ENV = "GAN_EXPLAINER_CLUSTER_STATS"
# Built-in data the actor loads by name itself (deterministic, small); anything else (uploads,
# MNIST subsets) travels once per server through the object store.
BY_NAME = frozenset(TOY_BUILDERS) | {"digits", "shapes"}
STARTING = "Starting on the cluster…"

log = logging.getLogger(__name__)


# --- connection --------------------------------------------------------------------------------
_connect_lock = threading.Lock()
_monitor: ClusterMonitor | None = None
_actor_class = None


def connect(address: str | None = None) -> ClusterMonitor:
    """`ray.init` once per server process (reusing a connection a test or host already made),
    and the one monitor thread."""
    global _monitor
    with _connect_lock:
        if not ray.is_initialized():
            # Errors of fire-and-forget commands to a dead actor surface through the next
            # snapshot request as "lost"; Ray's own log line for each would only be noise.
            os.environ.setdefault("RAY_IGNORE_UNHANDLED_ERRORS", "1")
            ray.init(
                address=address or ray_address(),
                namespace=NAMESPACE,
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
        if _monitor is None:
            _monitor = ClusterMonitor(default_scheduler())
        return _monitor


def actor_class():
    global _actor_class
    if _actor_class is None:
        # One CPU each; no restarts or retries: a lost actor is reported and restarted by the
        # server from its held state, never silently rerun from its constructor at step 0.
        _actor_class = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(RunActor)
    return _actor_class


def live_actors() -> int:
    """Actors alive on the cluster for this server's runs (training or paused, not yet evicted)."""
    return _monitor.actors_alive() if _monitor is not None else 0


def training_actors() -> int:
    """Actors whose run holds a training slot (the counterpart of the thread backend's threads)."""
    if _monitor is None:
        return 0
    return sum(1 for r in _monitor.all_runs() if r._actor is not None and r._admitted_at is not None)


def cluster_stats() -> dict[str, Any]:
    return _monitor.stats() if _monitor is not None else {}


def _nbytes(value: Any) -> int:
    if isinstance(value, torch.Tensor):
        return value.element_size() * value.nelement()
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, (bytes, str)):
        return len(value)
    return 8


def _lost_reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = next((line for line in text if line.strip()), type(exc).__name__)
    return first[:200]


class ClusterMonitor:
    """The server's one thread that talks to every run's actor (see the module docstring)."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self._lock = threading.Lock()
        self.runs: weakref.WeakSet[RayRun] = weakref.WeakSet()
        self.cpus = 1
        self._capacity_at = 0.0
        self.totals = {"snapshot_bytes": 0, "snapshots": 0, "checkpoint_bytes": 0, "checkpoints": 0, "polls": 0}
        self._stats_path = os.environ.get(STATS_ENV, "").strip() or None
        self._stats_at = 0.0
        self.refresh_capacity()
        self._thread = threading.Thread(target=self._loop, name="gan-cluster-monitor", daemon=True)
        self._thread.start()

    # --- CPUs ----------------------------------------------------------------------------------
    def refresh_capacity(self) -> None:
        """Training slots = the cluster's CPUs less what the server keeps (RESERVED_ENV), capped by
        GAN_EXPLAINER_MAX_TRAINING when that is set."""
        self._capacity_at = time.monotonic()
        try:
            cpus = int(ray.cluster_resources().get("CPU", 0))
        except RayError:
            return
        reserved = int(os.environ.get(RESERVED_ENV, "0") or 0)
        slots = max(1, cpus - reserved)
        if os.environ.get("GAN_EXPLAINER_MAX_TRAINING", "").strip():
            slots = min(slots, default_capacity())
        self.cpus = slots
        if self.scheduler.capacity != slots:
            self.scheduler.set_capacity(slots)

    def all_runs(self) -> list[RayRun]:
        with self._lock:
            return list(self.runs)

    def actors_alive(self) -> int:
        return sum(1 for r in self.all_runs() if r._actor is not None)

    @staticmethod
    def _holds_cpu(run: RayRun) -> bool:
        return run._actor is not None or run._reserved

    def claim_cpu(self, run: RayRun, evict: bool) -> tuple[bool, Any]:
        """(whether `run` may have an actor now, a paused run's actor handed over to it or None).
        With `evict`, the paused run unused longest gives up its actor: its state leaves first
        (export), then the same warm process takes `run` (RunActor.adopt). Victims are only
        taken when their lock is free (no lock order to deadlock on)."""
        with self._lock:
            alive = [r for r in self.runs if self._holds_cpu(r)]
            if run in alive:
                return True, None
            if len(alive) < self.cpus:
                run._reserved = True  # counted at once: sessions opening together must not all take it
                return True, None
            if not evict:
                return False, None
            victims = sorted(
                (r for r in alive if r is not run and r._admitted_at is None and r._lost is None),
                key=lambda r: r._last_active,
            )
            for victim in victims:
                if victim._lock.acquire(blocking=False):
                    try:
                        if victim._actor is not None and victim._admitted_at is None:
                            handle = victim._surrender()
                            run._reserved = True
                            return True, handle
                    finally:
                        victim._lock.release()
            return False, None

    def register(self, run: RayRun) -> None:
        with self._lock:
            self.runs.add(run)

    # --- the loop --------------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:  # the monitor must outlive any one run's surprise (or the cluster's)
                log.exception("cluster monitor tick failed")
                time.sleep(2.0)
            time.sleep(TICK)

    def tick(self) -> None:
        if not ray.is_initialized():  # the host (a test) shut Ray down: nothing to talk to
            return
        now = time.monotonic()
        if now - self._capacity_at >= CAPACITY_EVERY:
            self.refresh_capacity()
        runs = self.all_runs()
        refs = [ref for r in runs for ref in (r._poll_ref, r._export_ref) if ref is not None]
        ready: set = set()
        if refs:
            done, _ = ray.wait(refs, num_returns=len(refs), timeout=0, fetch_local=True)
            ready = set(done)
        for run in runs:
            run._tick(now, ready)
        if self._stats_path and now - self._stats_at >= 2.0:
            self._stats_at = now
            self._write_stats()

    def stats(self) -> dict[str, Any]:
        runs = self.all_runs()
        return {
            "time": time.time(),
            "cpus": self.cpus,
            "actors_alive": self.actors_alive(),
            "runs": len(runs),
            **self.totals,
            "per_run": {
                r.run_id: {**r.stats, "status": r._shown.status, "step": r._shown.step, "created": r.created_at}
                for r in runs
            },
        }

    def _write_stats(self) -> None:
        path = self._stats_path
        try:
            tmp = f"{path}.tmp"
            with open(tmp, "w") as f:
                json.dump(self.stats(), f)
            os.replace(tmp, path)
        except OSError:
            pass


# --- the handle ----------------------------------------------------------------------------------
def _kill(holder: list) -> None:
    actor = holder[0]
    holder[0] = None
    if actor is not None and ray.is_initialized():
        try:
            ray.kill(actor)
        except Exception:  # the cluster may already be gone at interpreter exit
            pass


class RayRun:
    """A run trained by a Ray actor; the methods and their meaning are TrainingRun's (RunHandle)."""

    def __init__(
        self,
        config: TrainConfig,
        dataset: Dataset | None = None,
        *,
        scheduler: Scheduler | None = None,
        idle_timeout: float | None = 120.0,
        **options: Any,
    ) -> None:
        self.monitor = connect()
        self.run_id = next(_ids)
        self.scheduler = scheduler or self.monitor.scheduler
        self.idle_timeout = idle_timeout
        self.options = options  # for the actor's TrainingRun (intervals, stop_at_steps, max_run_seconds)
        self.created_at = time.time()
        self._lock = threading.RLock()
        self._config = config
        self._dataset = dataset
        self._local_data: Dataset | None = None  # built-in data loaded here on demand (training_data)
        self._actor = None
        self._reserved = False  # a CPU claimed for an actor about to be made (ClusterMonitor.claim_cpu)
        self._holder: list = [None]  # the actor, for the finalizer (it must not hold self)
        weakref.finalize(self, _kill, self._holder)
        self._answered = False  # the current actor has answered a snapshot request
        self._decoder = wire.SnapshotDecoder()
        self._version = 0
        self._poll_ref = None
        self._poll_sent_at = 0.0
        self._poll_seq = 0
        self._cmd_seq = 0
        self._unavailable = False
        self._export_ref = None
        self._export_sent_at = 0.0
        self._state_in_flight = False  # our export, asked for when we gave our actor away, is on its way
        self._state: dict[str, Any] | None = None  # the held checkpoint (RunActor.export)
        self._state_step = 0
        self._state_time = 0.0
        self._want_run = False
        self._admitted_at: float | None = None
        self._training_since: float | None = None  # a turn counts from the actor's first step, not its start-up
        self._queue_position = 0
        self._queue_message = ""
        self._pending: tuple[str, str] | None = None  # (status, message) shown until the actor confirms
        self._lost: str | None = None
        self._lost_was_active = False
        self._last_read = time.monotonic()
        self._last_active = time.monotonic()
        self._g_copy: tuple[tuple[int, bool], nn.Module] | None = None
        self._mode_count = 0
        self._data_shape: tuple[int, ...] = ()
        self.stats: dict[str, Any] = {
            "snapshot_bytes": 0,
            "snapshots": 0,
            "checkpoint_bytes": 0,
            "checkpoints": 0,
            "actor_rss_mib": math.nan,
            "actors_started": 0,
            "actors_handed_over": 0,
        }
        self._base = self._preview(config, dataset)
        self._shown = self._base
        self._publish()
        self.monitor.register(self)
        with self._lock:
            if self.monitor.claim_cpu(self, evict=False)[0]:
                self._spawn()

    # --- RunHandle ---------------------------------------------------------------------------------
    @property
    def config(self) -> TrainConfig:
        return self._config

    @property
    def mode_count(self) -> int:
        return self._mode_count

    @property
    def dataset(self) -> Dataset | None:
        """The data set this server sent the actor (an upload), None for built-in data."""
        return self._dataset

    def training_data(self) -> Dataset:
        """The data set the actor trains on, as this server has it: the upload it sent, or the
        built-in set of that name loaded here (e.g. for the memorisation check's nearest images)."""
        if self._dataset is not None:
            return self._dataset
        name = self._config.dataset
        if self._local_data is None or self._local_data.name != name:
            self._local_data = get_dataset(name)
        return self._local_data

    def snapshot(self) -> Snapshot:
        """The newest snapshot the server has (never waits): also the page heartbeat."""
        self._last_read = time.monotonic()
        return self._shown

    def start(self) -> None:
        with self._lock:
            if self._lost is not None:
                self._restart()
                return
            if self._base.status == DIVERGED and self._pending is None:
                raise RuntimeError("this run diverged: reset it (or restore the last good checkpoint) first")
            self._want_run = True
            self._last_read = self._last_active = time.monotonic()
            position = self.scheduler.request(self)
            if position:
                self._queue_position, self._queue_message = position, ""
            else:
                self._admit(time.monotonic())
            self._publish()

    resume = start

    def pause(self, message: str = "") -> None:
        with self._lock:
            active = self._shown.status in (RUNNING, QUEUED)
            self._leave_slot()
            if self._actor is not None:
                self._command("pause", message)
            if active or message:
                self._pending = (PAUSED if active else self._shown.status, message or self._shown.message)
            self._publish()

    def stop(self, timeout: float = 10.0) -> None:
        """Pause, take the newest state (a few s at most) and end the actor: its CPU is free at
        once. The run keeps its picture; start() makes a new actor from the state."""
        with self._lock:
            self._leave_slot()
            actor = self._actor
            if actor is not None:
                self._command("pause")
                if self._base.step != self._state_step or self._state is None:
                    ref = actor.export.remote()
                    ready, _ = ray.wait([ref], timeout=min(timeout, 3.0))
                    if ready:
                        self._take_export(ref, time.monotonic())
                self._drop_actor(kill=True)
            if self._shown.status not in (DIVERGED, ERROR, LOST):
                self._pending = (STOPPED, self._shown.message)
            self._publish()

    def reset(self, config: TrainConfig | None = None, dataset: Dataset | None = None) -> None:
        with self._lock:
            cfg = config or self._config
            if dataset is None and cfg.dataset == self._config.dataset:
                dataset = self._dataset
            self._leave_slot()
            self._config, self._dataset = cfg, dataset
            self._state, self._state_step, self._g_copy, self._lost = None, 0, None, None
            self._base = self._preview(cfg, dataset)
            self._pending = None
            if self._actor is not None:
                self._command("reset", cfg, self._dataset_arg())
            elif self.monitor.claim_cpu(self, evict=False)[0]:
                self._spawn()
            self._publish()

    def step_once(self, which: str = "both", wait: float | None = 10.0, times: int = 1) -> None:
        if which not in ("d", "g", "both"):
            raise ValueError(f"which must be 'd', 'g' or 'both', got {which!r}")
        if not 1 <= times <= 10_000:
            raise ValueError(f"times must be between 1 and 10000, got {times}")
        with self._lock:
            if self._lost is not None:
                raise RuntimeError(
                    "the machine that trained this run was lost: restart it from the last good checkpoint"
                )
            if self._base.status == DIVERGED:
                raise RuntimeError("this run diverged: reset it first")
            self._need_actor()
            self._command("step_once", which, times)
        if wait:
            self._await_fresh(wait)

    def update(self, **changes: Any) -> TrainConfig:
        with self._lock:
            new = self._config.replace(**changes)
        restart = sorted(k for k in changes if k not in LIVE_FIELDS)
        if restart:
            raise ValueError(
                f"{', '.join(restart)} cannot change while a run trains: reset the run with the new setting"
            )
        with self._lock:
            self._config = new
            sent = self._actor is not None
            if sent:
                self._command("update", **changes)
        if sent:  # like TrainingRun: wait briefly, so the rerun shows the new value
            self._await_fresh(0.3)
        return new

    def load_state(self, state: dict[str, Any]) -> None:
        with self._lock:
            self._leave_slot()
            self._need_actor()
            self._state, self._state_step, self._g_copy = None, 0, None
            self._command("load_state", state)
        self._await_fresh(15.0)

    def restore_last_good(self) -> bool:
        """After a diverged run: the actor's last finite weights. After a lost machine: a new
        actor from the state the server holds, training again if it trained when lost."""
        with self._lock:
            if self._lost is not None:
                return self._restart()
            if not self._base.has_checkpoint:
                return False
            self._leave_slot()
            self._need_actor()
            self._command("restore_last_good")
        self._await_fresh(15.0)
        return True

    def generator_copy(self) -> nn.Module:
        snap = self._shown
        key = (snap.g_updates, snap.views.get("generator") == "average")
        with self._lock:
            if self._g_copy is not None and self._g_copy[0] == key:
                return self._g_copy[1]
            actor, state = self._actor, self._state
        if actor is not None:
            ref = actor.generator_state.remote()
            ready, _ = ray.wait([ref], timeout=15.0)
            if ready:
                try:
                    got_key, weights, _ = ray.get(ref, timeout=GET_TIMEOUT)
                    return self._keep_generator(tuple(got_key), weights)
                except RayError:
                    pass
        elif state is not None and state.get("trainer") is not None:
            trainer = state["trainer"]
            average = bool(self._config.smoothed_view and "generator_ema" in trainer)
            return self._keep_generator(key, trainer["generator_ema" if average else "generator"])
        if self._g_copy is not None:
            return self._g_copy[1]
        raise RuntimeError("the cluster did not send this run's generator in time: try again in a moment")

    def checkpoint(self) -> dict[str, Any]:
        with self._lock:
            actor, state = self._actor, self._state
        if actor is not None:
            ref = actor.checkpoint.remote()
            ready, _ = ray.wait([ref], timeout=15.0)
            if ready:
                try:
                    return ray.get(ref, timeout=GET_TIMEOUT)
                except RayError:
                    pass
        if state is not None and state.get("trainer") is not None:
            return {**copy.deepcopy(state["trainer"]), "data_shape": tuple(self._data_shape)}
        raise RuntimeError("the cluster did not send this run's checkpoint in time: try again in a moment")

    # --- server-side state ------------------------------------------------------------------------
    def _preview(self, config: TrainConfig, dataset: Dataset | None) -> Snapshot:
        """A fresh run's picture at step 0, made here (as the thread backend does) so a page shows
        it at once; the actor, seeded the same, starts from exactly these weights."""
        local = TrainingRun(config, dataset, scheduler=Scheduler(capacity=1, turn_seconds=None), idle_timeout=None)
        _live_runs.discard(local)
        self._mode_count = local.mode_count
        self._data_shape = tuple(local.trainer.dataset.shape)
        self._decoder.forget()
        snap = local.snapshot()
        self._g_copy = ((0, snap.views.get("generator") == "average"), local.generator_copy())
        return wire.with_notice(snap, self._version, run_id=self.run_id)

    def _dataset_arg(self) -> Dataset | None:
        ds = self._dataset
        if ds is None or (ds.name in BY_NAME and ds.name == self._config.dataset):
            return None
        return ds  # an upload or a data subset: Ray sends it through the object store

    def _spawn(self, state: Any = None, message: str = "", actor: Any = None) -> None:
        """An actor for this run (the caller claimed a CPU): a new one, or `actor` handed over by
        a paused run; from `state` (the held one by default, or our own export still on its way)."""
        if state is None:
            state = self._export_ref if self._state_in_flight else self._state
        if actor is None:
            self._actor = actor_class().remote(self._config, self._dataset_arg(), state, self.options, message)
        else:
            actor.adopt.remote(self._config, self._dataset_arg(), state, self.options, message)
            self._actor = actor
        self._reserved = True
        self._holder[0] = self._actor
        self._answered = False
        self._unavailable = False
        self._decoder.forget()
        self.stats["actors_started" if actor is None else "actors_handed_over"] += 1
        self._last_active = time.monotonic()
        self._send_poll(time.monotonic())

    def _need_actor(self) -> None:
        if self._actor is None:
            ok, handed = self.monitor.claim_cpu(self, evict=True)
            if not ok:
                raise RuntimeError(
                    "Every CPU of the cluster is training someone's run right now: press ▶ Start to queue for one."
                )
            self._spawn(actor=handed)

    def _drop_actor(self, kill: bool) -> None:
        if kill and self._actor is not None:
            _kill(self._holder)
        self._actor = None
        self._reserved = False
        self._holder[0] = None
        self._poll_ref = None
        self._answered = False
        self._decoder.forget()

    def _surrender(self):
        """Give this paused run's actor to a run whose turn came (caller holds our lock): the
        state leaves first (the export is answered before the new run's adopt, same caller),
        and comes back when this run trains again."""
        actor = self._actor
        self._export_ref = actor.export.remote()
        self._export_sent_at = time.monotonic()
        self._state_in_flight = True
        self._drop_actor(kill=False)
        return actor

    def _command(self, name: str, *args: Any, **kwargs: Any) -> None:
        getattr(self._actor, name).remote(*args, **kwargs)
        self._cmd_seq += 1
        self._last_active = time.monotonic()
        self._poll_sent_at = 0.0  # the monitor asks for the result at its next look

    def _send_poll(self, now: float):
        self._poll_ref = self._actor.poll.remote(self._decoder.have())
        self._poll_seq = self._cmd_seq
        self._poll_sent_at = now
        self.monitor.totals["polls"] += 1
        return self._poll_ref

    def _await_fresh(self, timeout: float) -> None:
        """Wait (at most `timeout` s) until the page's snapshot shows the latest command: the
        reply to a request sent after it. Still one request in flight at a time: one sent
        before the command is awaited (and dropped) first."""
        deadline = time.monotonic() + timeout
        while True:
            now = time.monotonic()
            with self._lock:
                if self._actor is None or self._lost is not None:
                    return
                if self._poll_ref is None:
                    if self._pending is None and self._poll_seq == self._cmd_seq and self._answered:
                        return  # the monitor already showed the answer
                    self._send_poll(now)
                ref, seq = self._poll_ref, self._poll_seq
            if deadline - now <= 0:
                return
            try:
                ready, _ = ray.wait([ref], timeout=deadline - now)
            except RayError:
                return
            if not ready:
                return
            with self._lock:
                if self._poll_ref is ref:
                    self._take_poll(time.monotonic())
                    self._publish()
                if seq == self._cmd_seq:
                    return

    def _leave_slot(self) -> None:
        self._want_run = False
        self._admitted_at = None
        self._queue_position = 0
        self.scheduler.release(self)

    def _admit(self, now: float) -> None:
        """The scheduler gave this run a CPU: make sure it has an actor, and train."""
        self._admitted_at = now
        self._training_since = None
        self._queue_position, self._queue_message = 0, ""
        if self._actor is None:
            _, handed = self.monitor.claim_cpu(self, evict=True)  # admitted runs <= CPUs: a paused run's actor
            self._spawn(actor=handed)
        self._command("start")
        self._pending = (RUNNING, "")

    def _restart(self) -> bool:
        """After a lost machine: train on from the held state (queued if no CPU is free)."""
        held = self._state is not None
        was_active = self._lost_was_active
        self._lost = None
        step = self._state_step if held else 0
        message = (
            f"Restarted from the checkpoint the server held (step {step:,})."
            if held
            else "Restarted from step 0: the server held no checkpoint of this run yet."
        )
        self._pending = (PAUSED, message)
        if not held:
            self._base = self._preview(self._config, self._dataset)
        if was_active:
            self.start()
        else:
            ok, handed = self.monitor.claim_cpu(self, evict=True)
            if ok:
                self._spawn(message=message, actor=handed)
        self._publish()
        return held

    def _on_lost(self, exc: BaseException) -> None:
        self._lost_was_active = self._want_run or self._shown.status in (RUNNING, QUEUED)
        self._lost = _lost_reason(exc)
        self._leave_slot()
        self._drop_actor(kill=True)
        self._export_ref, self._state_in_flight, self._pending = None, False, None
        self.monitor.refresh_capacity()  # a lost machine's CPUs are no longer slots

    # --- the monitor's work ---------------------------------------------------------------------
    def _tick(self, now: float, ready: set) -> None:
        # A click that holds the lock (a stop taking the last state, a reset's new picture) must
        # not hold up every other run: this run is looked at again on the next tick.
        if not self._lock.acquire(blocking=False):
            return
        try:
            self._tick_locked(now, ready)
        finally:
            self._lock.release()

    def _tick_locked(self, now: float, ready: set) -> None:
        before = (self._shown.status, self._shown.message, self._shown.queue_position)
        if self._export_ref is not None and self._export_ref in ready:
            self._take_export(self._export_ref, now)
        base = self._base
        if self._poll_ref is not None and self._poll_ref in ready:
            self._take_poll(now)
        if self._lost is None:
            self._schedule(now)
        if self._actor is not None and self._poll_ref is None and now - self._poll_sent_at >= self._poll_every(now):
            self._send_poll(now)
        if (
            self._actor is not None
            and self._export_ref is None
            and self._base.status == RUNNING
            and self._answered
            and now - self._state_time >= CHECKPOINT_EVERY
            and self._base.step != self._state_step
        ):
            self._export_ref = self._actor.export.remote()
            self._export_sent_at = now
        if self._view() != before or self._base is not base:
            self._publish()

    def _poll_every(self, now: float) -> float:
        training = self._admitted_at is not None or self._base.status == RUNNING
        if not training:
            return POLL_UNWATCHED * 2.5
        return POLL_WATCHED if now - self._last_read < WATCHED_FOR else POLL_UNWATCHED

    def _schedule(self, now: float) -> None:
        """Admission, turns and the idle timeout, as TrainingRun's thread does for itself."""
        if self._want_run and self._admitted_at is None:
            position = self.scheduler.request(self)
            if position == 0:
                self._admit(now)
            else:
                self._queue_position = position
        elif self._admitted_at is not None:
            since = self._training_since
            if since is not None and self.scheduler.turn_over(self, now - since):
                self._admitted_at = self._training_since = None
                self._queue_position = self.scheduler.requeue(self)
                self._queue_message = (
                    f"{TURN_MESSAGE_PREFIX} this run trained for its {self.scheduler.turn_seconds:.0f} s "
                    "turn while others waited; it goes on by itself when its turn comes round again."
                )
                if self._actor is not None:
                    self._command("pause", self._queue_message)
            elif self.idle_timeout is not None and now - self._last_read > self.idle_timeout:
                self.pause(
                    f"Paused: nobody has looked at this run for {self.idle_timeout:.0f} s. Press start to go on."
                )

    def _take_poll(self, now: float) -> None:
        ref, self._poll_ref = self._poll_ref, None
        try:
            blob = ray.get(ref, timeout=GET_TIMEOUT)
        except ActorUnavailableError:
            self._unavailable = True  # transient (e.g. a network blip): ask again next tick
            return
        except RayActorError as exc:
            self._on_lost(exc)
            return
        except (GetTimeoutError, RayError):
            return
        self._answered, self._unavailable = True, False
        if self._poll_seq != self._cmd_seq:  # asked before the latest command: ask again
            self._poll_sent_at = 0.0
            return
        if blob is None:
            return
        self.stats["snapshot_bytes"] += len(blob)
        self.stats["snapshots"] += 1
        self.monitor.totals["snapshot_bytes"] += len(blob)
        self.monitor.totals["snapshots"] += 1
        self._base = self._decoder.apply(blob, self.run_id, self._version)
        extra = self._decoder.extra
        self.stats["actor_rss_mib"] = extra.get("rss_mib", math.nan)
        self._mode_count = int(extra.get("mode_count", self._mode_count))
        self._data_shape = tuple(extra.get("data_shape", self._data_shape))
        self._pending = None
        if self._admitted_at is not None and self._base.status not in (RUNNING, QUEUED):
            # The actor paused itself (finished, diverged, an error, its time limit): free the CPU.
            self._leave_slot()
        if self._base.status == RUNNING:
            self._last_active = now
            if self._admitted_at is not None and self._training_since is None:
                self._training_since = now

    def _take_export(self, ref, now: float) -> None:
        if ref is not self._export_ref:
            return
        self._export_ref = None
        handed_over, self._state_in_flight = self._state_in_flight, False
        try:
            state = ray.get(ref, timeout=GET_TIMEOUT)
        except RayActorError as exc:
            if not handed_over:
                self._on_lost(exc)
            return
        except RayError:
            return
        size = _nbytes(state)
        self.stats["checkpoint_bytes"] += size
        self.stats["checkpoints"] += 1
        self.monitor.totals["checkpoint_bytes"] += size
        self.monitor.totals["checkpoints"] += 1
        if size <= MAX_HELD_BYTES:
            self._state, self._state_step = state, int(state.get("step", 0))
            self._state_time = self._export_sent_at

    # --- what pages see ---------------------------------------------------------------------------
    def _view(self) -> tuple[str, str, int]:
        """(status, message, queue position) from the actor's newest snapshot and what only the
        server knows: queued, lost, a command not yet confirmed, an actor not answering."""
        base = self._base
        now = time.monotonic()
        if self._lost is not None:
            if self._state is not None:
                held = (
                    f"The server holds a checkpoint from step {self._state_step:,}, "
                    f"{max(0.0, now - self._state_time):.0f} s before the loss: restart from it to train on."
                )
            else:
                held = "The server holds no checkpoint of it yet: a restart begins again at step 0."
            message = (
                f"The machine that trained this GAN was lost ({self._lost}). This is its last picture "
                f"(step {base.step:,}). {held}"
            )
            return LOST, message, 0
        if self._want_run and self._admitted_at is None and self._queue_position:
            return QUEUED, self._queue_message, self._queue_position
        status, message = self._pending if self._pending is not None else (base.status, base.message)
        if self._actor is not None and not self._answered and self._admitted_at is not None:
            message = STARTING
        elif self._actor is not None and (
            self._unavailable or (self._poll_ref is not None and now - self._poll_sent_at > RECONNECTING_AFTER)
        ):
            waited = now - self._poll_sent_at
            message = (
                f"Reconnecting… the machine that trains this GAN has not answered for {waited:.0f} s; "
                "this is its last picture."
            )
        return status, message, 0

    def _publish(self) -> None:
        status, message, position = self._view()
        self._version += 1
        self._shown = wire.with_notice(
            self._base,
            self._version,
            run_id=self.run_id,
            status=status,
            message=message,
            queue_position=position,
            steps_per_sec=self._base.steps_per_sec if status == RUNNING else 0.0,
            has_checkpoint=self._base.has_checkpoint or (status == LOST and self._state is not None),
        )

    def _keep_generator(self, key: tuple[int, bool], weights: dict[str, Any]) -> nn.Module:
        from gan_core.models import build_models

        generator, _ = build_models(self._config, self._data_shape)
        generator.load_state_dict(weights)
        generator.eval().requires_grad_(False)
        with self._lock:
            self._g_copy = (key, generator)
        return generator


@atexit.register
def _kill_all_at_exit() -> None:
    """Ray ends a driver's actors when it exits; ending them first frees their CPUs at once."""
    if _monitor is not None:
        for run in _monitor.all_runs():
            _kill(run._holder)


__all__ = ["LOST", "IDLE", "RayRun", "cluster_stats", "connect", "live_actors", "training_actors"]
