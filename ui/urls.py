"""Page state in the URL: ?preset=ring8-collapse&lr_g=0.0002 opens a page with that run.

A teacher shares a link; each student's session applies it once. Anything invalid in the URL
is reported in words and ignored: the run keeps its last good settings.
"""

from __future__ import annotations

import streamlit as st

from gan_core.config import LIVE_FIELDS
from gan_core.data.images import DatasetUnavailable
from gan_core.presets import PRESETS

from .pages import PageInfo
from .state import clear_widget_state, load_preset, run_for, session_runs

URL_SETTINGS = tuple(sorted(LIVE_FIELDS - {"steps"}))


def apply_query_params(page: PageInfo) -> list[str]:
    """Apply ?preset= and live settings to the page's first run; returns messages for the user."""
    params = {k: st.query_params.get(k) for k in st.query_params.keys()}
    relevant = {k: v for k, v in params.items() if k == "preset" or k in URL_SETTINGS}
    if not relevant or not page.slots:
        return []
    marker = (page.url_path, tuple(sorted(relevant.items())))
    if st.session_state.get("_applied_url") == marker:
        return st.session_state.get("_url_messages", [])
    st.session_state["_applied_url"] = marker
    messages: list[str] = []
    slot = page.slots[0]
    preset = relevant.pop("preset", None)
    if preset is not None:
        if preset in PRESETS:
            if session_runs().presets.get(slot) != preset:  # the sidebar picker already loaded it
                try:
                    load_preset(slot, preset)
                except DatasetUnavailable as exc:
                    messages.append(
                        f"The link asks for preset “{preset}”, but its data is not on this computer; "
                        f"showing {session_runs().presets.get(slot, page.presets[0])} instead. {exc}"
                    )
        else:
            messages.append(
                f"The link asks for preset “{preset}”, which does not exist; "
                f"showing {page.presets[0]} instead. Presets: {', '.join(PRESETS)}."
            )
    run = run_for(slot, page.presets[0])
    for name, value in sorted(relevant.items()):
        try:
            run.update(**{name: value})
        except ValueError as exc:
            messages.append(f"Ignored {name}={value!r} from the link: {exc}.")
    clear_widget_state(slot)
    st.session_state["_url_messages"] = messages
    return messages
