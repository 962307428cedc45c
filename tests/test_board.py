"""The class board (issue 15): nicknames, challenges, reports from run snapshots, bounds, ownership,
and many threads at once."""

from __future__ import annotations

import itertools
import threading
from types import MappingProxyType, SimpleNamespace

import numpy as np
import pytest

from classroom import board as board_module
from classroom.board import (
    HOLD_EVALUATIONS,
    MAX_ATTEMPTS,
    MIN_REPORT_INTERVAL,
    Board,
    BoardError,
    Result,
    check_nickname,
    held_result,
    make_challenge,
)
from gan_core.presets import PRESETS

RING = PRESETS["ring8-collapse"].config


class Clock:
    """A test clock: each report is MIN_REPORT_INTERVAL after the last unless a test says otherwise."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def tick(self, seconds: float = MIN_REPORT_INTERVAL) -> None:
        self.now += seconds


def snap(modes, hq=None, config=RING, step=None, first_step=0, generator="training"):
    """A snapshot as a run publishes it: one metric-history row per evaluation (modes per row)."""
    modes = np.asarray(modes, dtype=np.float64)
    steps = first_step + 100 * np.arange(len(modes), dtype=np.float64)
    hq = np.full(len(modes), 0.9) if hq is None else np.asarray(hq, dtype=np.float64)
    return SimpleNamespace(
        config=config,
        step=int(steps[-1]) if step is None else step,
        metric_history={"step": steps, "modes_covered_strict": modes, "hq_fraction": hq},
        views=MappingProxyType({"generator": generator}),
    )


def joined(board: Board, clock: Clock, nickname: str = "Ada", config=RING) -> str:
    """Join, and report the fresh run at step 0 (the page does this right after joining): from
    then on the run's evaluations count for its settings."""
    token = board.join(nickname)
    assert board.report(token, snap([], config=config, step=0)).counted
    clock.tick()
    return token


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def board(clock):
    b = Board(clock=clock)
    b.open(make_challenge("ring8-collapse", ("lr_g", "lr_d", "d_steps")))
    return b


def test_nicknames_are_checked_for_length_characters_and_numbers():
    assert check_nickname("  Ada   L. ") == "Ada L."
    assert check_nickname("Zoë_2") == "Zoë_2"
    for bad, why in (
        ("A", "2 to 20"),
        ("x" * 21, "2 to 20"),
        ("<script>", "letters, digits"),
        ("ada@school.org", "letters, digits"),
        ("-ada", "starts with"),
        ("tel 0612345678", "digits"),
    ):
        with pytest.raises(BoardError, match=why):
            check_nickname(bad)


def test_a_challenge_is_checked_and_states_its_goal():
    c = make_challenge("ring8-collapse", ["d_steps", "lr_g", "lr_d"])
    assert c.allowed == ("lr_g", "lr_d", "d_steps") and c.n_modes == 8
    assert c.goal == "ring8-collapse: reach 8/8 modes changing only lr_g, lr_d and d_steps"
    assert make_challenge("grid25", ["seed"], "  Cover   the grid ").goal == "Cover the grid"
    with pytest.raises(BoardError, match="starts from"):
        make_challenge("digits", ["lr_g"])
    with pytest.raises(BoardError, match="not 'g_width'"):
        make_challenge("ring8", ["g_width"])
    with pytest.raises(BoardError, match="at least one"):
        make_challenge("ring8", [])


def test_a_result_counts_once_held_over_the_last_evaluations():
    assert held_result(snap([8] * (HOLD_EVALUATIONS - 1)).metric_history) is None
    # One lucky evaluation at 8/8 is not a result: the minimum over the window is.
    held = held_result(snap([2, 5, 8, 6, 7, 7]).metric_history)
    assert held == Result(6, 0.9, 500)
    assert held_result(snap([8, 8, 8, 8, 8], first_step=0).metric_history, since_step=200) is None


def test_joining_and_reporting_puts_the_best_result_and_its_settings_on_the_board(board, clock):
    token = joined(board, clock)
    assert board.report(token, snap([3, 3, 3, 3])).counted
    clock.tick()
    assert board.report(token, snap([3, 3, 3, 3, 1, 1, 1, 1])).counted  # worse later: the best stays
    (entry,) = board.view().entries
    assert (entry.nickname, entry.result.modes) == ("Ada", 3)
    assert dict(entry.settings) == {"lr_g": RING.lr_g, "lr_d": RING.lr_d, "d_steps": 1}


