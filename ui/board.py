"""Streamlit glue for the class board (the board itself is classroom.board): this session's student
token, its challenge run, and its reports.

The token lives only in this session's state: it is the one thing that lets a session write an
entry, and it never appears on a page or in a URL. A student joins under this browser's nickname
(ui.identity), so a reload or a second tab finds the token again through the browser's pass.
"""

from __future__ import annotations

import streamlit as st

from classroom.board import Board, BoardError, Challenge, Outcome, default_board
from classroom.controls import LABELS, NAMES
from gan_core.runs.runner import TrainingRun
from ui import identity
from ui.actions import load_preset
from ui.state import run_for, session_runs

SLOT = "board"
TOKEN = "_board_token"


def board() -> Board:
    return default_board()


def challenge() -> Challenge | None:
    return board().view().challenge


def token() -> str | None:
    """This session's token: the one it joined with, or the one this browser's pass joined with."""
    mine = st.session_state.get(TOKEN)
    if board().nickname(mine) is None:
        mine = board().token_for(identity.owner())
        if mine is not None:  # back after a reload, or in a second tab: a run of the challenge's preset
            st.session_state[TOKEN] = mine
            if SLOT not in session_runs().runs:
                restore_challenge_run(go_on=False)
    return mine


def nickname() -> str | None:
    return board().nickname(token())


def joined() -> bool:
    return nickname() is not None


def locked_settings() -> set[str]:
    """The sidebar controls a student may not touch in the open challenge."""
    current = challenge()
    allowed = set(current.allowed) if current else set()
    return {name for name in NAMES if name not in allowed}


def challenge_run() -> TrainingRun:
    current = challenge()
    return run_for(SLOT, current.preset if current else "ring8-collapse")


def restore_challenge_run(go_on: bool | None = None) -> None:
    """The challenge's starting point: its preset, step 0 (training on if it trained, or if `go_on`)."""
    current = challenge()
    if current is not None:
        load_preset(SLOT, current.preset, go_on=go_on)


def join(name: str | None = None) -> str | None:
    """Join the open challenge as this browser's nickname (taking `name` first if it has none): a
    fresh run of its preset. Returns an error message."""
    if identity.nickname() is None:
        error = identity.claim(name or "")
        if error:
            return error
    try:
        joined = board().join(identity.nickname() or "", owner=identity.owner())
    except BoardError as exc:
        return str(exc)
    st.session_state[TOKEN] = joined
    restore_challenge_run(go_on=False)
    report(challenge_run())  # the fresh run at step 0: its evaluations count from here
    return None


def report(run: TrainingRun) -> Outcome | None:
    """Send what the run's latest snapshot shows to the board (the board limits the rate)."""
    mine = token()
    if not mine:
        return None
    current = challenge()
    if current is not None and session_runs().presets.get(SLOT) != current.preset:
        return Outcome(False, "Your run is not on the challenge's preset: press ↺ Restore preset.")
    return board().report(mine, run.snapshot())


def allowed_text(current: Challenge) -> str:
    return ", ".join(LABELS[a] for a in current.allowed)
