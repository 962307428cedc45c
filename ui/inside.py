"""The Inside G and D page's live walk: its URL-backed controls, the tile rows and D's verdict.

The walk is computed by the run's own training thread (gan_core.inside via the evaluation), from
the networks that train, only while this section is open: the page asks the run on every refresh
(`RunHandle.look_inside`), and a closed section, another page or a closed tab stops it. The
snapshot carries it beside the sample grid it was drawn with, so the page can check the two agree.
"""

from __future__ import annotations

import numpy as np
import streamlit as st
from PIL import Image

from figures import images as imaging
from figures.inside import TileRow, grid_tile, image_tile, layer_tiles, verdict_figure
from gan_core.inside import DiscriminatorWalk, InsideView
from gan_core.runs.backend import RunHandle
from gan_core.runs.snapshot import RUNNING, Snapshot
from ui.charts import live_chart
from ui.images import data_url
from ui.playground import pause_and_settle
from ui.state import LIVE_REFRESH_SECONDS
from ui.url_values import WidgetParam, flag, int_in

SLOT = "images"
KEY_OPEN, KEY_Z, KEY_PAUSE_AT = "inside:open", "inside:z", "inside:pause-at"
FIXED_NOISE = 64  # the image runs' fixed noise vectors: the grid's 64 tiles
MAX_PAUSE_AT = 1_000_000
D_TILE_PIXELS = 64  # D's rows share the width in two columns: smaller tiles keep 4 maps on one line
# The walk redraws once a second, not twice: ~11 images and a chart per refresh cost a shared CPU
# more than the sample grid does (benchmarks/inside.py measures it), and feature maps move slowly.
INSIDE_REFRESH_SECONDS = 1.0
TILE_GAP = 6  # px of page background right of each tile: st.image puts a list's images edge to edge

OPEN = WidgetParam("look", KEY_OPEN, True, flag)
NOISE = WidgetParam("z", KEY_Z, 0, int_in(0, FIXED_NOISE - 1))
PAUSE_AT = WidgetParam("pause_at", KEY_PAUSE_AT, 0, int_in(0, MAX_PAUSE_AT))
PARAMS = (OPEN, NOISE, PAUSE_AT)


def tile_url(tile: np.ndarray) -> str:
    """A uint8 tile as a PNG data URL (tiles change on every refresh, and a media file would be
    gone before a busy browser fetched it: ui.images), with a white gap on its right."""
    padded = np.pad(tile, ((0, 0), (0, TILE_GAP)), constant_values=255)
    return data_url(imaging.png_bytes(Image.fromarray(padded, mode="L"), compress_level=1))


def row_url(row: TileRow) -> str:
    """A layer's tiles as one picture, TILE_GAP apart: one image for the browser to decode and lay
    out per layer, not one per channel, twice a second."""
    gap = np.full((row.tiles[0].shape[0], TILE_GAP), 255, dtype=np.uint8)
    strip = np.concatenate([part for tile in row.tiles for part in (tile, gap)], axis=1)
    return data_url(imaging.png_bytes(Image.fromarray(strip, mode="L"), compress_level=1))


def row_caption(row: TileRow) -> str | None:
    channels = [c.removeprefix("channel ") for c in row.captions if c]
    if len(channels) > 1:
        return f"channels {', '.join(channels)}, left to right"
    return f"channel {channels[0]}" if channels else None


def show_rows(rows: list[TileRow]) -> None:
    for row in rows:
        st.markdown(f"**{row.label}**: {row.note}")
        st.image(row_url(row), caption=row_caption(row), width="content")


def pause_at_step(run: RunHandle) -> None:
    """Stop the run exactly at the step the page names (a link's "at step 2,000"): when the next
    refresh could pass it, pause and make the last steps by hand."""
    target = int(st.session_state.get(KEY_PAUSE_AT) or 0)
    snap = run.snapshot()
    if not target:
        return
    if snap.status == RUNNING and snap.step < target:
        ahead = max(snap.steps_per_sec, 20.0) * (LIVE_REFRESH_SECONDS + 0.5)
        if snap.step + ahead >= target:
            pause_and_settle(run)
            left = target - run.snapshot().step
            if left > 0:
                run.step_once("both", times=left, wait=60)
            snap = run.snapshot()
    if snap.step == target and not snap.is_active:
        st.caption(f"⏸ Paused at step {target:,}, as **Pause at step** asks; ▶ Start trains on.")
    elif snap.step < target:
        st.caption(f"Training pauses itself at step {target:,} (now {snap.step:,}).")


def _verdict_word(walk: DiscriminatorWalk) -> str:
    if walk.probability is None:
        return f"critic score {walk.logit:+.3g}"
    return f"D(x) = {walk.probability:.2f} (logit {walk.logit:+.2f}: {'real' if walk.logit >= 0 else 'fake'} to D)"


def _generator(view: InsideView, snap: Snapshot) -> None:
    which = "G's weight average (the smoothed view)" if view.average else "G as it trains"
    st.markdown(f"##### G, layer by layer: noise vector #{view.index} → image ({which}, step {view.step:,})")
    rows = layer_tiles(view.generator)
    show_rows(rows[:-1])
    out = rows[-1]
    grid = grid_tile(snap.samples[view.index])
    same = np.array_equal(image_tile(view.generator[-1].values), grid)
    st.markdown(f"**{out.label}**, beside the sample grid's tile #{view.index}:")
    st.image([tile_url(out.tiles[0]), tile_url(grid)], caption=["G's output", f"grid tile #{view.index}"])
    st.markdown(
        "The same pixels: the walk is G's own pass that drew the grid."
        if same
        else f"They differ in {int(np.sum(out.tiles[0] != grid))} pixels."
    )


def _discriminator(view: InsideView) -> None:
    st.markdown("##### D, layer by layer: a real image and G's image, down to D's verdict")
    real_col, fake_col = st.columns(2)
    for col, walk, name in (
        (real_col, view.real, f"Real image (the real grid's tile #{view.index})"),
        (fake_col, view.fake, "G's image (above)"),
    ):
        with col:
            st.markdown(f"**{name}**: {_verdict_word(walk)}")
            show_rows(layer_tiles(walk.layers, pixels=D_TILE_PIXELS))
    live_chart(verdict_figure(view.real, view.fake), "inside:chart:verdict")


def walk_view(run: RunHandle) -> None:
    """The live section: ask for the walk (renewing the run's lease) and draw the newest one."""
    index = int(st.session_state.get(KEY_Z, 0))
    run.look_inside(index)
    snap = run.snapshot()
    view: InsideView | None = snap.views.get("inside")
    if snap.config.model != "dcgan":
        st.info("The layer walk needs a convolutional GAN (DCGAN): pick one of the image presets.", icon="🔬")
        return
    if snap.samples is None or view is None or view.index != index:
        st.info("The walk appears with the run's next picture: press ▶ Start or Step both.", icon="🔬")
        return
    _generator(view, snap)
    _discriminator(view)
