"""Presentation mode and the layout rules that keep every control on a projector's screen.

A teacher projects the app at 1280x720 or 1024x768. Two sets of CSS rules:

- always: choices (pills, segmented controls) wrap onto a new line instead of scrolling sideways
  out of sight; metric labels and button texts wrap instead of ending in "…"; side-by-side
  columns holding a chart or a metric keep a minimum width and wrap below each other when the
  window is narrower; the main area's side padding shrinks on narrow windows.
- presentation mode (`?present=1` or the sidebar toggle): explanations in large, full-contrast
  text (no small grey captions), larger metric labels, charts with projector-sized fonts
  (ui.figure_dicts.scale_fonts), the server's internals hidden, and the controls the teacher chose
  hidden from the sidebar. It composes with Streamlit's own `?embed=true`, which hides the
  sidebar and toolbar: both are plain URL parameters.
"""

from __future__ import annotations

import streamlit as st

from classroom.controls import GROUPS
from ui.figure_dicts import PROJECTOR_FONT_SCALE

PRESENT_KEY = "_present"  # session flag: presentation mode on
HIDE_KEY = "_present_hide"  # the sidebar controls hidden while presenting
TOGGLE_KEY = "present:toggle"
HIDE_PICKER_KEY = "present:hide"

# Sidebar controls a teacher can hide while presenting (URL: hide=name,name): the preset picker, the
# step buttons, and each group of live controls (classroom.controls).
HIDEABLE: dict[str, str] = {"preset": "Preset", "steps": "Step buttons", **GROUPS}
DEFAULT_HIDDEN = ("known", "batch_size", "betas")

LAYOUT_CSS = """
/* A container with nothing in it takes no room: a timed fragment that draws nothing (no lesson
   running, no "Pause at step" set) stands in a container of its own (ui/fragments.py), which would
   otherwise add an empty row's gap above the page title and above the Inside page's section. */
[data-testid="stLayoutWrapper"]:has(> [data-testid="stVerticalBlock"]:empty) { display: none; }
/* Choices wrap onto a second line instead of scrolling sideways out of sight. */
[data-testid="stButtonGroup"] > div { flex-wrap: wrap; overflow-x: visible; row-gap: 0.35rem; }
/* Labels and button texts wrap instead of ending in an ellipsis. */
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
[data-testid="stMetricLabel"] { height: auto !important; min-height: 1.5rem; }
button .stMarkdownEllipsis, button .stMarkdownEllipsis p {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
[data-testid="stSidebar"] [data-testid="stColumn"] button { padding-left: 0.3rem; padding-right: 0.3rem; }
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] *,
[data-testid="stMain"] [data-testid="stPageLink-NavLink"] {
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
}
/* Side by side only while there is room: a column with a chart, a metric, a choice or a formula keeps
   a minimum width, and columns that no longer fit move below each other. The rules go from the
   smallest minimum to the largest, so a column holding several kinds keeps the largest. */
[data-testid="stMain"] [data-testid="stHorizontalBlock"] { flex-wrap: wrap; }
[data-testid="stMain"] [data-testid="stColumn"] { container-type: inline-size; }
[data-testid="stMain"] [data-testid="stColumn"]:has([data-testid="stMetric"]) { min-width: min(100%, 6.5rem); }
/* A row of metric tiles in a narrow column: two per line rather than three and a lonely fourth. */
@container (max-width: 30rem) {
  [data-testid="stColumn"]:has([data-testid="stMetric"]):not(:has([data-testid="stHorizontalBlock"])) {
    min-width: calc(50% - 1rem);
  }
}
[data-testid="stMain"] [data-testid="stColumn"]:has([data-testid="stPageLink"]) { min-width: min(100%, 8.5rem); }
[data-testid="stMain"] [data-testid="stColumn"]:has(.gx-live-chart, [data-testid="stPlotlyChart"]) {
  min-width: min(100%, 17rem);
}
[data-testid="stMain"] [data-testid="stColumn"]:has([data-testid="stButtonGroup"]) { min-width: min(100%, 20rem); }
[data-testid="stMain"] [data-testid="stColumn"]:has(.katex-display) { min-width: min(100%, 28rem); }
[data-testid="stMetricValue"] > div { overflow: visible !important; text-overflow: clip !important; }
@media (max-width: 1400px) {
  [data-testid="stMainBlockContainer"] { padding-left: 2rem; padding-right: 2rem; }
}
"""

