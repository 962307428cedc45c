"""ui/fragments.py: every timed fragment of the app stands in a container of its own (the Streamlit
race it avoids is in the module's docstring; tests/browser/test_inside_and_dirac.py reproduces it)."""

from __future__ import annotations

import re
from pathlib import Path

from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]


def _script() -> None:
    import streamlit as st

    from ui.fragments import refreshing

    st.markdown("before")
    refreshing(lambda: st.markdown("inside the fragment"), 1.0)
    st.markdown("after")


def test_refreshing_puts_the_fragment_in_a_container_of_its_own():
    at = AppTest.from_function(_script, default_timeout=30)
    at.run()
    assert not at.exception
    before, wrapper, after = at.main.children.values()
    assert (before.value, after.value) == ("before", "after")
    # The wrapper is a block the page sends on every full run; the fragment's own block is inside it.
    (fragment,) = wrapper.children.values()
    assert (wrapper.type, fragment.type) == ("flex_container", "flex_container")
    assert [m.value for m in fragment.children.values()] == ["inside the fragment"]


def test_every_timed_fragment_is_made_by_refreshing():
    """A new `st.fragment(..., run_every=...)` elsewhere would bring the race back."""
    folders = ("app_pages", "ui", "classroom", "figures")
    sources = [ROOT / "app.py"] + [p for d in folders for p in (ROOT / d).rglob("*.py")]
    timed = [
        f"{p.relative_to(ROOT)}:{text.count(chr(10), 0, m.start()) + 1}"
        for p in sources
        if p != ROOT / "ui" / "fragments.py"
        for text in [p.read_text()]
        for m in re.finditer(r"st\.fragment\([^)]*run_every", text)  # a call spread over lines, too
    ]
    assert timed == []
