"""Parts of a page that refresh themselves: every timed fragment of the app is made here.

Streamlit 1.67 can lose the element that follows a timed fragment at the top level of the page.
When a click's full rerun and the fragment's own timed reruns cross on a busy server (training
threads share the GIL with the script runs), the page's elements in the browser stop matching the
server's indices below the fragment; a websocket trace suggests the fragment's next rerun takes the
place of the element after it. Seen on the Inside page, whose "Pause at step" fragment stands just
above the dynamic expander "G and D, layer by layer (live)": the expander vanished from the page
(no way to reopen the section without a reload), or an update addressed inside it met a plain
element and the page died with "'setIn' cannot be called on an ElementNode" (websocket closed,
blank page). Eight stress runs of that page with three other runs training each lost the section
or the page, after 1 to 17 openings or closings; a minimal app (a timed fragment that draws nothing,
then a keyed expander, and busy threads in the server) lost it 4 times in 100. With the fragment
inside a container of its own, a block every full run sends at that index, the minimal app lost it
0 times in 100 and the Inside page 0 times in 80 (tests/browser/test_inside_and_dirac.py toggles
it 30 times on a busy server).
"""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st


def refreshing(body: Callable[[], None], every: float | None) -> None:
    """Draw `body` in a fragment that reruns itself every `every` seconds (None: only with the
    page), inside a container of its own (see the module's docstring for why)."""
    with st.container():
        st.fragment(body, run_every=every)()
