"""The lesson the class follows (predict, observe, explain): which step the teacher is on, each
student's prediction for it, and whether the teacher revealed the answer.

Only the teacher's session moves it (start, next, back, reveal, end: ui.lesson checks the teacher
pass). Students answer once per step, before the reveal; each prediction is filed under the
student's owner id (classroom.identity), a secret only their own browser's pass carries, so one
session cannot answer for another. An answer names the step it was given for, so an answer that
crosses the teacher's "Next step" is refused, not counted on the wrong question. The class board's
bounds apply: MAX_STUDENTS students, one counted answer per MIN_REPORT_INTERVAL per student.

In the server's memory like the board (the same for thread and Ray runs: no run is involved): it
survives tabs closing and reloads, not a server restart. Pure Python, no Streamlit.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from classroom.board import MAX_STUDENTS, MIN_REPORT_INTERVAL
from classroom.lesson_plan import Lesson, Step
from classroom.server_wide import ServerWide


@dataclass(frozen=True)
class LessonView:
    """An immutable picture of the class's lesson for a page."""

    version: int
    run: int  # counts the lessons started: a new start is a new set of questions for every page
    lesson: Lesson | None
    index: int  # the current step, counting from 0
    revealed: bool
    counts: tuple[int, ...]  # predictions per choice of the current step
    students: int  # students who predicted anything in this lesson

    @property
    def step(self) -> Step | None:
        return self.lesson.steps[self.index] if self.lesson is not None else None

    @property
    def answered(self) -> int:
        return sum(self.counts)

    @property
    def last(self) -> bool:
        return self.lesson is not None and self.index == len(self.lesson.steps) - 1


@dataclass
class _Progress:
    index: int = 0
    revealed: set[int] = field(default_factory=set)
    answers: dict[int, dict[str, int]] = field(default_factory=dict)  # step -> owner -> choice


class LiveLesson:
    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._lesson: Lesson | None = None
        self._progress = _Progress()
        self._students: dict[str, float] = {}  # owner -> when their last answer counted
        self._version = self._run = 0

    # --- the teacher -----------------------------------------------------------------------
    def start(self, lesson: Lesson) -> None:
        """`lesson` from its first step, nobody's predictions yet."""
        with self._lock:
            self._lesson, self._progress, self._students = lesson, _Progress(), {}
            self._version += 1
            self._run += 1

    def move(self, by: int) -> None:
        """Move the class `by` steps (+1: Next step), within the lesson; predictions are kept."""
        with self._lock:
            if self._lesson is not None:
                self._progress.index = max(0, min(self._progress.index + by, len(self._lesson.steps) - 1))
                self._version += 1

    def reveal(self) -> None:
        """Show the current step's answer and explanation; its predictions close."""
        with self._lock:
            if self._lesson is not None:
                self._progress.revealed.add(self._progress.index)
                self._version += 1

    def end(self) -> None:
        with self._lock:
            self._lesson, self._progress, self._students = None, _Progress(), {}
            self._version += 1

    # --- students --------------------------------------------------------------------------
    def answer(self, owner: str, step: int, choice: int) -> str | None:
        """Record `owner`'s prediction `choice` for step `step`; None, or why it was not counted."""
        with self._lock:
            lesson, progress = self._lesson, self._progress
            if lesson is None:
                return "No lesson is running."
            if step != progress.index:
                return "Your teacher has moved to another step: answer the question shown now."
            if step in progress.revealed:
                return "The answer is out: predictions for this step are closed."
            if not 0 <= choice < len(lesson.steps[step].choices):
                return "That is not one of the choices."
            answers = progress.answers.setdefault(step, {})
            if owner in answers:
                return "Your prediction is in: it counts once."
            now = self._clock()
            if owner not in self._students and len(self._students) >= MAX_STUDENTS:
                return f"The lesson is full ({MAX_STUDENTS} students)."
            if now - self._students.get(owner, -math.inf) < MIN_REPORT_INTERVAL:
                return "One answer at a time: try again in a second."
            self._students[owner] = now
            answers[owner] = choice
            self._version += 1
            return None

    def prediction(self, owner: str | None, step: int) -> int | None:
        """`owner`'s prediction for step `step`, if they made one."""
        with self._lock:
            return self._progress.answers.get(step, {}).get(owner or "")

    # --- everybody -------------------------------------------------------------------------
    def view(self) -> LessonView:
        with self._lock:
            lesson, progress = self._lesson, self._progress
            counts: tuple[int, ...] = ()
            if lesson is not None:
                counts_list = [0] * len(lesson.steps[progress.index].choices)
                for choice in progress.answers.get(progress.index, {}).values():
                    counts_list[choice] += 1
                counts = tuple(counts_list)
            revealed = progress.index in progress.revealed
            students = len(self._students)
            return LessonView(self._version, self._run, lesson, progress.index, revealed, counts, students)

    @property
    def version(self) -> int:
        with self._lock:
            return self._version


default_live_lesson = ServerWide(LiveLesson)  # the server's one lesson
