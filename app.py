"""GAN Explainer: `streamlit run app.py`.

The entrypoint: page navigation, the shared sidebar (run controls, live hyperparameters,
status line) and session wiring. Pages are thin; the engine is gan_core.
"""

from __future__ import annotations

import streamlit as st

from gan_core.backends import live_workers
from gan_core.presets import PRESETS
from gan_core.scheduler import default_scheduler
from ui.controls import hyperparameter_controls, live, run_buttons, status_messages, status_text
from ui.pages import BY_URL, PAGES, PageInfo
from ui.state import WAITING_REFRESH_SECONDS, load_preset, run_for, session_runs
from ui.urls import apply_query_params

st.set_page_config(page_title="GAN Explainer", page_icon="🎭", layout="wide")


def sidebar(page: PageInfo) -> None:
    runs = [run_for(slot, preset) for slot, preset in zip(page.slots, page.presets)]
    slot = page.slots[0]
    st.subheader("Training")
    if page.preset_choices and len(page.slots) == 1:
        current = session_runs().presets.get(slot, page.presets[0])
        choice = st.selectbox(
            "Preset",
            page.preset_choices,
            index=page.preset_choices.index(current) if current in page.preset_choices else 0,
            format_func=lambda n: f"{n} — {PRESETS[n].summary}",
            key=f"{slot}:preset-picker",
        )
        if choice != current:
            was_active = runs[0].snapshot().is_active
            load_preset(slot, choice, start=was_active)
            st.query_params["preset"] = choice
            st.rerun()
    run_buttons(runs, slot)

    def status() -> None:
        for i, run in enumerate(runs):
            snap = run.snapshot()
            label = f"**{page.slot_labels[i]}** · " if i < len(page.slot_labels) else ""
            st.markdown(label + status_text(snap))
            status_messages(snap, run, slot)
        sched = default_scheduler()
        queued = sched.queued_count
        turns = f" · runs take {sched.turn_seconds:.0f} s turns" if queued and sched.turn_seconds else ""
        workers, what = live_workers()
        st.caption(
            f"Server: {sched.active_count} of {sched.capacity} training slots busy · "
            f"{queued} queued · {workers} {what}{turns}"
        )

    live(runs, status, waiting_every=WAITING_REFRESH_SECONDS)
    if len(runs) == 1:
        st.subheader("Hyperparameters (live)")
        hyperparameter_controls(runs[0], slot)


pages = {p.url_path: st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=p.default) for p in PAGES}
current = st.navigation(list(pages.values()))
info = BY_URL.get(current.url_path) or PAGES[0]
runs = session_runs()
runs.pause_others(set(info.slots))
runs.resume_returning(set(info.slots))
for message in apply_query_params(info):
    st.warning(message, icon="🔗")
with st.sidebar:
    sidebar(info)
current.run()
