"""How a run gets a training slot: a server-wide cap on how many runs train at the same time.

On a shared class server 30 students may press start at once. Letting 30 threads fight over
2 cores makes every run crawl and the UI freeze; instead at most `capacity` runs train and
the rest wait in a FIFO queue whose position the page shows.

A FIFO queue alone would let the first two students train for half an hour while 28 stare at
"waiting". So runs take turns: once a run has trained for `turn_seconds` while others wait,
it goes to the back of the queue and resumes by itself when its turn comes round again. On
a quiet laptop nobody waits and nothing changes.

The teacher's projected runs must never sit at "waiting for a slot" in front of the class. A
run marked with `reserve(run)` (a session opened with the teacher key) trains in a pool of
`reserved` slots of its own, on top of `capacity`: it is never queued behind students and
never turned out by turns. Only when the teacher has more runs active than reserved slots do
the extra ones go to the head of the queue.
"""

from __future__ import annotations

import os
import threading
import weakref

from classroom.server_wide import ServerWide


def _env_number(name: str, kind: type, low: float, rule: str) -> float | None:
    """The number an environment variable sets (None when unset), or ValueError saying the rule."""
    text = os.environ.get(name, "").strip()
    if not text:
        return None
    what = "a whole number" if kind is int else "a number of seconds"
    try:
        value = kind(text)
    except ValueError:
        raise ValueError(f"{name} must be {what}, got {text!r}") from None
    if not value >= low or value == float("inf"):
        raise ValueError(f"{name} must be {rule}, got {text!r}")
    return value


def default_capacity() -> int:
    """GAN_EXPLAINER_MAX_TRAINING if set, else one run per core (at least 2: a side-by-side
    comparison on a dual-core laptop must not queue against itself)."""
    value = _env_number("GAN_EXPLAINER_MAX_TRAINING", int, 1, "at least 1")
    return int(value) if value is not None else max(2, os.cpu_count() or 2)


DEFAULT_TURN_SECONDS = 30.0


def default_turn_seconds() -> float | None:
    """GAN_EXPLAINER_TURN_SECONDS if set (0 turns turn-taking off), else 30 s: long enough for
    a 2D preset to converge in one turn (~7,000 steps), short enough that a class of 30 on two
    slots sees every run train within a few minutes."""
    value = _env_number("GAN_EXPLAINER_TURN_SECONDS", float, 0, "0 (off) or a positive number")
    return DEFAULT_TURN_SECONDS if value is None else (value or None)


DEFAULT_RESERVED = 2  # the teacher's pool: the Mode collapse lab projects two runs at once


def default_reserved() -> int:
    """GAN_EXPLAINER_TEACHER_SLOTS if set, else 2: enough for the lab's pair of runs."""
    value = _env_number("GAN_EXPLAINER_TEACHER_SLOTS", int, 0, "0 or more")
    return DEFAULT_RESERVED if value is None else int(value)


_UNSET = object()


class Scheduler:
    def __init__(
        self,
        capacity: int | None = None,
        turn_seconds: float | None | object = _UNSET,
        reserved: int | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self.capacity = capacity if capacity is not None else default_capacity()
        # None: no turns (a run keeps its slot until it pauses).
        self.turn_seconds: float | None = default_turn_seconds() if turn_seconds is _UNSET else turn_seconds  # type: ignore[assignment]
        self.reserved_capacity = reserved if reserved is not None else default_reserved()
        self._active: set[object] = set()  # runs in the shared slots
        self._active_reserved: set[object] = set()  # teacher runs in the reserved pool
        self._queue: list[object] = []
        # Weak: a teacher run that is dropped must not be kept alive by being marked.
        self._priority: weakref.WeakSet[object] = weakref.WeakSet()

    def reserve(self, run: object) -> None:
        """Mark `run` as the teacher's: from now on it trains in the reserved pool."""
        with self._lock:
            self._priority.add(run)
            if len(self._active_reserved) >= self.reserved_capacity:
                return
            if run in self._active:  # training in a shared slot: it moves to its own, freeing that one
                self._active.discard(run)
                self._active_reserved.add(run)
            elif run in self._queue:  # waiting: it gets its reserved slot at its next request
                self._queue.remove(run)
                self._queue.insert(0, run)

    def is_reserved(self, run: object) -> bool:
        with self._lock:
            return run in self._priority

    def request(self, run: object) -> int:
        """0 if `run` may train now (it then holds a slot), else its 1-based queue position."""
        with self._lock:
            if run in self._active or run in self._active_reserved:
                return 0
            if run in self._priority:
                if len(self._active_reserved) < self.reserved_capacity:
                    if run in self._queue:
                        self._queue.remove(run)
                    self._active_reserved.add(run)
                    return 0
                if run not in self._queue:  # more teacher runs than reserved slots: first in line
                    self._queue.insert(0, run)
            elif run not in self._queue:
                self._queue.append(run)
            if len(self._active) < self.capacity and self._queue[0] is run:
                self._queue.pop(0)
                self._active.add(run)
                return 0
            return self._queue.index(run) + 1

    def release(self, run: object) -> None:
        with self._lock:
            self._active.discard(run)
            self._active_reserved.discard(run)
            if run in self._queue:
                self._queue.remove(run)

    def turn_over(self, run: object, trained_for: float) -> bool:
        """Whether `run`, training for `trained_for` s since its admission, must give its slot
        to a waiting run now (never a run in the teacher's reserved pool)."""
        if self.turn_seconds is None or trained_for < self.turn_seconds:
            return False
        with self._lock:
            return bool(self._queue) and run in self._active

    def requeue(self, run: object) -> int:
        """Move `run` from its slot to the back of the queue; returns its position there."""
        with self._lock:
            self._active.discard(run)
            self._active_reserved.discard(run)
            if run in self._queue:
                self._queue.remove(run)
            self._queue.append(run)
            return len(self._queue)

    def turn_message(self) -> str:
        """What a run says while it waits for its next turn (gan_core.runs.admission.Admission)."""
        return (
            f"Taking turns: this run trained for its {self.turn_seconds or 0:.0f} s turn while others waited; "
            "it goes on by itself when its turn comes round again."
        )

    def fit_to(self, slots: int) -> None:
        """A cluster has `slots` CPUs for training (machines join and leave): that many training
        slots, or GAN_EXPLAINER_MAX_TRAINING if that is set and lower."""
        if os.environ.get("GAN_EXPLAINER_MAX_TRAINING", "").strip():
            slots = min(slots, default_capacity())
        if slots != self.capacity:
            self.set_capacity(max(1, slots))

    def set_capacity(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        with self._lock:
            self.capacity = capacity

    @property
    def active_count(self) -> int:
        """Runs training in the shared slots (the teacher's reserved pool is counted apart)."""
        with self._lock:
            return len(self._active)

    @property
    def reserved_active_count(self) -> int:
        with self._lock:
            return len(self._active_reserved)

    @property
    def queued_count(self) -> int:
        with self._lock:
            return len(self._queue)


default_scheduler = ServerWide(Scheduler)  # the server's one scheduler
