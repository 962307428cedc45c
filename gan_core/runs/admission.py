"""What a run asks before it trains, and what may pause it: two seams the classroom fills in.

A run does not decide who trains on a shared server, nor for how long: it asks an `Admission`
(may I train now, or what is my place in the queue; is my turn over) and consults `Limits` (should I
pause: nobody has looked for a while, or I trained too long in one go). The class server's answers,
with their sentences for the students, live in the classroom package (classroom.slots,
classroom.limits). On their own, runs are admitted at once and never paused: what the CLI, the
tests and a Ray actor (the server decides for it) want.
"""

from __future__ import annotations

from typing import Protocol


class Admission(Protocol):
    """Training slots: `request` answers 0 (train now; the run holds a slot) or a 1-based queue
    position; `release` gives the slot (or the place in the queue) back."""

    def request(self, run: object) -> int: ...

    def release(self, run: object) -> None: ...

    def turn_over(self, run: object, trained_for: float) -> bool:
        """Whether `run`, trained for `trained_for` s since its admission, must let a waiting run go first."""
        ...

    def requeue(self, run: object) -> int:
        """Send `run` to the back of the queue; its position there."""
        ...

    def turn_message(self) -> str:
        """What a run whose turn ended tells its student."""
        ...

    def fit_to(self, slots: int) -> None:
        """A cluster has `slots` CPUs for training (gan_core.runs.cluster.monitor tells, as machines join and leave)."""
        ...


class Unlimited:
    """Every run trains at once, for as long as it likes."""

    def request(self, run: object) -> int:
        return 0

    def release(self, run: object) -> None:
        pass

    def turn_over(self, run: object, trained_for: float) -> bool:
        return False

    def requeue(self, run: object) -> int:
        return 0

    def turn_message(self) -> str:
        return ""

    def fit_to(self, slots: int) -> None:
        pass


class Limits(Protocol):
    """When a training run pauses itself, and the sentence it says then (None: go on)."""

    def idle_pause(self, unread_for: float) -> str | None:
        """Nobody has read the run's snapshot for `unread_for` s."""
        ...

    def time_pause(self, trained_for: float) -> str | None:
        """The run has trained for `trained_for` s since it was (last) admitted."""
        ...


class NoLimits:
    def idle_pause(self, unread_for: float) -> str | None:
        return None

    def time_pause(self, trained_for: float) -> str | None:
        return None
