"""Inside G and D: every layer of the image GAN as it trains, and one transposed convolution by hand."""

from __future__ import annotations

import streamlit as st

from ui import inside
from ui.controls import live
from ui.conv_by_hand import conv_by_hand
from ui.images import what_to_notice
from ui.state import run_for

run = run_for(inside.SLOT, "digits")

st.title("🔬 Inside G and D")
st.markdown(
    "The sample grid shows what G draws; here is *how*. One noise vector *z* goes through the generator "
    "layer by layer: a linear layer makes it a stack of small feature maps, and each transposed convolution "
    "doubles their size until the last one is the image. The discriminator runs the other way, from an image "
    "down to one number, its verdict. Everything below comes from the two networks that are training (the "
    "same run as the Image GAN page), recomputed with every refresh."
)
z_col, pause_col, _ = st.columns([1, 1, 1.2])
z_col.number_input(
    "Noise vector (a tile of the sample grid)",
    min_value=0,
    max_value=inside.FIXED_NOISE - 1,
    step=1,
    key=inside.KEY_Z,
    help="Tiles are counted row by row from 0, top left, as on the Image GAN page.",
)
pause_col.number_input(
    "Pause at step (0: never)",
    min_value=0,
    max_value=inside.MAX_PAUSE_AT,
    step=500,
    key=inside.KEY_PAUSE_AT,
    help="Training pauses itself exactly at this step, so the class looks inside the same G.",
)
live([run], lambda: inside.pause_at_step(run))

with st.expander("🔬 G and D, layer by layer (live)", key=inside.KEY_OPEN, on_change="rerun") as section:
    if section.open:
        live([run], lambda: inside.walk_view(run), every=inside.INSIDE_REFRESH_SECONDS)
    else:
        run.look_inside(None)

st.subheader("✍️ One transposed convolution, by hand")
conv_by_hand(run.snapshot())

what_to_notice(
    [
        "**Early on** the feature maps are noise. As training goes on the first maps turn into blobs, then into "
        "parts of the picture, and the image row follows.",
        "**Each transposed convolution doubles the side**: the most active channels of the larger maps start to "
        "look like parts of the picture (edges, the dark background, a silhouette).",
        "**D reads an image the other way**: each strided convolution halves the side, and its last maps are "
        "all its verdict is computed from. While G is good, D's verdicts on both images stay near 0.5.",
        "**Close the section** and compare the steps/s in the sidebar: the walk is computed only while the "
        "section is open, on the very pass that draws the sample grid.",
    ]
)
