"""Class board: the teacher's challenge, and the whole class's results live."""

from __future__ import annotations

import streamlit as st

from classroom.board import CHALLENGE_PRESETS, GOAL_MAX, HOLD_EVALUATIONS, MAX_ATTEMPTS, BoardError, make_challenge
from classroom.controls import LABELS, TRAINING
from figures import playground
from figures.board import board_figure
from gan_core.config import format_setting
from gan_core.presets import PRESETS
from ui import board as board_ui
from ui import identity, teacher
from ui.charts import live_chart
from ui.controls import live
from ui.fragments import refreshing

BOARD_REFRESH_SECONDS = 2.0  # the class's entries reach every board within a few seconds
KEY_NICK, KEY_JOIN_ERROR, KEY_OUTCOME = "board:nickname", "board:join-error", "board:outcome"
DEFAULT_ALLOWED = ("lr_g", "lr_d", "d_steps")

st.title("🏆 Class board")
st.markdown(
    "The teacher sets a challenge: a starting preset, the controls you may change, and a goal. Join with a "
    "nickname, train, and your best result and the settings that got it appear here for the whole class, "
    "next to everybody else's. Which settings cure the collapse?"
)
st.caption(
    "No accounts and nothing personal: a nickname (not your name) and your run's settings and scores. "
    "The board lives in the server's memory: it stays when you close your tab, and is gone when the "
    "server restarts."
)


# --- the teacher's panel ------------------------------------------------------------------------------
def _open_challenge() -> None:
    try:
        made = make_challenge(
            st.session_state.get("board:preset", CHALLENGE_PRESETS[0]),
            tuple(st.session_state.get("board:allowed") or ()),
            st.session_state.get("board:goal", ""),
        )
    except BoardError as exc:
        st.session_state["board:teacher-error"] = str(exc)
        return
    st.session_state.pop("board:teacher-error", None)
    board_ui.board().open(made)


def teacher_panel() -> None:
    view = board_ui.board().view()
    with st.expander("🧑‍🏫 Run a challenge (teacher)", expanded=view.challenge is None):
        st.session_state.setdefault("board:allowed", list(DEFAULT_ALLOWED))
        st.selectbox(
            "Starting preset",
            CHALLENGE_PRESETS,
            key="board:preset",
            format_func=lambda p: f"{p}: {PRESETS[p].summary}",
        )
        st.multiselect(
            "Students may change",
            list(TRAINING),
            key="board:allowed",
            format_func=lambda c: f"{c} ({LABELS[c]})",
        )
        st.text_input(
            "Goal (leave empty for the standard one)",
            key="board:goal",
            max_chars=GOAL_MAX,
            placeholder="ring8-collapse: reach 8/8 modes changing only lr_g, lr_d and d_steps",
        )
        open_col, close_col, clear_col = st.columns(3)
        open_col.button(
            "Open a new challenge",
            type="primary",
            on_click=_open_challenge,
            key="board:btn:open",
            help="Starts an empty board: the entries of a previous challenge are cleared.",
        )
        if view.challenge is not None and view.is_open:
            close_col.button(
                "Close the challenge",
                on_click=board_ui.board().close,
                key="board:btn:close",
                help="No more joins or results; the board stays on screen.",
            )
        elif view.challenge is not None:
            close_col.button("Reopen", on_click=board_ui.board().reopen, key="board:btn:reopen")
        clear_col.button(
            "Clear the board",
            on_click=board_ui.board().clear,
            key="board:btn:clear",
            help="Forget the challenge and every entry.",
        )
        error = st.session_state.get("board:teacher-error")
        if error:
            st.error(error, icon="⚠️")


if teacher.is_teacher():
    teacher_panel()

view = board_ui.board().view()
challenge = view.challenge
if challenge is None:
    st.info(
        "No challenge is open. "
        + (
            "Open one above."
            if teacher.is_teacher()
            else "Your teacher opens one from this page (with the teacher link); it then appears here by itself."
        ),
        icon="⏳",
    )
else:
    st.markdown(f"### 🎯 {challenge.goal}")
    st.markdown(
        f"Start: **{challenge.preset}** · you may change: **{board_ui.allowed_text(challenge)}** · "
        + ("🟢 open" if view.is_open else "⏹ closed: results no longer count")
    )


# --- joining and the student's own run ---------------------------------------------------------------
def _join() -> None:
    error = board_ui.join(st.session_state.get(KEY_NICK, ""))
    if error:
        st.session_state[KEY_JOIN_ERROR] = error
    else:
        st.session_state.pop(KEY_JOIN_ERROR, None)


