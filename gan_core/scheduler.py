"""Admission control: a server-wide cap on how many runs train at the same time.

On a shared class server 30 students may press start at once. Letting 30 threads fight over
2 cores makes every run crawl and the UI freeze; instead at most `capacity` runs train and
the rest wait in a FIFO queue whose position the page shows.

A FIFO queue alone would let the first two students train for half an hour while 28 stare at
"waiting". So runs take turns: once a run has trained for `turn_seconds` while others wait,
it goes to the back of the queue and resumes by itself when its turn comes round again. On
a quiet laptop nobody waits and nothing changes.
"""

from __future__ import annotations

import os
import threading


def default_capacity() -> int:
    """GAN_EXPLAINER_MAX_TRAINING if set, else one run per core (at least 2: a side-by-side
    comparison on a dual-core laptop must not queue against itself)."""
    env = os.environ.get("GAN_EXPLAINER_MAX_TRAINING", "").strip()
    if env:
        try:
            value = int(env)
        except ValueError:
            raise ValueError(f"GAN_EXPLAINER_MAX_TRAINING must be a whole number, got {env!r}") from None
        if value < 1:
            raise ValueError(f"GAN_EXPLAINER_MAX_TRAINING must be at least 1, got {value}")
        return value
    return max(2, os.cpu_count() or 2)


DEFAULT_TURN_SECONDS = 30.0


def default_turn_seconds() -> float | None:
    """GAN_EXPLAINER_TURN_SECONDS if set (0 turns turn-taking off), else 30 s: long enough for
    a 2D preset to converge in one turn (~7,000 steps), short enough that a class of 30 on two
    slots sees every run train within a few minutes."""
    env = os.environ.get("GAN_EXPLAINER_TURN_SECONDS", "").strip()
    if not env:
        return DEFAULT_TURN_SECONDS
    try:
        value = float(env)
    except ValueError:
        raise ValueError(f"GAN_EXPLAINER_TURN_SECONDS must be a number of seconds, got {env!r}") from None
    if not value >= 0 or value == float("inf"):
        raise ValueError(f"GAN_EXPLAINER_TURN_SECONDS must be 0 (off) or a positive number, got {env!r}")
    return value or None


_UNSET = object()


class Scheduler:
    def __init__(self, capacity: int | None = None, turn_seconds: float | None | object = _UNSET) -> None:
        self._lock = threading.Lock()
        self.capacity = capacity if capacity is not None else default_capacity()
        # None: no turns (a run keeps its slot until it pauses).
        self.turn_seconds: float | None = default_turn_seconds() if turn_seconds is _UNSET else turn_seconds  # type: ignore[assignment]
        self._active: set[object] = set()
        self._queue: list[object] = []

    def request(self, run: object) -> int:
        """0 if `run` may train now (it then holds a slot), else its 1-based queue position."""
        with self._lock:
            if run in self._active:
                return 0
            if run not in self._queue:
                self._queue.append(run)
            if len(self._active) < self.capacity and self._queue[0] is run:
                self._queue.pop(0)
                self._active.add(run)
                return 0
            return self._queue.index(run) + 1

    def release(self, run: object) -> None:
        with self._lock:
            self._active.discard(run)
            if run in self._queue:
                self._queue.remove(run)

    def turn_over(self, run: object, trained_for: float) -> bool:
        """Whether `run`, training for `trained_for` s since its admission, must give its slot
        to a waiting run now."""
        if self.turn_seconds is None or trained_for < self.turn_seconds:
            return False
        with self._lock:
            return bool(self._queue) and run in self._active

    def requeue(self, run: object) -> int:
        """Move `run` from its slot to the back of the queue; returns its position there."""
        with self._lock:
            self._active.discard(run)
            if run in self._queue:
                self._queue.remove(run)
            self._queue.append(run)
            return len(self._queue)

    def set_capacity(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        with self._lock:
            self.capacity = capacity

    @property
    def active_count(self) -> int:
        with self._lock:
            return len(self._active)

    @property
    def queued_count(self) -> int:
        with self._lock:
            return len(self._queue)


_default: Scheduler | None = None
_default_lock = threading.Lock()


def default_scheduler() -> Scheduler:
    global _default
    with _default_lock:
        if _default is None:
            _default = Scheduler()
        return _default
