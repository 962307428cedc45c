"""A Ray run's side of the conversation with its actor, worked by the monitor's tick.

Each tick a run takes the replies that arrived (a snapshot, an exported state), decides admission,
turns and limits as TrainingRun's thread does for itself, asks for the next snapshot at the rate a
page is watching, fetches its state every few seconds while it trains, and publishes what pages see:
the actor's newest snapshot with what only the server knows (queued, lost, a command not yet
confirmed, an actor not answering). Replies to requests sent before the latest command are dropped,
so a stale "training" never overwrites a "paused".
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import ray
import torch
from ray.exceptions import ActorUnavailableError, GetTimeoutError, RayActorError, RayError

from gan_core.runs.cluster import wire
from gan_core.runs.runner import INSIDE_LEASE_SECONDS
from gan_core.runs.snapshot import LOST, QUEUED, RUNNING

POLL_WATCHED = 0.5  # s between snapshot requests of a training run a page is watching (its refresh rate)
POLL_UNWATCHED = 2.0  # nobody looking, or not training: enough to notice it paused itself
WATCHED_FOR = 3.0  # a page that read the snapshot this recently is watching
CHECKPOINT_EVERY = 5.0  # s between the states the server fetches of a training run
RECONNECTING_AFTER = 4.0  # s without an answer before the page says "reconnecting…"
MAX_HELD_BYTES = 64 * 2**20  # a bigger state is not held (the run then restarts from an older one)
GET_TIMEOUT = 5.0  # ray.get only runs on refs ray.wait called ready: a safety net, never the wait
STARTING = "Starting on the cluster…"


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


class ActorSync:
    """RayRun's monitor-side methods (a mixin: the attributes are RayRun's)."""

    _inside_sent: tuple[int | None, float] = (None, -math.inf)  # the last look_inside the actor heard

    def look_inside(self, index: int | None) -> None:
        """TrainingRun.look_inside, on the actor. A page asks on every refresh; the actor hears when
        the request changes and often enough to keep its lease, not twice a second."""
        now = time.monotonic()
        with self._lock:
            last, sent_at = self._inside_sent
            if self._actor is None or (index == last and now - sent_at < INSIDE_LEASE_SECONDS / 3):
                return
            self._inside_sent = (index, now)
            self._command("look_inside", index)

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
            position = self.admission.request(self)
            if position == 0:
                self._admit(now)
            else:
                self._queue_position = position
        elif self._admitted_at is not None:
            since = self._training_since
            if since is not None and self.admission.turn_over(self, now - since):
                self._admitted_at = self._training_since = None
                self._queue_position = self.admission.requeue(self)
                self._queue_message = self.admission.turn_message()
                if self._actor is not None:
                    self._command("pause", self._queue_message)
            elif reason := self.limits.idle_pause(now - self._last_read) or (
                since is not None and self.limits.time_pause(now - since)
            ):
                self.pause(reason)

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

    # --- talking to the actor ------------------------------------------------------------------
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

    def _on_lost(self, exc: BaseException) -> None:
        self._lost_was_active = self._want_run or self._shown.status in (RUNNING, QUEUED)
        self._lost = _lost_reason(exc)
        self._leave_slot()
        self._drop_actor(kill=True)
        self._export_ref, self._state_in_flight, self._pending = None, False, None
        self.monitor.refresh_capacity()  # a lost machine's CPUs are no longer slots