if challenge is not None and view.is_open and teacher.is_teacher():
    st.caption("Students join on this page: send them its link (Copy link, in the sidebar).")
elif challenge is not None and not board_ui.joined() and view.is_open:
    with st.form("board:join", border=True):
        if identity.nickname():  # this browser already has a nickname in the class (the lesson's)
            st.markdown(f"You join as **{identity.nickname()}**.")
        else:
            st.text_input(
                "Your nickname (2–20 letters or digits; not your real name)",
                key=KEY_NICK,
                max_chars=20,
            )
        st.form_submit_button("Join the challenge", type="primary", on_click=_join)
        st.caption(
            "Your place on the board stays with this browser: after a reload, or in a second tab, you are "
            "back in it. Nobody else can take your nickname."
        )
    if st.session_state.get(KEY_JOIN_ERROR):
        st.error(st.session_state[KEY_JOIN_ERROR], icon="⚠️")

if challenge is not None and board_ui.joined():
    run = board_ui.challenge_run()
    st.markdown(
        f"#### Your run, **{board_ui.nickname()}**\nPress **▶ Start** in the sidebar; change "
        f"{board_ui.allowed_text(challenge)} there. Each combination of settings you try gets its own point in "
        f"the chart below (your best {MAX_ATTEMPTS} are kept); the table shows your best."
    )

    def own_run() -> None:
        snap = run.snapshot()
        outcome = board_ui.report(run)
        if outcome is not None and outcome.message:
            st.session_state[KEY_OUTCOME] = outcome.message
        elif outcome is not None and outcome.counted:
            st.session_state.pop(KEY_OUTCOME, None)
        field_col, numbers_col = st.columns([3, 2], gap="medium")
        with field_col:
            fig = playground.playground_figure(
                snap.views.get("real"), snap.samples, snap.views, layers=("real", "fake"), max_points=400
            )
            fig["layout"]["title"]["text"] = f"Your GAN · step {snap.step:,}"
            fig["layout"]["height"] = 400
            live_chart(fig, "board:own")
        with numbers_col:
            m = snap.metrics
            st.metric(
                "Modes covered now",
                f"{m.get('modes_covered_strict', 0):.0f}/{challenge.n_modes}",
                help="Strict count: at least 20 of 2,500 samples within 3 std of the mode's centre. The board "
                f"counts a result once it held for {HOLD_EVALUATIONS} evaluations in a row (a few seconds).",
            )
            hq = m.get("hq_fraction")
            st.metric("High-quality samples now", f"{100 * hq:.0f} %" if hq is not None else "—")
            mine = [e for e in board_ui.board().view().entries if e.nickname == board_ui.nickname()]
            if mine:
                best = mine[0]
                st.markdown(
                    f"**Your best:** {best.result.modes}/{challenge.n_modes} modes, {best.result.hq:.0%} HQ, with "
                    + ", ".join(f"{k} {format_setting(v)}" for k, v in best.settings)
                )
            if st.session_state.get(KEY_OUTCOME):
                st.warning(st.session_state[KEY_OUTCOME], icon="ℹ️")

    live([run], own_run)


# --- the class ---------------------------------------------------------------------------------------
def _page_state(view) -> tuple:
    """What the rest of the page was drawn for: when it changes (the teacher opened, closed or
    cleared a challenge), the whole page redraws, not just the class's table."""
    return (view.challenge, view.is_open, board_ui.joined())


drawn_for = _page_state(view)


def class_board() -> None:
    current = board_ui.board().view()
    if _page_state(current) != drawn_for:
        st.rerun()
    if current.challenge is None:
        return
    best = current.best_per_student()
    st.markdown(
        f"#### The class: {current.students} joined, {len(best)} with a result, {len(current.entries)} settings tried"
    )
    if best:
        st.table(
            [
                {
                    "Rank": i + 1,
                    "Nickname": e.nickname,
                    "Modes held": ("⭐ " if current.reached_goal(e) else "")
                    + f"{e.result.modes}/{current.challenge.n_modes}",
                    "HQ": f"{e.result.hq:.0%}",
                    "Settings": " · ".join(f"{k} {format_setting(v)}" for k, v in e.settings),
                    "At step": f"{e.result.step:,}",
                }
                for i, e in enumerate(best)
            ],
            hide_index=True,
        )
    else:
        st.caption(f"Nobody has a result yet: a run's result counts once it held for {HOLD_EVALUATIONS} evaluations.")
    live_chart(board_figure(current), "board:chart")


refreshing(class_board, BOARD_REFRESH_SECONDS)
