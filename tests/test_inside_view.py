"""Looking inside a run (issue 25): the training thread computes the layer walk from the networks
that train, only while a page asks, on the very pass that draws the sample grid, small enough to
travel in every snapshot (also from a Ray actor)."""

from __future__ import annotations

import pickle
import time

import numpy as np
import pytest
import torch

from figures.inside import grid_tile, image_tile, layer_tiles
from gan_core.config import TrainConfig
from gan_core.data.images import images_from_arrays
from gan_core.inside import TOP_K, Activation, generator_walk, strongest
from gan_core.presets import get_preset
from gan_core.runs import runner
from gan_core.runs.cluster import wire
from gan_core.runs.runner import TrainingRun


def _digits_run(**config) -> TrainingRun:
    return TrainingRun(get_preset("digits").config.replace(batch_size=16, **config))


def _fashion_sized_run() -> TrainingRun:
    """The fashion preset's networks on synthetic 28×28 images (no Fashion-MNIST files needed)."""
    images = np.random.default_rng(0).uniform(size=(64, 28, 28))
    config = get_preset("fashion").config.replace(dataset="custom-images")
    return TrainingRun(config, images_from_arrays(images, "synthetic"))


def _assert_view_matches_grid(snap) -> None:
    view = snap.views["inside"]
    sample = snap.samples[view.index]
    # The walk's image is the grid's sample: the same floats, and the same pixels on screen.
    np.testing.assert_array_equal((np.clip(view.generator[-1].values[0], -1, 1) + 1) / 2, sample)
    np.testing.assert_array_equal(image_tile(view.generator[-1].values), grid_tile(sample))


def test_nobody_looking_means_no_walk_and_a_paused_run_shows_it_at_once():
    run = _digits_run()
    assert "inside" not in run.snapshot().views
    run.look_inside(5)
    view = run.snapshot().views["inside"]  # paused: no need to wait for training
    assert (view.index, view.step) == (5, 0)
    _assert_view_matches_grid(run.snapshot())
    run.step_once("both", times=3)
    assert run.snapshot().views["inside"].step == 3
    _assert_view_matches_grid(run.snapshot())
    run.look_inside(None)
    run.step_once("both")
    assert "inside" not in run.snapshot().views
    with pytest.raises(ValueError, match="64 fixed noise vectors"):
        run.look_inside(64)


def test_a_request_runs_out_so_a_closed_page_stops_the_walk(monkeypatch):
    monkeypatch.setattr(runner, "INSIDE_LEASE_SECONDS", 0.2)
    run = _digits_run()
    run.look_inside(2)
    run.step_once("both")
    assert run.snapshot().views["inside"].index == 2
    time.sleep(0.3)  # no page asked again
    run.step_once("both")
    assert "inside" not in run.snapshot().views


@pytest.mark.parametrize("smoothed", [False, True])
def test_while_training_every_picture_and_its_walk_come_from_one_pass(smoothed):
    run = _digits_run()
    run.set_view(smoothed)
    run.look_inside(9)
    run.start()
    seen = set()
    deadline = time.monotonic() + 30
    while len(seen) < 4 and time.monotonic() < deadline:  # quick and full evaluations alike
        snap = run.snapshot()
        view = snap.views.get("inside")
        if view is not None and view.step not in seen:
            seen.add(view.step)
            assert view.average == smoothed
            _assert_view_matches_grid(snap)
        run.look_inside(9)  # as the page does on every refresh
        time.sleep(0.05)
    run.stop()
    assert len(seen) >= 4, seen


def test_ds_verdicts_are_d_of_the_real_tile_and_of_gs_image():
    run = _digits_run()
    run.step_once("both", times=5)
    run.look_inside(4)
    view = run.snapshot().views["inside"]
    trainer, evaluator = run.trainer, run.evaluator
    with torch.no_grad():
        fake = trainer.generate(trainer.fixed_noise)[4:5]
        real = evaluator.real[4:5]
        assert view.fake.logit == pytest.approx(trainer.discriminator(fake)[0].item(), abs=1e-6)
        assert view.real.logit == pytest.approx(trainer.discriminator(real)[0].item(), abs=1e-6)
        assert view.real.probability == pytest.approx(torch.sigmoid(trainer.discriminator(real))[0].item(), abs=1e-6)
    np.testing.assert_array_equal(view.real.layers[0].values, real[0].numpy())


def test_the_kernel_is_gs_live_weights_between_the_strongest_channels():
    run = _digits_run()
    run.look_inside(0)
    view = run.snapshot().views["inside"]
    a, b = view.kernel_channels
    assert (a, b) == (view.generator[1].channels[0], view.generator[2].channels[0])
    first = run.trainer.generator.deconv[1]
    np.testing.assert_array_equal(view.kernel, first.weight[a, b].detach().double().numpy())


def test_a_view_is_small_and_draws_the_same_tiles_as_the_whole_walk():
    run = _fashion_sized_run()
    run.look_inside(3)
    view = run.snapshot().views["inside"]
    assert [layer.shape for layer in view.generator] == [
        (32,),
        (TOP_K, 7, 7),
        (TOP_K, 14, 14),
        (1, 28, 28),
        (1, 28, 28),
    ]
    assert len(pickle.dumps(view)) < 48 * 1024  # a Ray reply up to 100 KiB travels inline
    whole = generator_walk(run.trainer.generator, run.trainer.fixed_noise, 3)
    for small, full in zip(layer_tiles(view.generator), layer_tiles(whole)):
        assert (small.label, small.note, small.captions) == (full.label, full.note, full.captions)
        assert all(np.array_equal(x, y) for x, y in zip(small.tiles, full.tiles))


def test_strongest_names_the_channels_it_keeps():
    values = np.zeros((6, 2, 2), dtype=np.float32)
    values[4], values[1] = 3.0, -2.0
    kept = strongest(Activation("x", "x → 6×2×2", values), k=2)
    assert kept.channels == (4, 1) and kept.channel_count == 6 and kept.shape == (2, 2, 2)
    np.testing.assert_array_equal(kept.values, values[[4, 1]])
    image = Activation("image", "image → 1×2×2", values[:1], image=True)
    assert strongest(image) is image


def test_the_view_travels_from_a_ray_actor_unchanged():
    """The cluster backend sends views through wire.py, which turns image-like float arrays into 8-bit
    PNGs: the walk's feature maps must arrive as they left."""
    run = _fashion_sized_run()
    run.look_inside(1)
    snap = run.snapshot()
    blob = wire.encode(snap, {}, 1, frozenset(run.evaluator.static), {})
    back = wire.SnapshotDecoder().apply(blob, snap.run_id, snap.version)
    sent, got = snap.views["inside"], back.views["inside"]
    for a, b in zip(sent.generator + tuple(sent.fake.layers), got.generator + tuple(got.fake.layers)):
        np.testing.assert_array_equal(a.values, b.values)
    assert got.fake.logit == sent.fake.logit


def test_a_non_dcgan_image_run_has_no_walk():
    images = np.random.default_rng(1).uniform(size=(32, 8, 8))
    config = TrainConfig(dataset="custom-images", model="mlp", g_width=16, d_width=16, batch_size=8)
    run = TrainingRun(config, images_from_arrays(images, "synthetic"))
    run.look_inside(0)
    assert "inside" not in run.snapshot().views
