"""GAN Explainer: `streamlit run app.py`.

The entrypoint: page navigation, the shared sidebar (run controls, live hyperparameters,
status line) and session wiring. Pages are thin; the engine is gan_core.
"""

from __future__ import annotations

import streamlit as st

from gan_core.data.images import DatasetUnavailable
from gan_core.presets import PRESETS
from gan_core.runner import live_training_threads
from gan_core.scheduler import default_scheduler
from ui.controls import hyperparameter_controls, live, run_buttons, status_messages, status_text
from ui.images import preset_missing_reason
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
        # Presets whose data is not on this computer (Fashion-MNIST without its files) are left out
        # and named below, with what to do: choosing one could only fail.
        missing = {n: reason for n in page.preset_choices if (reason := preset_missing_reason(n))}
        choices = [n for n in page.preset_choices if n not in missing]
        choice = st.selectbox(
            "Preset",
            choices,
            index=choices.index(current) if current in choices else 0,
            format_func=lambda n: f"{n} — {PRESETS[n].summary}",
            key=f"{slot}:preset-picker",
        )
        if missing:
            st.caption(
                f"Also here once Fashion-MNIST is on this computer: {', '.join(missing)}. "
                "`sudo apt-get install dataset-fashion-mnist` (Debian/Ubuntu) installs it offline for every "
                "user; or use the Image GAN page's **Train on** switch to download it."
            )
        if choice != current:
            was_active = runs[0].snapshot().is_active
            try:
                load_preset(slot, choice, start=was_active)
            except DatasetUnavailable as exc:  # its files vanished since the list was made
                st.error(f"Cannot load {choice}: {exc}", icon="⚠️")
            else:
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
        st.caption(
            f"Server: {sched.active_count} of {sched.capacity} training slots busy · "
            f"{queued} queued · {live_training_threads()} training threads{turns}"
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
