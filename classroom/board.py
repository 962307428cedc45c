"""The class board: a teacher's challenge and every student's best results, live.

A teacher opens a challenge (a preset, the controls students may change, a goal such as "reach
8/8 modes changing only lr_g, lr_d and D steps"); students join with a nickname and train; each
student's run reports, from its snapshots, the best result it has held and the settings that got
it, and the Board page shows the class. Reports read only what every training backend publishes
(`config`, `step`, `metric_history`, `views` of a snapshot), so a run living in another process
(Ray) reports the same way as a thread.

Pure Python, no Streamlit: one lock guards the whole board, so the page threads of 60 sessions can
report at once. It lives in the server's memory: it survives a student's tab closing, not a
server restart. Bounded: students, entries per student (one per combination of settings tried,
the best five kept), and how often one student's reports count. Only the session holding a
student's token (handed out by `join`, never shown to anybody else) can write that entry; a
student who joins again from the same browser (the same owner, classroom.identity) gets the same
token back, so a reload keeps their place.
"""

from __future__ import annotations

import hmac
import math
import secrets
import threading
import time
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Protocol

import numpy as np

from classroom.controls import TRAINING
from classroom.server_wide import ServerWide
from gan_core.config import TrainConfig

# Presets a challenge can start from: 2D mixtures, whose modes a run can be scored on.
CHALLENGE_PRESETS = ("ring8-collapse", "grid25-collapse", "ring8", "grid25")
IGNORED_FIELDS = ("steps",)  # the suggested run length changes nothing about training

MAX_STUDENTS = 120
MAX_ATTEMPTS = 5  # entries per student: the best result for each of up to 5 settings tried
MAX_ENTRIES = MAX_STUDENTS * MAX_ATTEMPTS
MIN_REPORT_INTERVAL = 1.0  # seconds between two counted reports of one student
HOLD_EVALUATIONS = 4  # a result counts once it held for this many evaluations in a row (~4 s)
NICKNAME_MIN, NICKNAME_MAX = 2, 20
NICKNAME_MAX_DIGITS = 4  # a nickname, not a phone or student number
GOAL_MAX = 200
NICKNAME_PUNCTUATION = " -_."


class BoardError(ValueError):
    """A request the board refuses; the message is for the user."""


class SnapshotLike(Protocol):
    """What a report reads from a run's snapshot (gan_core.runs.runner.Snapshot has it)."""

    config: TrainConfig
    step: int
    metric_history: Mapping[str, Any]
    views: Mapping[str, Any]


def check_nickname(text: str) -> str:
    """The nickname as the board will show it (spaces tidied), or BoardError saying what is wrong:
    2-20 characters, letters, digits, spaces, '-', '_' and '.', at most 4 digits."""
    name = " ".join(unicodedata.normalize("NFC", str(text)).split())
    if not NICKNAME_MIN <= len(name) <= NICKNAME_MAX:
        raise BoardError(f"A nickname has {NICKNAME_MIN} to {NICKNAME_MAX} characters.")
    bad = sorted({c for c in name if not (c.isalpha() or c.isdigit() or c in NICKNAME_PUNCTUATION)})
    if bad:
        shown = " ".join(repr(c) for c in bad[:5])
        raise BoardError(f"A nickname uses letters, digits, spaces, '-', '_' and '.' only (not {shown}).")
    if not (name[0].isalpha() or name[0].isdigit()):
        raise BoardError("A nickname starts with a letter or a digit.")
    if sum(c.isdigit() for c in name) > NICKNAME_MAX_DIGITS:
        raise BoardError(f"At most {NICKNAME_MAX_DIGITS} digits: a nickname, not a phone or student number.")
    return name


@dataclass(frozen=True)
class Challenge:
    preset: str
    allowed: tuple[str, ...]  # the controls students may change (classroom.controls.TRAINING)
    goal: str
    config: TrainConfig  # the preset's settings: everything outside `allowed` must stay so
    n_modes: int

    def disallowed_changes(self, config: TrainConfig) -> list[str]:
        """Settings of `config` that differ from the challenge's and are not allowed."""
        return [
            f.name
            for f in fields(TrainConfig)
            if f.name not in self.allowed
            and f.name not in IGNORED_FIELDS
            and getattr(config, f.name) != getattr(self.config, f.name)
        ]

    def settings(self, config: TrainConfig) -> tuple[tuple[str, Any], ...]:
        return tuple((name, getattr(config, name)) for name in self.allowed)

    def describe_allowed(self) -> str:
        names = list(self.allowed)
        if len(names) <= 1:
            return "".join(names) or "nothing"
        return ", ".join(names[:-1]) + " and " + names[-1]


def default_goal(preset: str, allowed: tuple[str, ...], n_modes: int) -> str:
    controls = Challenge(preset, allowed, "", TrainConfig(), n_modes).describe_allowed()
    return f"{preset}: reach {n_modes}/{n_modes} modes changing only {controls}"


