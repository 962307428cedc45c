"""GAN Explainer: `streamlit run app.py`.

The router: page navigation and session wiring. The URL is applied before a page runs and written
back after it (ui.urls); every page shares the sidebar (ui.sidebar), the "Share and present" box and
the class's lesson banner (ui.lesson). Who this browser is (the teacher, a student's nickname) comes
back from its passes before anything asks (ui.identity). Pages are thin; the engine is gan_core.
"""

from __future__ import annotations

import streamlit as st

from ui import identity, lesson, present, teacher
from ui.copy_link import copy_link
from ui.pages import BY_URL, PAGES
from ui.sidebar import sidebar
from ui.state import session_runs
from ui.urls import apply_query_params, link, seed_widget_defaults, write_query_params

st.set_page_config(page_title="GAN Explainer", page_icon="🎭", layout="wide")

pages = {p.url_path: st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path, default=p.default) for p in PAGES}
current = st.navigation(list(pages.values()))
info = BY_URL.get(current.url_path) or PAGES[0]
runs = session_runs()
runs.pause_others(set(info.slots))
runs.resume_returning(set(info.slots))
identity.restore()  # a reload or a second tab: this browser's passes, before anything asks who this is
messages = apply_query_params(info)  # takes a teacher key off the URL first
teacher.reserve(list(runs.runs.values()))  # every run of a teacher's session, also one resumed above
seed_widget_defaults(info)
present.inject_css()
for message in messages:
    st.warning(message, icon="🔗")
lesson.banner()
with st.sidebar:
    lesson.teacher_panel()
    sidebar(info)
    share = st.container()
try:
    current.run()
finally:  # also after st.stop(): the address bar always shows the page as it is
    params, notes = write_query_params(info)
    with share:
        st.subheader("Share and present")
        present.sidebar_toggle()
        copy_link(link(info, params))
        for note in notes:
            st.caption(note)
        identity.keep("" if info.default else info.url_path)
