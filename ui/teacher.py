"""The teacher's session: opened once with the server's teacher key, it trains first and runs the
class board.

The key is set on the server (GAN_EXPLAINER_TEACHER_KEY). The teacher opens the app once with
`?teacher=<key>`; the key is removed from the address bar in that same run (the page then
replaces the URL, so it stays neither on screen nor in a link the page builds), compared in
constant time (hmac.compare_digest), never written to a page, a message or a log line. What stays
is a teacher pass (ui.identity): signed by the server, expiring, carrying no key, it keeps a reload
or a second tab of the teacher's browser the teacher's, while teacher mode is on.
"""

from __future__ import annotations

import hmac
import os

import streamlit as st

from classroom.identity import TEACHER
from classroom.slots import default_scheduler
from gan_core.runs.runner import TrainingRun
from ui import identity

ENV = "GAN_EXPLAINER_TEACHER_KEY"
PARAM = "teacher"
MIN_KEY_LENGTH = 8


def configured_key() -> str | None:
    """The server's teacher key, or None when teacher mode is off (unset, or too short to be safe)."""
    key = os.environ.get(ENV, "").strip()
    return key if len(key) >= MIN_KEY_LENGTH else None


def key_matches(given: str) -> bool:
    key = configured_key()
    if key is None:
        return False
    return hmac.compare_digest(given.strip().encode("utf-8"), key.encode("utf-8"))


def claim_from_url() -> str | None:
    """Take `?teacher=` off the URL at once; give the session a teacher pass if it is the key.
    Returns a message for the page (never containing what was given)."""
    if PARAM not in st.query_params:
        return None
    given = st.query_params.get(PARAM, "")
    del st.query_params[PARAM]
    if key_matches(given):
        identity.issue(TEACHER)
        return None
    if configured_key() is None:
        return (
            f"Teacher mode is off on this server (set {ENV} to a key of at least {MIN_KEY_LENGTH} "
            "characters and restart it)."
        )
    return "The teacher key in this link was not accepted."


def is_teacher() -> bool:
    """This session holds a valid teacher pass: from the teacher link, or this browser's cookie."""
    return identity.current(TEACHER) is not None and configured_key() is not None


def reserve(runs: list[TrainingRun]) -> None:
    """The teacher's runs train in the scheduler's reserved pool: never queued behind the class (every
    page's run trains under the server-wide scheduler: ui.state.new_run)."""
    if is_teacher():
        for run in runs:
            default_scheduler().reserve(run)
