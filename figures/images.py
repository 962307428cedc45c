"""Pure functions that turn samples into Pillow images: sample grids, GIF timelines, PNGs.

No matplotlib: Pillow and numpy are enough for grids and quick scatter/histogram PNGs, and they
cost a few milliseconds, so the UI thread can rebuild a grid while a training thread runs.
Colours follow `figures.theme` (real green, generated purple).
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from figures.theme import FAKE, REAL

GRID_TARGET_WIDTH = 560  # auto scale keeps a grid at most this wide (and, if it can, >= 400 px)
SEPARATOR = 96  # grey between tiles: visible against black digit backgrounds and white strokes
CAPTION_HEIGHT = 26
GIF_TARGET_WIDTH = 360  # timeline GIFs: smaller than the live grid, so 64 frames stay ~1 MB
GIF_GREY_LEVELS = 32
BACKGROUND = (255, 255, 255)
AXIS_COLOR = (200, 200, 200)
TEXT_COLOR = (40, 40, 40)


def _hex_rgb(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def _font(size: int = 16) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    """Pillow's built-in font, scalable when Pillow has FreeType (>= 10.1), else the bitmap one."""
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def _as_tiles(images: Any) -> np.ndarray:
    """Images as an (n, H, W) uint8 array: accepts (n, H, W), (n, 1, H, W), (n, H, W, 1), (H, W)."""
    arr = np.asarray(images, dtype=np.float32)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.ndim == 4 and arr.shape[1] == 1:
        arr = arr[:, 0]
    elif arr.ndim == 4 and arr.shape[-1] == 1:
        arr = arr[..., 0]
    if arr.ndim != 3:
        raise ValueError(f"expected grayscale images (n, H, W), got shape {np.shape(images)}")
    arr = np.nan_to_num(arr, nan=0.0, posinf=1.0, neginf=0.0)
    return (np.clip(arr, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


GRID_PAD = 3  # px of grey between tiles: a 1-px line vanishes on a projector


def grid_scale(ncols: int, width: int, pad: int = GRID_PAD, target: int = GRID_TARGET_WIDTH) -> int:
    """The integer upscale that makes a grid of `ncols` tiles as wide as possible up to `target`
    pixels (integer factors keep every source pixel a crisp square)."""
    room = target - pad * (ncols + 1)
    return max(1, room // max(1, ncols * width))


def image_grid(
    images: np.ndarray,
    ncols: int | None = None,
    scale: int | None = None,
    pad: int = GRID_PAD,
    separator: int = SEPARATOR,
) -> Image.Image:
    """Tile (n, H, W) images in [0, 1] into one grayscale grid, upscaled without blurring so
    8x8 digits stay crisp and big on a projector; `pad` px of grey separate the tiles."""
    tiles = _as_tiles(images)
    n, h, w = tiles.shape
    ncols = max(1, int(ncols) if ncols else math.ceil(math.sqrt(max(n, 1))))
    nrows = max(1, math.ceil(n / ncols))
    scale = max(1, int(scale) if scale else grid_scale(ncols, w, pad))
    if scale > 1:  # nearest-neighbour upscaling is a repeat of rows and columns
        tiles = tiles.repeat(scale, axis=1).repeat(scale, axis=2)
    th, tw = h * scale, w * scale
    canvas = np.full((nrows * (th + pad) + pad, ncols * (tw + pad) + pad), separator, dtype=np.uint8)
    if n:
        padded = np.full((nrows * ncols, th + pad, tw + pad), separator, dtype=np.uint8)
        padded[:n, :th, :tw] = tiles
        # (rows, cols, th+pad, tw+pad) -> (rows, th+pad, cols, tw+pad): one reshape places every tile
        block = padded.reshape(nrows, ncols, th + pad, tw + pad).transpose(0, 2, 1, 3)
        canvas[pad:, pad:] = block.reshape(nrows * (th + pad), ncols * (tw + pad))
    return Image.fromarray(canvas)


def _caption_strip(width: int, text: str, mode: str, height: int = CAPTION_HEIGHT) -> Image.Image:
    strip = Image.new(mode, (width, height), 255 if mode == "L" else BACKGROUND)
    draw = ImageDraw.Draw(strip)
    font = _font(max(12, height - 10))
    box = draw.textbbox((0, 0), text, font=font)
    x = max(2, (width - (box[2] - box[0])) // 2)
    y = max(0, (height - (box[3] - box[1])) // 2 - box[1])
    draw.text((x, y), text, fill=40 if mode == "L" else TEXT_COLOR, font=font)
    return strip


def side_by_side(
    left: Image.Image, right: Image.Image, labels: Sequence[str] = ("real", "generated"), gap: int = 16
) -> Image.Image:
    """Two images next to each other with a caption above each (real vs generated)."""
    mode = "L" if left.mode == right.mode == "L" else "RGB"
    left, right = left.convert(mode), right.convert(mode)
    height = max(left.height, right.height) + CAPTION_HEIGHT
    out = Image.new(mode, (left.width + gap + right.width, height), 255 if mode == "L" else BACKGROUND)
    for img, label, x in ((left, labels[0], 0), (right, labels[1], left.width + gap)):
        out.paste(_caption_strip(img.width, str(label), mode), (x, 0))
        out.paste(img, (x, CAPTION_HEIGHT))
    return out


def png_bytes(img: Image.Image, compress_level: int = 3) -> bytes:
    """PNG-encode an image (a moderate compression level: these are rebuilt live)."""
    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=compress_level)
    return buf.getvalue()


def _pick_frames(frames: Sequence[tuple[int, np.ndarray]], max_frames: int) -> list[tuple[int, np.ndarray]]:
    """At most `max_frames`, evenly spread, always keeping the first and the latest."""
    frames = list(frames)
    if len(frames) <= max_frames:
        return frames
    idx = np.unique(np.linspace(0, len(frames) - 1, max(1, max_frames)).round().astype(int))
    return [frames[i] for i in idx]


def timeline_gif(
    frames: Sequence[tuple[int, np.ndarray]],
    duration_ms: int = 150,
    max_frames: int = 64,
    ncols: int | None = None,
    width: int = GIF_TARGET_WIDTH,
    levels: int = GIF_GREY_LEVELS,
) -> bytes:
    """An endlessly looping GIF of the fixed-noise sample grid over training, each frame
    captioned with its step: the whole run's story in one shareable file. Size is bounded by
    `max_frames`, a smaller grid than on screen and `levels` grey levels (LZW compresses few
    levels far better; the shipped digits have 17)."""
    picked = _pick_frames(frames, max_frames)
    if not picked:
        raise ValueError("timeline_gif needs at least one (step, images) frame")
    first = _as_tiles(picked[0][1])
    cols = max(1, int(ncols) if ncols else math.ceil(math.sqrt(max(first.shape[0], 1))))
    scale = grid_scale(cols, first.shape[2], target=width)
    n = first.shape[0]
    step_q = 1.0 / max(1, int(levels) - 1)
    images = []
    size = None
    for step, batch in picked:
        batch = np.asarray(batch, dtype=np.float32)[:n]
        grid = image_grid(np.round(batch / step_q) * step_q, ncols=cols, scale=scale)
        if size is None:
            size = grid.size
        elif grid.size != size:  # a frame with fewer images: keep every frame the same size
            canvas = Image.new("L", size, SEPARATOR)
            canvas.paste(grid.crop((0, 0, min(size[0], grid.width), min(size[1], grid.height))), (0, 0))
            grid = canvas
        frame = Image.new("L", (size[0], size[1] + CAPTION_HEIGHT), 255)
        frame.paste(_caption_strip(size[0], f"step {int(step):,}", "L"), (0, 0))
        frame.paste(grid, (0, CAPTION_HEIGHT))
        images.append(frame)
    buf = io.BytesIO()
    images[0].save(
        buf,
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=int(duration_ms),
        loop=0,
        optimize=False,
        disposal=1,
    )
    return buf.getvalue()


# --- quick plots for the command line (no matplotlib) -------------------------------------------
_DISC = [(dx, dy) for dx in range(-2, 3) for dy in range(-2, 3) if dx * dx + dy * dy <= 5]


def _paint_points(pixels: np.ndarray, xy: np.ndarray, color: tuple[int, int, int]) -> None:
    """Stamp a small disc at each pixel position (vectorised: one assignment per disc offset)."""
    h, w = pixels.shape[:2]
    xy = xy[np.isfinite(xy).all(1)].round().astype(np.int64)
    for dx, dy in _DISC:
        px, py = xy[:, 0] + dx, xy[:, 1] + dy
        ok = (px >= 0) & (px < w) & (py >= 0) & (py < h)
        pixels[py[ok], px[ok]] = color


def _legend(
    draw: ImageDraw.ImageDraw, items: Sequence[tuple[str, tuple[int, int, int]]], x: int = 8, y: int = 8
) -> None:
    font = _font(14)
    for label, color in items:
        draw.rectangle([x, y + 3, x + 10, y + 13], fill=color)
        draw.text((x + 16, y), label, fill=TEXT_COLOR, font=font)
        y += 20


def scatter_png(points: np.ndarray, real: np.ndarray | None = None, bounds: Any = None, size: int = 480) -> bytes:
    """A PNG scatter of generated 2D points (purple) over real ones (green), for the CLI."""
    fake = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    real_pts = None if real is None else np.asarray(real, dtype=np.float64).reshape(-1, 2)
    if bounds is None:
        both = np.concatenate([p for p in (fake, real_pts) if p is not None and p.size] or [np.zeros((1, 2))])
        both = both[np.isfinite(both).all(1)]
        lo, hi = (both.min(0), both.max(0)) if both.size else (np.full(2, -1.0), np.full(2, 1.0))
        pad = (hi - lo) * 0.1 + 0.25
        bounds = np.stack([lo - pad, hi + pad], 1)
    (x0, x1), (y0, y1) = np.asarray(bounds, dtype=np.float64).reshape(2, 2)
    sx, sy = (size - 1) / max(x1 - x0, 1e-12), (size - 1) / max(y1 - y0, 1e-12)

    def to_pixels(p: np.ndarray) -> np.ndarray:
        return np.stack([(p[:, 0] - x0) * sx, (y1 - p[:, 1]) * sy], 1)

    img = Image.new("RGB", (size, size), BACKGROUND)
    draw = ImageDraw.Draw(img)
    if x0 < 0 < x1:  # light axes through the origin
        draw.line([((0 - x0) * sx, 0), ((0 - x0) * sx, size)], fill=AXIS_COLOR)
    if y0 < 0 < y1:
        draw.line([(0, (y1 - 0) * sy), (size, (y1 - 0) * sy)], fill=AXIS_COLOR)
    draw.rectangle([0, 0, size - 1, size - 1], outline=AXIS_COLOR)
    pixels = np.array(img)
    if real_pts is not None and real_pts.size:
        _paint_points(pixels, to_pixels(real_pts), _hex_rgb(REAL))
    if fake.size:
        _paint_points(pixels, to_pixels(fake), _hex_rgb(FAKE))
    img = Image.fromarray(pixels)
    _legend(
        ImageDraw.Draw(img),
        [("real", _hex_rgb(REAL)), ("generated", _hex_rgb(FAKE))]
        if real_pts is not None
        else [("generated", _hex_rgb(FAKE))],
    )
    return png_bytes(img)


def histogram_png_1d(samples: np.ndarray, real: np.ndarray | None = None, size: int = 480, bins: int = 40) -> bytes:
    """A PNG of two overlaid, translucent histograms (real green, generated purple), for the CLI."""
    fake = np.asarray(samples, dtype=np.float64).reshape(-1)
    fake = fake[np.isfinite(fake)]
    real_v = None if real is None else np.asarray(real, dtype=np.float64).reshape(-1)
    if real_v is not None:
        real_v = real_v[np.isfinite(real_v)]
    both = np.concatenate([v for v in (fake, real_v) if v is not None and v.size] or [np.zeros(1)])
    lo, hi = float(both.min()), float(both.max())
    if hi - lo < 1e-9:
        lo, hi = lo - 0.5, hi + 0.5
    edges = np.linspace(lo, hi, bins + 1)
    series = [
        (v, _hex_rgb(c), label) for v, c, label in ((real_v, REAL, "real"), (fake, FAKE, "generated")) if v is not None
    ]
    densities = [np.histogram(v, bins=edges, density=False)[0] / max(len(v), 1) for v, _, _ in series]
    top = max((float(d.max()) for d in densities), default=0.0) or 1.0

    width, height = size, int(size * 0.625)
    margin_l, margin_r, margin_t, margin_b = 12, 12, 56, 20
    plot_w, plot_h = width - margin_l - margin_r, height - margin_t - margin_b
    img = Image.new("RGBA", (width, height), BACKGROUND + (255,))
    for (_, color, _), dens in zip(series, densities):
        layer = Image.new("RGBA", img.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(layer)
        for i, d in enumerate(dens):
            if d <= 0:
                continue
            xa = margin_l + plot_w * i / bins
            xb = margin_l + plot_w * (i + 1) / bins
            ya = margin_t + plot_h * (1 - d / top)
            draw.rectangle([xa, ya, xb - 1, margin_t + plot_h], fill=color + (110,), outline=color + (255,))
        img = Image.alpha_composite(img, layer)
    img = img.convert("RGB")
    draw = ImageDraw.Draw(img)
    draw.line([(margin_l, margin_t + plot_h), (margin_l + plot_w, margin_t + plot_h)], fill=AXIS_COLOR, width=2)
    font = _font(12)
    draw.text((margin_l, margin_t + plot_h + 3), f"{lo:.2f}", fill=TEXT_COLOR, font=font)
    label = f"{hi:.2f}"
    box = draw.textbbox((0, 0), label, font=font)
    draw.text((margin_l + plot_w - (box[2] - box[0]), margin_t + plot_h + 3), label, fill=TEXT_COLOR, font=font)
    _legend(draw, [(label, color) for _, color, label in series])
    return png_bytes(img)
