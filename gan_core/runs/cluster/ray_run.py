"""RayRun: a run whose engine trains in a Ray actor, seen by pages exactly like a TrainingRun.

How it keeps pages from ever waiting on the cluster:
- One monitor thread per server process (monitor.py) talks to the actors. Each run has at most
  one snapshot request in flight; the monitor checks all of them with one `ray.wait(refs,
  timeout=0)` every 0.1 s and each run rebuilds the newest Snapshot from its replies (sync.py;
  only a changed snapshot travels: wire.py). `snapshot()` returns what the server has.
- A command (start, pause, a live setting) is sent and returns; the page shows the expected
  status at once and the actor's next reply confirms it. Replies to requests sent before the
  latest command are dropped, so a stale "training" never overwrites a "paused".
- No `ray.get` without a timeout: the monitor only gets what `ray.wait` says is ready, and the
  few calls a student's click waits for (a step by hand, a checkpoint download) wait boundedly.

Admission, turns and limits stay in the server: the admission's capacity is the cluster's CPUs (a head
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

import copy
import math
import threading
import time
import weakref
from typing import Any

import ray
from ray.exceptions import RayError
from torch import nn

from gan_core.config import LIVE_FIELDS, TrainConfig
from gan_core.data import Dataset, get_dataset
from gan_core.data.toy import TOY_BUILDERS
from gan_core.runs.admission import Admission, Limits, NoLimits
from gan_core.runs.cluster import wire
from gan_core.runs.cluster.monitor import actor_class, connect, kill_actor
from gan_core.runs.cluster.sync import GET_TIMEOUT, ActorSync
from gan_core.runs.runner import TrainingRun, _ids, _live_runs
from gan_core.runs.snapshot import DIVERGED, ERROR, LOST, PAUSED, QUEUED, RUNNING, STOPPED, Snapshot

# Built-in data the actor loads by name itself (deterministic, small); anything else (uploads,
# MNIST subsets) travels once per server through the object store.
BY_NAME = frozenset(TOY_BUILDERS) | {"digits", "shapes"}


class RayRun(ActorSync):
    """A run trained by a Ray actor; the methods and their meaning are TrainingRun's (RunHandle)."""

    def __init__(
        self,
        config: TrainConfig,
        dataset: Dataset | None = None,
        *,
        admission: Admission | None = None,
        limits: Limits | None = None,
        **options: Any,
    ) -> None:
        self.monitor = connect(admission)
        self.run_id = next(_ids)
        self.admission: Admission = admission or self.monitor.admission
        self.limits: Limits = limits or NoLimits()  # applied here: the actor trains until told to pause
        self.options = options  # for the actor's TrainingRun (intervals, stop_at_steps)
        self.created_at = time.time()
        self._lock = threading.RLock()
        self._config = config
        self._dataset = dataset
        self._local_data: Dataset | None = None  # built-in data loaded here on demand (training_data)
        self._actor = None
        self._reserved = False  # a CPU claimed for an actor about to be made (ClusterMonitor.claim_cpu)
        self._holder: list = [None]  # the actor, for the finalizer (it must not hold self)
        weakref.finalize(self, kill_actor, self._holder)
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
        self._smoothed_view = False  # the run's view (set_view): sent to every actor it gets
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
            position = self.admission.request(self)
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

    def set_view(self, smoothed: bool) -> None:
        with self._lock:
            self._smoothed_view = bool(smoothed)
            sent = self._actor is not None
            if sent:
                self._command("set_view", self._smoothed_view)
        if sent:
            self._await_fresh(0.3)

    @property
    def smoothed_view(self) -> bool:
        return self._smoothed_view

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
            average = bool(self._smoothed_view and "generator_ema" in trainer)
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
            return {
                **copy.deepcopy(state["trainer"]),
                "data_shape": tuple(self._data_shape),
                "view": {"smoothed_view": self._smoothed_view},
            }
        raise RuntimeError("the cluster did not send this run's checkpoint in time: try again in a moment")

    # --- server-side state ------------------------------------------------------------------------
    def _preview(self, config: TrainConfig, dataset: Dataset | None) -> Snapshot:
        """A fresh run's picture at step 0, made here (as the thread backend does) so a page shows
        it at once; the actor, seeded the same, starts from exactly these weights."""
        local = TrainingRun(config, dataset)
        local.set_view(self._smoothed_view)
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
        if self._smoothed_view:
            self._command("set_view", True)
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
            kill_actor(self._holder)
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

    def _leave_slot(self) -> None:
        self._want_run = False
        self._admitted_at = None
        self._queue_position = 0
        self.admission.release(self)

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

    def _keep_generator(self, key: tuple[int, bool], weights: dict[str, Any]) -> nn.Module:
        from gan_core.models import build_models

        generator, _ = build_models(self._config, self._data_shape)
        generator.load_state_dict(weights)
        generator.eval().requires_grad_(False)
        with self._lock:
            self._g_copy = (key, generator)
        return generator
