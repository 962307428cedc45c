"""How long a student's run trains on a shared server before it pauses itself, and what it says then.

Two limits keep a class server's slots for the students who are looking: a run nobody has looked at
for `idle_timeout` s (a closed laptop, a forgotten tab) pauses, and so does a run that trained
`max_run_seconds` in one go. Either is resumed with ▶ Start. Runs are told these limits when they are
made (ui.state); the runs themselves (gan_core.runs) only ask.
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_IDLE_SECONDS = 120.0
DEFAULT_MAX_RUN_SECONDS = 30 * 60.0


@dataclass(frozen=True)
class ClassLimits:
    """gan_core.runs.admission.Limits for the class server; None turns a limit off."""

    idle_timeout: float | None = DEFAULT_IDLE_SECONDS
    max_run_seconds: float | None = DEFAULT_MAX_RUN_SECONDS

    def idle_pause(self, unread_for: float) -> str | None:
        if self.idle_timeout is None or unread_for <= self.idle_timeout:
            return None
        return f"Paused: nobody has looked at this run for {self.idle_timeout:.0f} s. Press start to go on."

    def time_pause(self, trained_for: float) -> str | None:
        if self.max_run_seconds is None or trained_for <= self.max_run_seconds:
            return None
        return (
            f"Paused after {self.max_run_seconds / 60:.0f} minutes of training (the limit per start). "
            "Press start to go on."
        )


CLASS_LIMITS = ClassLimits()
