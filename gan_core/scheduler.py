"""Admission control: a server-wide cap on how many runs train at the same time.

On a shared class server 30 students may press start at once. Letting 30 threads fight over
2 cores makes every run crawl and the UI freeze; instead at most `capacity` runs train and
the rest wait in a FIFO queue whose position the page shows.
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


class Scheduler:
    def __init__(self, capacity: int | None = None) -> None:
        self._lock = threading.Lock()
        self.capacity = capacity if capacity is not None else default_capacity()
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