PRESENT_CSS = """
/* Presentation mode: explanations read from the back of the room. */
[data-testid="stMain"] [data-testid="stMarkdownContainer"] p,
[data-testid="stMain"] [data-testid="stMarkdownContainer"] li { font-size: 1.22rem; line-height: 1.5; }
[data-testid="stMain"] [data-testid="stCaptionContainer"],
[data-testid="stMain"] [data-testid="stCaptionContainer"] p {
  font-size: 1.15rem !important; color: rgb(49, 51, 63) !important; line-height: 1.45;
  opacity: 1 !important;  /* Streamlit greys captions with opacity 0.6 */
}
[data-testid="stMain"] [data-testid="stMetricValue"] [data-testid="stMarkdownContainer"] p {
  font-size: inherit !important; line-height: inherit;  /* the number keeps its big size */
}
[data-testid="stMain"] [data-testid="stMetricLabel"] p { font-size: 1.1rem; }
[data-testid="stMain"] [data-testid="stWidgetLabel"] p { font-size: 1.1rem; }
[data-testid="stMain"] [data-testid="stTable"] { font-size: 1.2rem; }
/* Charts with projector-sized fonts need more room: side by side only where each gets 24rem. */
[data-testid="stMain"] [data-testid="stColumn"]:has(.gx-live-chart, [data-testid="stPlotlyChart"]) {
  min-width: min(100%, 24rem);
}
"""


def presenting() -> bool:
    return bool(st.session_state.get(PRESENT_KEY, False))


def set_presenting(on: bool) -> None:
    st.session_state[PRESENT_KEY] = bool(on)
    st.session_state[TOGGLE_KEY] = bool(on)


def hidden_controls() -> tuple[str, ...]:
    return tuple(st.session_state.get(HIDE_KEY, DEFAULT_HIDDEN))


def set_hidden_controls(names: tuple[str, ...] | list[str]) -> None:
    names = tuple(n for n in HIDEABLE if n in names)
    st.session_state[HIDE_KEY] = names
    st.session_state[HIDE_PICKER_KEY] = list(names)


def hidden(name: str) -> bool:
    """Whether the sidebar control `name` (a HIDEABLE key) is hidden now."""
    return presenting() and name in hidden_controls()


def font_scale() -> float:
    """How much larger chart fonts are drawn now (1 outside presentation mode)."""
    return PROJECTOR_FONT_SCALE if presenting() else 1.0


def inject_css() -> None:
    """The layout rules, and the presentation rules while presenting (see the module docstring)."""
    css = LAYOUT_CSS + (PRESENT_CSS if presenting() else "")
    st.html(f"<style>{css}</style>")


def _on_toggle() -> None:
    st.session_state[PRESENT_KEY] = bool(st.session_state.get(TOGGLE_KEY))


def _on_hide() -> None:
    set_hidden_controls(st.session_state.get(HIDE_PICKER_KEY) or [])


def sidebar_toggle() -> None:
    """The presentation switch, and (while not presenting) which controls it hides."""
    st.session_state.setdefault(TOGGLE_KEY, presenting())
    st.toggle(
        "📽 Presentation mode",
        key=TOGGLE_KEY,
        on_change=_on_toggle,
        help="For a projector: larger text and chart fonts, no server details, and the sidebar controls "
        "you pick below hidden. The link (Copy link) carries it as present=1; add embed=true to the link "
        "to hide the sidebar as well.",
    )
    if not presenting():
        st.session_state.setdefault(HIDE_PICKER_KEY, list(hidden_controls()))
        st.multiselect(
            "Hide while presenting",
            list(HIDEABLE),
            format_func=HIDEABLE.get,
            key=HIDE_PICKER_KEY,
            on_change=_on_hide,
        )