def test_new_settings_are_a_new_entry_scored_only_on_their_own_evaluations(board, clock):
    token = joined(board, clock)
    board.report(token, snap([8, 8, 8, 8]))
    clock.tick()
    tuned = RING.replace(d_steps=5)
    # The history still ends with four 8/8 evaluations, all made before d_steps changed.
    assert board.report(token, snap([8, 8, 8, 8], config=tuned)).counted
    assert len(board.view().entries) == 1
    clock.tick()
    later = snap([8, 8, 8, 8, 2, 3, 4, 4], config=tuned)
    board.report(token, later)
    entries = {dict(e.settings)["d_steps"]: e.result.modes for e in board.view().entries}
    assert entries == {1: 8, 5: 2}


def test_a_run_changed_outside_the_rules_is_not_counted(board, clock):
    token = board.join("Ada")
    outcome = board.report(token, snap([8] * 4, config=RING.replace(minibatch_std=True)))
    assert not outcome.counted and "minibatch_std" in outcome.message
    clock.tick()
    smoothed = board.report(token, snap([8] * 4, generator="average"))
    assert not smoothed.counted and "smoothed view" in smoothed.message
    assert board.view().entries == ()


def test_reports_are_rate_limited(board, clock):
    token = joined(board, clock)
    board.report(token, snap([1] * 4))
    clock.tick(MIN_REPORT_INTERVAL / 2)
    assert not board.report(token, snap([8] * 8)).counted
    assert board.view().entries[0].result.modes == 1
    clock.tick(MIN_REPORT_INTERVAL / 2)
    assert board.report(token, snap([8] * 8)).counted
    assert board.view().entries[0].result.modes == 8


def test_each_student_keeps_at_most_their_best_attempts(board, clock):
    token = joined(board, clock)
    for i in range(MAX_ATTEMPTS + 3):
        cfg, since = RING.replace(d_steps=1 + i), 10_000 * (i + 1)
        board.report(token, snap([], config=cfg, step=since))  # the report that sees the new settings
        clock.tick()
        board.report(token, snap([i % 8] * 4, config=cfg, first_step=since))
        clock.tick()
    entries = board.view().entries
    assert len(entries) == MAX_ATTEMPTS
    assert sorted(e.result.modes for e in entries) == [3, 4, 5, 6, 7]


def test_the_board_bounds_its_students(monkeypatch, board):
    monkeypatch.setattr(board_module, "MAX_STUDENTS", 3)
    for name in ("Ada", "Bo", "Cy"):
        board.join(name)
    with pytest.raises(BoardError, match="full"):
        board.join("Dee")


def test_one_session_cannot_write_another_students_entry(board, clock):
    ada = board.join("Ada")
    with pytest.raises(BoardError, match="taken"):
        board.join("ADA")  # nicknames are unique, whatever the case
    bo = joined(board, clock, "Bo")
    assert ada != bo and len(ada) >= 20  # secret tokens, not nicknames or counters
    assert not board.report("Ada", snap([8] * 4)).counted  # the nickname is not a key
    board.report(bo, snap([8] * 4))
    assert [e.nickname for e in board.view().entries] == ["Bo"]


def test_closing_stops_counting_and_clearing_forgets_everybody(board, clock):
    token = joined(board, clock)
    board.report(token, snap([2] * 4))
    board.close()
    clock.tick()
    assert not board.report(token, snap([8] * 8)).counted
    with pytest.raises(BoardError, match="No challenge is open"):
        board.join("Bo")
    view = board.view()
    assert not view.is_open and view.entries[0].result.modes == 2  # still on screen
    board.clear()
    assert board.view().challenge is None and board.view().entries == ()
    assert board.nickname(token) is None


def test_opening_a_new_challenge_starts_an_empty_board(board):
    token = board.join("Ada")
    board.open(make_challenge("grid25-collapse", ("lr_g",)))
    assert board.nickname(token) is None and board.view().students == 0


def test_many_threads_join_and_report_at_once():
    ticks = itertools.count(step=MIN_REPORT_INTERVAL)  # every report counts: the test is about the lock
    b = Board(clock=lambda: next(ticks))
    b.open(make_challenge("ring8-collapse", ("d_steps",)))
    errors: list[BaseException] = []

    def student(i: int) -> None:
        try:
            cfg = RING.replace(d_steps=1 + i % 5)
            token = b.join(f"student {i}")
            b.report(token, snap([], config=cfg, step=0))
            for k in range(40):
                b.report(token, snap([i % 9] * 4, config=cfg, step=100 * k + 300, first_step=100 * k))
                b.view()
        except BaseException as exc:  # any failure in a thread fails the test
            errors.append(exc)

    threads = [threading.Thread(target=student, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    view = b.view()
    assert view.students == 40 and len(view.entries) == 40
    assert sorted(e.result.modes for e in view.entries) == sorted(i % 9 for i in range(40))
    assert [e.result for e in view.entries] == sorted((e.result for e in view.entries), reverse=True)