def make_challenge(preset: str, allowed: tuple[str, ...] | list[str], goal: str = "") -> Challenge:
    """A checked challenge on `preset` (BoardError if anything is not allowed)."""
    from gan_core.data import get_dataset
    from gan_core.presets import PRESETS

    if preset not in CHALLENGE_PRESETS:
        raise BoardError(f"A challenge starts from one of {', '.join(CHALLENGE_PRESETS)}, not {preset!r}.")
    unknown = [a for a in allowed if a not in TRAINING]
    if unknown:
        raise BoardError(f"Students can be allowed to change {', '.join(TRAINING)}; not {unknown[0]!r}.")
    if not allowed:
        raise BoardError("Allow the students at least one control to change.")
    allowed = tuple(a for a in TRAINING if a in allowed)  # one order everywhere
    config = PRESETS[preset].config
    n_modes = get_dataset(config.dataset).mode_count
    goal = " ".join("".join(c for c in str(goal) if c.isprintable()).split())
    if len(goal) > GOAL_MAX:
        raise BoardError(f"Keep the goal under {GOAL_MAX} characters.")
    return Challenge(preset, allowed, goal or default_goal(preset, allowed, n_modes), config, n_modes)


@dataclass(frozen=True, order=True)
class Result:
    """What a run held: strict modes covered (at least 20 of 2,500 samples within 3 std of the
    mode's centre) in each of the last HOLD_EVALUATIONS evaluations, and the mean share of
    high-quality samples over them. Ordered: more modes first, then more HQ."""

    modes: int
    hq: float
    step: int = field(compare=False)


def held_result(metric_history: Mapping[str, Any], since_step: int = 0) -> Result | None:
    """The result held over the last HOLD_EVALUATIONS evaluations made at or after `since_step`
    (evaluations before it belong to other settings), or None if there are not enough yet."""
    steps = np.asarray(metric_history.get("step", ()), dtype=np.float64).reshape(-1)
    strict = np.asarray(metric_history.get("modes_covered_strict", ()), dtype=np.float64).reshape(-1)
    hq = np.asarray(metric_history.get("hq_fraction", ()), dtype=np.float64).reshape(-1)
    n = min(len(steps), len(strict), len(hq))
    keep = steps[:n] >= since_step
    strict, hq, steps = strict[:n][keep][-HOLD_EVALUATIONS:], hq[:n][keep][-HOLD_EVALUATIONS:], steps[:n][keep]
    if len(strict) < HOLD_EVALUATIONS or not (np.isfinite(strict).all() and np.isfinite(hq).all()):
        return None
    return Result(int(strict.min()), round(float(hq.mean()), 4), int(steps[-1]))


@dataclass(frozen=True)
class Entry:
    nickname: str
    settings: tuple[tuple[str, Any], ...]
    result: Result
    reached: float  # wall-clock time the result was first held (time.time())

    def setting(self, name: str) -> Any:
        return dict(self.settings)[name]


@dataclass(frozen=True)
class BoardView:
    """An immutable picture of the board for a page."""

    version: int
    challenge: Challenge | None
    is_open: bool
    students: int
    entries: tuple[Entry, ...]  # every student's attempts, best first

    def best_per_student(self) -> list[Entry]:
        seen: set[str] = set()
        out = []
        for entry in self.entries:
            if entry.nickname not in seen:
                seen.add(entry.nickname)
                out.append(entry)
        return out

    def reached_goal(self, entry: Entry) -> bool:
        return self.challenge is not None and entry.result.modes >= self.challenge.n_modes


@dataclass
class _Student:
    nickname: str
    owner: str | None = None  # the browser that joined (classroom.identity), or None: this token only
    attempts: dict[tuple[tuple[str, Any], ...], Entry] = field(default_factory=dict)
    last_report: float = -math.inf
    tracking: tuple[tuple[tuple[str, Any], ...], int] | None = None  # (settings, step they were seen from)
    last_step: int = -1


@dataclass(frozen=True)
class Outcome:
    """What became of one report, in words for the student's page."""

    counted: bool
    message: str = ""


