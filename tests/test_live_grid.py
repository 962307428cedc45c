"""ui.images.live_grid_url: a run's picture is encoded once, not once per refresh of every page that
shows it (issue 26), and the text is the plain path's."""

from __future__ import annotations

import gc

import numpy as np

from classroom.slots import Scheduler
from gan_core.presets import get_preset
from gan_core.runs.runner import TrainingRun
from ui import images


def _counting(monkeypatch) -> list[int]:
    calls = []
    real = images.grid_png

    def counted(batch, ncols=None, scale=None):
        calls.append(1)
        return real(batch, ncols, scale)

    monkeypatch.setattr(images, "grid_png", counted)
    return calls


def test_a_runs_picture_is_encoded_once_for_every_refresh_that_shows_it(monkeypatch):
    run = TrainingRun(get_preset("digits").config, admission=Scheduler(2))
    calls = _counting(monkeypatch)
    first = run.snapshot().samples
    urls = {images.live_grid_url(run.snapshot().samples) for _ in range(5)}  # five refreshes, one picture
    assert len(urls) == 1 and len(calls) == 1
    assert urls == {images.data_url(images.grid_png(first))}  # the plain path's text
    run.step_once("both")  # a new picture: a new array, encoded once more
    assert run.snapshot().samples is not first
    assert images.live_grid_url(run.snapshot().samples) != urls.pop()
    assert len(calls) == 3  # (the comparison above encoded once itself)


def test_an_array_that_may_still_change_is_encoded_every_time_and_nothing_outlives_its_array(monkeypatch):
    calls = _counting(monkeypatch)
    writable = np.random.default_rng(0).random((4, 8, 8))
    images.live_grid_url(writable)
    writable[:] = 0  # a page could change it in place: the cache must not answer for it
    assert images.live_grid_url(writable) == images.data_url(images.grid_png(writable))
    assert len(calls) == 3
    frozen = np.random.default_rng(1).random((4, 8, 8))
    frozen.flags.writeable = False
    images.live_grid_url(frozen)
    assert any(ref() is frozen for ref, _ in images._LIVE_GRIDS.values())
    del frozen
    gc.collect()
    assert all(ref() is not None for ref, _ in images._LIVE_GRIDS.values())
