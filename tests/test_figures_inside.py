"""Inside-G-and-D tiles and D's verdict: G's last tile is the grid's sample, pixel for pixel."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from figures.images import image_grid
from figures.inside import TILE_PIXELS, image_tile, layer_tiles, upscale, verdict_figure
from gan_core.inside import Activation, DiscriminatorWalk, discriminator_walk, generator_walk
from gan_core.presets import get_preset
from gan_core.quality.evaluation import _to_unit
from gan_core.trainer import Trainer


def _trainer() -> Trainer:
    trainer = Trainer(get_preset("digits").config.replace(batch_size=16))
    for _ in range(3):
        trainer.step()
    return trainer


def test_gs_last_tile_is_the_grids_sample_pixel_for_pixel():
    trainer = _trainer()
    walk = generator_walk(trainer.generator, trainer.fixed_noise, index=9)
    rows = layer_tiles(walk)
    grid = _to_unit(trainer.generate(trainer.fixed_noise))  # what the page's sample grid draws
    drawn = np.asarray(image_grid(grid[9:10], ncols=1, scale=1, pad=0))
    assert np.array_equal(image_tile(walk[-1].values, pixels=1), drawn)
    assert np.array_equal(rows[-1].tiles[0], upscale(drawn, TILE_PIXELS))
    assert rows[-1].tiles[0].shape == (96, 96) and rows[-1].tiles[0].dtype == np.uint8


def test_layer_rows_show_the_most_active_channels_on_one_scale():
    trainer = _trainer()
    walk = generator_walk(trainer.generator, trainer.fixed_noise)
    rows = layer_tiles(walk, k=3)
    assert [r.label for r in rows] == [a.label for a in walk]
    maps = rows[2]  # ConvTranspose2d → 64×4×4
    assert len(maps.tiles) == 3 and maps.note == "the 3 most active of 64 channels, on one shared scale"
    activity = np.abs(walk[2].values).mean(axis=(1, 2))
    assert [int(c.split()[-1]) for c in maps.captions] == list(np.argsort(-activity)[:3])
    stacked = np.stack(maps.tiles)
    assert stacked.min() == 0 and stacked.max() == 255  # the shared scale spans the maps shown
    assert all(t.shape == (96, 96) for t in maps.tiles)  # 4×4 maps, each value a 24-pixel square
    assert np.array_equal(maps.tiles[0], upscale(maps.tiles[0][::24, ::24], TILE_PIXELS))  # crisp squares
    assert rows[3].note == "its one channel"


def test_a_weak_channel_looks_weak_next_to_a_strong_one():
    maps = np.zeros((2, 2, 2), dtype=np.float32)
    maps[0, 0, 0] = 4.0  # the strong channel
    maps[1, 0, 0] = 1.0  # a quarter as strong: a quarter as bright, not stretched to white
    strong, weak = layer_tiles([Activation("ReLU", "ReLU → 2×2×2", maps)], k=2)[0].tiles
    assert strong.max() == 255 and weak.max() == 64


def test_the_noise_strip_is_grey_at_zero():
    row = layer_tiles([Activation("z", "z → 3", np.array([-2.0, 0.0, 2.0], dtype=np.float32))])[0]
    strip = row.tiles[0]
    assert strip.shape[0] >= TILE_PIXELS // 4
    assert list(strip[0, :: strip.shape[1] // 3]) == [0, 128, 255]


def test_a_dead_layer_is_black_not_an_error():
    row = layer_tiles([Activation("ReLU", "ReLU → 2×2×2", np.zeros((2, 2, 2), dtype=np.float32))])[0]
    assert all(np.all(t == 0) for t in row.tiles)


def test_ds_verdict_figure():
    trainer = _trainer()
    real = discriminator_walk(trainer.discriminator, trainer.dataset.data[0])
    fake = discriminator_walk(trainer.discriminator, trainer.generate(trainer.fixed_noise[:1])[0])
    fig = verdict_figure(real, fake)
    go.Figure(fig)
    bars = fig["data"][0]
    assert bars["y"] == [real.probability, fake.probability]
    assert f"logit {real.logit:+.2f}" in bars["x"][0] and "generated" in bars["x"][1]
    assert fig["layout"]["shapes"][0]["y0"] == 0.5
    critic = verdict_figure(DiscriminatorWalk([], 2.5, None), DiscriminatorWalk([], -1.0, None))
    go.Figure(critic)
    assert critic["data"][0]["y"] == [2.5, -1.0] and "score +2.5" in critic["data"][0]["x"][0]
    assert not critic["layout"].get("shapes")  # a critic has no 0.5 line
