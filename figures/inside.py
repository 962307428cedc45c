"""Inside G and D: a layer walk (`gan_core.inside`) as rows of image tiles, and D's verdict.

Tiles are uint8 grayscale arrays a page shows with `st.image`, upscaled by whole pixels so a 2×2
feature map stays four crisp squares. Images (G's output, D's input) are drawn exactly as the
sample grid draws them, so G's last tile is the grid's sample pixel for pixel; feature maps are
stretched over the range of the maps shown together, so a weak channel looks weak next to a
strong one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from figures.images import _as_tiles
from figures.theme import FAKE, REAL, chart_axis, chart_layout, hline, with_lines
from gan_core.inside import Activation, DiscriminatorWalk, top_channels

TILE_PIXELS = 96  # a tile's side on screen, at least: big enough to read on a projector
TOP_K = 4


@dataclass(frozen=True)
class TileRow:
    """One layer as tiles: `label` like "ConvTranspose2d → 64×14×14", a `note` saying what is
    shown ("the 4 most active of 64 channels"), a tile and a caption per map shown."""

    label: str
    note: str
    tiles: tuple[np.ndarray, ...]
    captions: tuple[str, ...]


def upscale(tile: np.ndarray, pixels: int = TILE_PIXELS) -> np.ndarray:
    """Nearest-neighbour upscale by the whole factor that makes the longer side at least `pixels`
    (browsers smooth a small image they stretch; this keeps every value a square)."""
    factor = max(1, -(-pixels // max(tile.shape)))  # ceiling division
    return np.repeat(np.repeat(tile, factor, axis=0), factor, axis=1)


def image_tile(values: np.ndarray, pixels: int = TILE_PIXELS) -> np.ndarray:
    """An image in [-1, 1] ((1, H, W) or (H, W)) as the sample grid draws it: clamp, map to [0, 1]
    (`evaluation`), round to 8 bits (`imaging`)."""
    image = np.asarray(values, dtype=np.float32).reshape(np.shape(values)[-2:])
    return upscale(_as_tiles((np.clip(image, -1, 1) + 1) / 2)[0], pixels)


def grid_tile(sample: np.ndarray, pixels: int = TILE_PIXELS) -> np.ndarray:
    """One tile of the sample grid, from the grid's own (H, W) sample in [0, 1], drawn as the grid
    draws it: what `image_tile` of G's output must equal."""
    return upscale(_as_tiles(np.asarray(sample)[None])[0], pixels)


def _stretch(maps: np.ndarray) -> np.ndarray:
    """Maps to [0, 1] over their joint range; a layer whose maps are all one value is black."""
    lo, hi = float(maps.min()), float(maps.max())
    return (maps - lo) / (hi - lo) if hi > lo else np.zeros_like(maps)


def layer_tiles(layers: Sequence[Activation], k: int = TOP_K, pixels: int = TILE_PIXELS) -> list[TileRow]:
    """Tile rows for a layer walk: the noise vector as one strip (grey is 0), images as the grid
    draws them, feature maps as the k most active channels (`top_channels`), strongest first."""
    rows = []
    for layer in layers:
        values = np.asarray(layer.values, dtype=np.float32)
        if layer.image:
            rows.append(TileRow(layer.label, "as the sample grid draws it", (image_tile(values, pixels),), ("",)))
        elif values.ndim == 1:
            span = float(np.abs(values).max()) or 1.0
            strip = upscale(_as_tiles((values / span + 1)[None] / 2)[0], pixels * 3)  # mid-grey is 0
            strip = np.repeat(strip[:1], max(strip.shape[0], pixels // 4), axis=0)  # a bar, not a hairline
            note = f"{values.size} numbers, black −{span:.2g} … white +{span:.2g}"
            rows.append(TileRow(layer.label, note, (strip,), ("",)))
        else:
            if layer.channels is None:
                channels, total = top_channels(values, k), values.shape[0]
                maps = values[channels]
            else:  # already cut to its strongest channels (gan_core.inside.strongest)
                channels, total = layer.channels[:k], layer.channel_count
                maps = values[: len(channels)]
            tiles = tuple(upscale(tile, pixels) for tile in _as_tiles(_stretch(maps)))
            rows.append(
                TileRow(
                    layer.label,
                    _channels_note(len(channels), total),
                    tiles,
                    tuple(f"channel {c}" for c in channels),
                )
            )
    return rows


def _channels_note(shown: int, total: int) -> str:
    if shown == total:
        return "its one channel" if total == 1 else f"all {total} channels, on one shared scale"
    return f"the {shown} most active of {total} channels, on one shared scale"


def verdict_figure(real: DiscriminatorWalk, fake: DiscriminatorWalk) -> dict:
    """D's verdict on one real and one generated image: probabilities (0.5 = cannot tell) for the
    BCE losses, raw critic scores (no fixed scale) otherwise; each bar says its logit too."""
    probabilistic = real.probability is not None and fake.probability is not None
    walks = ((real, "real image", REAL), (fake, "generated image", FAKE))
    values = [w.probability if probabilistic else w.logit for w, _, _ in walks]
    # The numbers go in the category labels: text on a bar near 0.5 would sit on the 0.5 line.
    labels = [
        f"{name}<br>D = {w.probability:.2f} (logit {w.logit:+.2f})"
        if probabilistic
        else f"{name}<br>score {w.logit:+.3g}"
        for w, name, _ in walks
    ]
    data = [
        {
            "type": "bar",
            "x": labels,
            "y": values,
            "marker": {"color": [color for _, _, color in walks]},
            "hovertemplate": "%{x}<extra></extra>",
            "showlegend": False,
        }
    ]
    y_title = "D(x): probability of real" if probabilistic else "critic score"
    layout = chart_layout(
        "D's verdict",
        "",
        y_title,
        "inside_verdict",
        legend=False,
        hovermode="closest",
        yaxis=chart_axis(y_title, range=[0, 1]) if probabilistic else chart_axis(y_title, zeroline=True),
    )
    if probabilistic:
        with_lines(layout, hline(0.5, "0.5: cannot tell", label_side="right"))
    return {"data": data, "layout": layout}