class Board:
    def __init__(self, clock: Callable[[], float] = time.monotonic, wall: Callable[[], float] = time.time) -> None:
        self._lock = threading.Lock()
        self._clock, self._wall = clock, wall
        self._challenge: Challenge | None = None
        self._open = False
        self._students: dict[str, _Student] = {}  # token -> student
        self._version = 0

    # --- the teacher -----------------------------------------------------------------------
    def open(self, challenge: Challenge) -> None:
        """Start `challenge` on an empty board (a new challenge makes old results meaningless)."""
        with self._lock:
            self._challenge, self._open, self._students = challenge, True, {}
            self._version += 1

    def close(self) -> None:
        """No more joins or reports; the board stays on screen."""
        with self._lock:
            self._open = False
            self._version += 1

    def reopen(self) -> None:
        with self._lock:
            if self._challenge is not None:
                self._open = True
                self._version += 1

    def clear(self) -> None:
        """Forget the challenge and everybody's entries."""
        with self._lock:
            self._challenge, self._open, self._students = None, False, {}
            self._version += 1

    # --- students --------------------------------------------------------------------------
    def join(self, nickname: str, owner: str | None = None) -> str:
        """A secret token for a new student (BoardError: closed, full, nickname taken or invalid).
        The same `owner` joining again with the same nickname gets their token, and entries, back."""
        name = check_nickname(nickname)
        with self._lock:
            if self._challenge is None or not self._open:
                raise BoardError("No challenge is open right now: wait for your teacher to open one.")
            for token, student in self._students.items():
                if student.nickname.casefold() == name.casefold():
                    if owner and student.owner and hmac.compare_digest(student.owner, owner):
                        return token
                    raise BoardError(f"“{name}” is taken: pick another nickname.")
            if len(self._students) >= MAX_STUDENTS:
                raise BoardError(f"The board is full ({MAX_STUDENTS} students).")
            token = secrets.token_urlsafe(18)
            self._students[token] = _Student(name, owner)
            self._version += 1
            return token

    def nickname(self, token: str | None) -> str | None:
        """The nickname `token` joined with, or None (unknown, or the board was cleared)."""
        with self._lock:
            student = self._students.get(token or "")
            return student.nickname if student else None

    def token_for(self, owner: str | None) -> str | None:
        """The token of the student `owner` joined as (a reloaded page finds its place), or None."""
        if not owner:
            return None
        with self._lock:
            return next((t for t, s in self._students.items() if s.owner and hmac.compare_digest(s.owner, owner)), None)

    def report(self, token: str, snap: SnapshotLike) -> Outcome:
        """Record what `snap` shows for the student holding `token`: their best result for the
        current settings, if the run kept to the challenge's rules."""
        with self._lock:
            student = self._students.get(token)
            challenge = self._challenge
            if student is None or challenge is None:
                return Outcome(False, "You are not on this board (it was cleared, or a new challenge opened).")
            if not self._open:
                return Outcome(False, "The challenge is closed: results no longer count.")
            now = self._clock()
            if now - student.last_report < MIN_REPORT_INTERVAL:
                return Outcome(False)  # too soon: the next refresh counts
            student.last_report = now
            outside = challenge.disallowed_changes(snap.config)
            if outside:
                student.tracking = None
                return Outcome(
                    False,
                    f"Not counted: {', '.join(outside)} differ from the challenge "
                    f"(only {challenge.describe_allowed()} may change).",
                )
            if snap.views.get("generator") == "average":
                student.tracking = None
                return Outcome(False, "Not counted: the smoothed view is on; the board scores G as it trains.")
            settings = challenge.settings(snap.config)
            # Evaluations count for the settings in use from the step of the report that first saw
            # them (from step 0 after a reset): a result is never credited to other settings.
            restarted = snap.step < student.last_step
            if student.tracking is None or student.tracking[0] != settings or restarted:
                student.tracking = (settings, 0 if restarted else snap.step)
            student.last_step = snap.step
            result = held_result(snap.metric_history, student.tracking[1])
            if result is None:
                return Outcome(True)
            old = student.attempts.get(settings)
            if old is not None and not result > old.result:
                return Outcome(True)
            if old is None:
                if len(student.attempts) >= MAX_ATTEMPTS:
                    worst = min(student.attempts, key=lambda k: student.attempts[k].result)
                    if not result > student.attempts[worst].result:
                        return Outcome(True, f"Not on the board: your {MAX_ATTEMPTS} best settings all did better.")
                    del student.attempts[worst]
                elif self._entry_count() >= MAX_ENTRIES:
                    return Outcome(False, "The board is full.")
            improved_modes = old is None or result.modes > old.result.modes
            student.attempts[settings] = Entry(
                student.nickname, settings, result, self._wall() if improved_modes else old.reached
            )
            self._version += 1
            return Outcome(True)

    def _entry_count(self) -> int:
        return sum(len(s.attempts) for s in self._students.values())

    # --- everybody -------------------------------------------------------------------------
    def view(self) -> BoardView:
        with self._lock:
            entries = [e for s in self._students.values() for e in s.attempts.values()]
            entries.sort(key=lambda e: (e.result, -e.reached), reverse=True)
            return BoardView(self._version, self._challenge, self._open, len(self._students), tuple(entries))

    @property
    def version(self) -> int:
        with self._lock:
            return self._version


default_board = ServerWide(Board)  # the server's one board
