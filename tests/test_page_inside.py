"""The Inside G and D page (issue 25): the layer walk of the run that trains, its last tile the grid's
sample, D's verdict D's own, only while the section is open; one transposed convolution by hand; and
a link that sets every control."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
import torch
from apptest_utils import chart_figures, open_app, session_run, wait_for
from streamlit.testing.v1 import AppTest
from test_page_teaching import link_warnings, open_link

from gan_core.conv_arithmetic import library_transpose_conv, scatter_transpose_conv
from gan_core.presets import PRESETS
from gan_core.runs.runner import TrainingRun
from ui import conv_by_hand, inside

PAGE = "app_pages/inside.py"


@pytest.fixture
def at():
    app = open_app(PAGE)
    yield app
    session_run(app, "images").stop()


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def images_by_caption(at: AppTest) -> dict[str, str]:
    return {c: url for img in at.image for c, url in zip(img.captions, img.value) if c}


def test_the_walk_shows_every_layer_of_the_run_that_trains(at):
    run = session_run(at, "images")
    assert run._inside is not None and run._inside[0] == 0  # the open section asked the run for it
    run.step_once("both", times=3)
    at.run()
    assert not at.exception
    page = texts(at)
    for label in (
        "z → 32",
        "Linear + ReLU, reshaped → 128×2×2",
        "ConvTranspose2d → 64×4×4",
        "ConvTranspose2d → 1×8×8",
        "image (tanh) → 1×8×8",
        "Conv2d + LeakyReLU → 32×4×4",
        "Conv2d + LeakyReLU → 64×2×2",
    ):
        assert label in page, label
    assert "noise vector #0 → image (G as it trains, step 3)" in page
    view = run.snapshot().views["inside"]
    shown = [c for img in at.image for c in img.captions if c.startswith("channel")]
    strongest = ", ".join(str(c) for c in view.generator[1].channels)  # the 4 most active, strongest first
    assert shown[0] == f"channels {strongest}, left to right"
    assert set(chart_figures(at)) == {
        "inside:chart:verdict",
        "conv:chart:paint",
        "conv:chart:matrix",
        "conv:chart:overlap",
    }


def test_gs_last_tile_is_the_grids_sample_and_ds_verdict_is_d_of_the_image(at):
    run = session_run(at, "images")
    run.step_once("both", times=20)
    at.number_input(key=inside.KEY_Z).set_value(13).run()
    assert not at.exception
    urls = images_by_caption(at)
    assert urls["G's output"] == urls["grid tile #13"]  # the same PNG bytes: the same pixels
    assert "The same pixels" in texts(at)
    # The verdict chart's bars are D(x) of the real grid's tile #13 and of G's image for z #13,
    # computed here by the run's own D.
    trainer, evaluator = run.trainer, run.evaluator
    with torch.no_grad():
        fake = trainer.generate(trainer.fixed_noise)[13:14]
        expected = torch.sigmoid(trainer.discriminator(torch.cat([evaluator.real[13:14], fake])))
    bars = chart_figures(at)["inside:chart:verdict"]["data"][0]["y"]
    assert bars == pytest.approx(expected.tolist(), abs=1e-6)
    assert run.snapshot().views["inside"].index == 13


def test_closing_the_section_stops_the_walk(at):
    run = session_run(at, "images")
    at.session_state[inside.KEY_OPEN] = False
    at.run()
    assert not at.exception and run._inside is None
    assert "layer by layer: noise vector" not in texts(at)
    assert dict(at.query_params) == {"preset": "digits", "look": "0"}
    run.step_once("both")
    assert "inside" not in run.snapshot().views  # nothing computed while nobody looks
    at.run()
    # Without the walk the hand-worked layer falls back to a kernel of ones, and says so.
    assert any("G's kernel comes with the live walk" in i.value for i in at.info)


def test_the_hand_worked_layer_uses_gs_kernel_and_agrees_with_pytorch(at):
    run = session_run(at, "images")
    run.step_once("both", times=2)
    at.run()
    view = run.snapshot().views["inside"]
    paint = chart_figures(at)["conv:chart:paint"]
    kernel = np.asarray(paint["data"][1]["z"], dtype=np.float64)
    top = float(abs(view.kernel).max())
    np.testing.assert_allclose(kernel, view.kernel / top, atol=1e-6)  # G's live weights, scaled to read
    page = texts(at)
    a, b = view.kernel_channels
    assert f"from channel {a} of its input to channel {b} of its output, ×{1 / top:.3g}" in page
    kernel = view.kernel / top
    gap = abs(
        scatter_transpose_conv(conv_by_hand.INPUT, kernel, 2, 1)
        - library_transpose_conv(conv_by_hand.INPUT, kernel, 2, 1)
    ).max()
    assert f"largest difference {gap:.1g} from the painting" in page
    assert "A DCGAN generator has no unpooling." in page and "(2×2 → 4×4 → 8×8 here)" in page
    assert "1, 2, 4 for a 3×3 kernel with stride 2" in page and "every inside pixel collects 4." in page


def test_picking_a_pixel_and_a_kernel_outlines_its_patch_and_column(at):
    at.segmented_control(key=conv_by_hand.KEY_KERNEL).set_value("ones3").run()
    at.segmented_control(key=conv_by_hand.KEY_PIXEL).set_value("2,0").run()
    assert not at.exception
    figs = chart_figures(at)
    shapes = figs["conv:chart:paint"]["layout"]["shapes"]
    assert len(shapes) == 2  # the input pixel and the patch it paints
    assert "Input pixel (2, 0) holds -1" in texts(at)
    column = figs["conv:chart:matrix"]["layout"]["shapes"][0]
    assert column["x0"] == pytest.approx(6 - 0.5)  # column 2·3 + 0 of Cᵀ
    assert dict(at.query_params) == {"preset": "digits", "kernel": "ones3", "pixel": "2,0"}


def test_a_link_sets_every_control_and_the_page_writes_it_back():
    params = {"preset": "digits", "look": "0", "z": "9", "pause_at": "40", "kernel": "ones4", "pixel": "0,1"}
    at = open_link(PAGE, params)
    try:
        assert link_warnings(at) == []
        state = at.session_state
        assert (state[inside.KEY_OPEN], state[inside.KEY_Z], state[inside.KEY_PAUSE_AT]) == (False, 9, 40)
        assert (state[conv_by_hand.KEY_KERNEL], state[conv_by_hand.KEY_PIXEL]) == ("ones4", "0,1")
        assert at.number_input(key=inside.KEY_Z).value == 9
        assert dict(at.query_params) == params
        assert "Training pauses itself at step 40 (now 0)." in [c.value for c in at.caption]
        bad = open_link(PAGE, {"preset": "digits", "z": "64", "pixel": "3,3", "kernel": "ones4"})
        warnings = link_warnings(bad)
        assert len(warnings) == 2 and any(w.startswith("Ignored z=") for w in warnings), warnings
        assert bad.session_state[inside.KEY_Z] == 0 and bad.session_state[conv_by_hand.KEY_KERNEL] == "ones4"
        session_run(bad, "images").stop()
    finally:
        session_run(at, "images").stop()


class _Hurried:
    """A run whose snapshots claim a huge speed, so "could the next refresh pass the target?" is yes."""

    def __init__(self, run: TrainingRun) -> None:
        self.run = run

    def snapshot(self):
        return dataclasses.replace(self.run.snapshot(), steps_per_sec=1e6)

    def __getattr__(self, name):
        return getattr(self.run, name)


def _pause_at_script() -> None:
    import streamlit as st

    from ui import inside

    inside.pause_at_step(st.session_state["run"])


def test_pause_at_step_stops_a_training_run_exactly_there():
    run = TrainingRun(PRESETS["digits"].config.replace(batch_size=16))
    at = AppTest.from_function(_pause_at_script, default_timeout=60)
    at.session_state["run"] = _Hurried(run)
    at.session_state[inside.KEY_PAUSE_AT] = 150
    run.start()
    assert wait_for(lambda: run.snapshot().status == "running")
    at.run()
    assert not at.exception
    snap = run.snapshot()
    assert (snap.step, snap.is_active) == (150, False)
    assert [c.value for c in at.caption] == ["⏸ Paused at step 150, as **Pause at step** asks; ▶ Start trains on."]
    run.start()  # past the target, Start trains on
    assert wait_for(lambda: run.snapshot().step > 160)
    at.run()
    assert run.snapshot().is_active
    run.stop()


def test_the_page_is_in_the_list_and_every_page_links_here():
    from ui.pages import BY_URL

    page = BY_URL["inside"]
    assert (page.path, page.slots, page.preset_choices) == (
        PAGE,
        ("images",),
        ("digits", "digits-collapse", "fashion", "fashion-collapse"),
    )
    assert re.match(r"^[a-z-]+$", page.url_path)
