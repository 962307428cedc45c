"""figures: pure functions that turn engine results into what a page draws, split by what they draw.

Each function takes plain data from `gan_core` (a trajectory, a layer walk, a small array) and
returns a plain Plotly dict ({"data": [...], "layout": {...}}, numpy arrays allowed) or uint8
image tiles, never a `plotly.graph_objects` figure and never anything Streamlit: the same rules
and the same look (colours, fonts, `template: none`, a constant `uirevision` per chart) as the
older figure modules in `gan_core/viz*.py`, whose shared theme each module here imports in one
place at its top so that it can follow them when they move.
"""
