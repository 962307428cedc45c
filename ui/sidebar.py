"""The sidebar every page shares: the preset, ▶ Start and the step buttons, known states (restore, seed),
the runs' status and the server's load, and the live hyperparameters. The lab's two runs share one set
of buttons; the class board shows its run's controls once a student joined, locked as the challenge
says; presentation mode hides what the teacher picked.
"""

from __future__ import annotations

import streamlit as st

from classroom.pairings import DEFAULT_PAIRING, current_pairing
from classroom.slots import default_scheduler
from gan_core.data.images import DatasetUnavailable
from gan_core.presets import PRESETS
from gan_core.runs.backend import RunHandle, live_workers
from ui import board as board_ui
from ui import present, teacher
from ui.actions import load_pairing, load_preset
from ui.controls import hyperparameter_controls, known_state_controls, live, run_buttons, status_messages, status_text
from ui.images import preset_missing_reason
from ui.pages import PageInfo
from ui.preset_texts import changed_settings
from ui.state import WAITING_REFRESH_SECONDS, run_for, session_runs


def restore_preset(page: PageInfo, runs: list[RunHandle]) -> None:
    """Every setting back to the preset's, step 0 (the lab: its pairing's two presets)."""
    if page.url_path == "mode-collapse":
        key, dataset = current_pairing(runs[0].config, runs[1].config)
        load_pairing(key or DEFAULT_PAIRING, dataset or "ring8")
    elif page.url_path == "board":
        board_ui.restore_challenge_run()
    else:
        slot = page.slots[0]
        load_preset(slot, session_runs().presets.get(slot, page.presets[0]))


def server_line() -> str:
    sched = default_scheduler()
    queued = sched.queued_count
    turns = f" · runs take {sched.turn_seconds:.0f} s turns" if queued and sched.turn_seconds else ""
    reserved = f" · teacher: {sched.reserved_active_count} reserved" if sched.reserved_active_count else ""
    workers, what = live_workers()
    return (
        f"Server: {sched.active_count} of {sched.capacity} training slots busy · "
        f"{queued} queued · {workers} {what}{reserved}{turns}"
    )


def sidebar(page: PageInfo) -> None:
    """The shared sidebar of every page: its runs' controls, known states, status and live settings."""
    st.subheader("Training")
    if page.url_path == "board" and not board_ui.joined():
        st.caption("Join the class challenge on this page: your run and its controls appear here.")
        return
    runs = [run_for(slot, preset) for slot, preset in zip(page.slots, page.presets)]
    teacher.reserve(runs)
    slot = page.slots[0]
    if teacher.is_teacher() and not present.presenting():
        st.caption("🧑‍🏫 Teacher: your runs train in a reserved slot, never in the queue.")
    if page.preset_choices and len(page.slots) == 1 and not present.hidden("preset"):
        current = session_runs().presets.get(slot, page.presets[0])
        # Presets whose data is not on this computer (Fashion-MNIST without its files) are left out
        # and named below, with what to do: choosing one could only fail.
        missing = {n: reason for n in page.preset_choices if (reason := preset_missing_reason(n))}
        choices = [n for n in page.preset_choices if n not in missing]
        choice = st.selectbox(
            "Preset",
            choices,
            index=choices.index(current) if current in choices else 0,
            key=f"{slot}:preset-picker",
        )
        if choice in PRESETS:
            changed = changed_settings(PRESETS[choice], runs[0].config) if choice == current else []
            st.caption(
                PRESETS[choice].summary + (f" (changed since it was loaded: {', '.join(changed)})" if changed else "")
            )
        if missing:
            st.caption(
                f"Also here once Fashion-MNIST is on this computer: {', '.join(missing)}. "
                "`sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu) installs it offline for every "
                "user; or use the Image GAN page's **Train on** switch to download it."
            )
        if choice != current:
            try:
                load_preset(slot, choice)
            except DatasetUnavailable as exc:  # its files vanished since the list was made
                st.error(f"Cannot load {choice}: {exc}", icon="⚠️")
            else:
                st.rerun()
    run_buttons(runs, slot, steps=not present.hidden("steps"))
    if not present.hidden("known"):
        locked = board_ui.locked_settings() if page.url_path == "board" else set()
        known_state_controls(runs, slot, lambda: restore_preset(page, runs), seed_locked="seed" in locked)

    def status() -> None:
        for i, run in enumerate(runs):
            snap = run.snapshot()
            label = f"**{page.slot_labels[i]}** · " if i < len(page.slot_labels) else ""
            st.markdown(label + status_text(snap))
            status_messages(snap, run, slot)
        if not present.presenting():  # server internals are not for the projector
            st.caption(server_line())

    live(runs, status, waiting_every=WAITING_REFRESH_SECONDS)
    if len(runs) == 1:
        st.subheader("Hyperparameters (live)")
        locked = board_ui.locked_settings() if page.url_path == "board" else ()
        hidden = tuple(n for n in present.HIDEABLE if present.hidden(n))
        hyperparameter_controls(runs[0], slot, hide=hidden, locked=locked)
