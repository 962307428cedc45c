"""figures.images: crisp, projector-sized sample grids, looping GIF timelines, CLI PNGs."""

import io

import numpy as np
import pytest
from PIL import Image, ImageSequence

from figures import images as imaging
from figures import theme


def checkerboard(n: int = 1, size: int = 8) -> np.ndarray:
    board = (np.add.outer(np.arange(size), np.arange(size)) % 2).astype(np.float32)
    return np.repeat(board[None], n, axis=0)


def test_image_grid_size_and_auto_scale_for_a_projector():
    grid = imaging.image_grid(np.random.default_rng(0).random((64, 8, 8)))
    assert grid.mode == "L"
    assert 400 <= grid.width <= 560 and grid.height == grid.width
    pad = imaging.GRID_PAD
    scale = (grid.width - 9 * pad) // 64
    assert grid.width == 8 * 8 * scale + 9 * pad  # 8 tiles of 8*scale px, 9 separators


def test_image_grid_explicit_layout():
    grid = imaging.image_grid(np.zeros((10, 8, 8)), ncols=4, scale=3, pad=1)
    assert grid.size == (4 * 24 + 5, 3 * 24 + 4)  # 3 rows for 10 images


def test_image_grid_stays_crisp():
    grid = np.asarray(imaging.image_grid(checkerboard(4), ncols=2, scale=7, pad=1))
    tile = grid[1:57, 1:57]
    assert set(np.unique(tile)) == {0, 255}, "nearest-neighbour scaling: no blurred in-between greys"
    np.testing.assert_array_equal(tile, np.kron(checkerboard(1)[0], np.ones((7, 7))) * 255)
    assert np.all(grid[0, :] == imaging.SEPARATOR) and np.all(grid[:, 57] == imaging.SEPARATOR)


def test_image_grid_places_images_in_reading_order():
    n = 6
    images = np.stack([np.full((4, 4), i / (n - 1), dtype=np.float32) for i in range(n)])
    grid = np.asarray(imaging.image_grid(images, ncols=3, scale=2, pad=1))
    for i in range(n):
        r, c = divmod(i, 3)
        assert grid[1 + r * 9 + 4, 1 + c * 9 + 4] == round(255 * i / (n - 1))


def test_image_grid_accepts_channel_axes_and_clips():
    a = imaging.image_grid(np.full((4, 1, 8, 8), 2.0), scale=1)
    b = imaging.image_grid(np.full((4, 8, 8, 1), np.nan), scale=1)
    p = imaging.GRID_PAD
    assert np.asarray(a)[p, p] == 255 and np.asarray(b)[p, p] == 0
    with pytest.raises(ValueError):
        imaging.image_grid(np.zeros((2, 3, 8, 8)))


def test_image_grid_is_fast():
    import time

    images = np.random.default_rng(0).random((64, 8, 8))
    start = time.perf_counter()
    for _ in range(20):
        imaging.image_grid(images)
    assert (time.perf_counter() - start) / 20 < 0.02


def test_side_by_side_and_png_bytes():
    left = imaging.image_grid(np.zeros((16, 8, 8)), scale=4)
    right = imaging.image_grid(np.ones((16, 8, 8)), scale=4)
    both = imaging.side_by_side(left, right)
    assert both.width == left.width + right.width + 16
    assert both.height == left.height + imaging.CAPTION_HEIGHT
    data = imaging.png_bytes(both)
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert Image.open(io.BytesIO(data)).size == both.size


def test_timeline_gif_frames_loop_and_caption():
    rng = np.random.default_rng(0)
    frames = [(i * 100, rng.random((16, 8, 8))) for i in range(5)]
    data = imaging.timeline_gif(frames, duration_ms=120)
    gif = Image.open(io.BytesIO(data))
    assert gif.format == "GIF"
    assert sum(1 for _ in ImageSequence.Iterator(gif)) == 5
    assert gif.info["loop"] == 0, "loops forever"
    assert gif.info["duration"] == 120
    first = np.asarray(gif.convert("L"))
    assert first.shape[0] > imaging.CAPTION_HEIGHT and (first[: imaging.CAPTION_HEIGHT] < 128).any()


def test_timeline_gif_is_bounded():
    rng = np.random.default_rng(0)
    frames = [(i, rng.random((64, 8, 8))) for i in range(200)]
    data = imaging.timeline_gif(frames, max_frames=64)
    gif = Image.open(io.BytesIO(data))
    assert gif.n_frames == 64
    assert gif.width <= imaging.GIF_TARGET_WIDTH
    assert len(data) < 3_000_000  # worst case (pure noise); real samples compress far better
    with pytest.raises(ValueError):
        imaging.timeline_gif([])


def test_scatter_png_decodes_with_both_colours():
    rng = np.random.default_rng(0)
    data = imaging.scatter_png(
        rng.normal(1, 0.3, (500, 2)), rng.normal(-1, 0.3, (500, 2)), [[-3, 3], [-3, 3]], size=300
    )
    img = Image.open(io.BytesIO(data)).convert("RGB")
    assert img.size == (300, 300)
    pixels = {tuple(p) for p in np.asarray(img).reshape(-1, 3)}
    assert imaging._hex_rgb(theme.REAL) in pixels and imaging._hex_rgb(theme.FAKE) in pixels
    # generated points land where they are: upper right of the centre for (+1, +1)
    arr = np.asarray(img)
    fake_mask = np.all(arr == imaging._hex_rgb(theme.FAKE), axis=2)
    ys, xs = np.nonzero(fake_mask[40:])  # skip the legend in the top-left corner
    assert xs.mean() > 150 and ys.mean() + 40 < 150


def test_scatter_png_without_real_or_bounds():
    data = imaging.scatter_png(np.random.default_rng(0).normal(size=(100, 2)))
    assert Image.open(io.BytesIO(data)).size == (480, 480)


def test_histogram_png_1d_decodes():
    rng = np.random.default_rng(0)
    data = imaging.histogram_png_1d(rng.normal(size=(1000, 1)), rng.normal(2, 1, size=(1000, 1)), size=400)
    img = Image.open(io.BytesIO(data))
    assert img.size == (400, 250)
    assert imaging.histogram_png_1d(np.zeros((10, 1)), None)[:4] == b"\x89PNG"
