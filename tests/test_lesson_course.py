"""The shipped lesson's right answers are what the app shows (issue 27): each step is opened by its
own link in AppTest, run the way its question says on the default seed, and the answer read back
from the page or from the run the page draws. Steps that train for long are slow tests (each well
under a minute on one core)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from apptest_utils import open_app, session_run, wait_for
from streamlit.testing.v1 import AppTest

from classroom.lesson_plan import LESSONS_DIR, Step, load_lessons
from gan_core import latent
from gan_core.presets import PRESETS
from ui.images import pretrained_generator
from ui.latent import N_FRAMES, SEED_A, SEED_B
from ui.pages import BY_URL
from ui.urls import check_link

COURSE = load_lessons([LESSONS_DIR], check_link).get("lessons/gan-course.toml")


def step(page: str) -> Step:
    """The course's step on `page` (one step per page)."""
    assert COURSE is not None
    return next(s for s in COURSE.steps if s.page == page)


def right(s: Step) -> str:
    return s.choices[s.answer]


def open_step(s: Step) -> AppTest:
    """Open the step's link as its ▶ Open button does: its page, with its settings, no 🔗 warning."""
    at = open_app()
    at.query_params.clear()
    at.query_params.update(dict(s.params))
    at.switch_page(BY_URL[s.page].path).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [w.value for w in at.warning if w.icon == "🔗"] == []
    return at


@pytest.mark.parametrize("index", range(6))
def test_every_step_opens_its_page_as_its_link_says(index, request):
    assert COURSE is not None and len(COURSE.steps) == 6
    if COURSE.steps[index].page == "image-gan":
        request.getfixturevalue("fashion_mnist")  # its link asks for Fashion-MNIST: skipped (or failed on CI) without
    open_step(COURSE.steps[index])


def test_two_networks_take_turns_g_is_frozen_while_d_learns():
    s = step("overview")
    assert right(s) == "They stay exactly where they are"
    at = open_step(s)
    assert at.toggle(key="ov:walk").value  # the link switched the walk-through on
    run = session_run(at, "overview")
    before = run.snapshot()
    at.button(key="ov:walk-d").click().run()
    after = run.snapshot()
    assert after.d_updates == before.d_updates + 1
    np.testing.assert_array_equal(after.samples, before.samples)  # G's purple points: not moved at all
    assert after.views["d_verdict"] != before.views["d_verdict"]  # D's verdicts (and its map behind them) did
    assert "G was frozen" in "".join(m.value for m in at.markdown)


@pytest.mark.slow
def test_ds_accuracy_rises_then_sinks_towards_one_half():
    s = step("playground")
    assert right(s) == "It rises at first, then sinks back towards 50 %"
    at = open_step(s)
    run = session_run(at, "playground")
    assert run.config == PRESETS["ring8"].config.replace(seed=0)
    run.step_once("both", wait=120, times=3000)
    snap = run.snapshot()
    assert snap.step == 3000
    steps, acc = np.asarray(snap.history["step"]), np.asarray(snap.history["acc"])  # as the chart draws it
    windows = [float(np.median(acc[(steps > a) & (steps <= a + 100)])) for a in range(0, 3000, 100)]
    last = float(np.median(acc[steps > 2500]))
    # Measured on the default seed: 0.81 at its peak (steps 200-500), 0.61 over the last 500 steps.
    assert max(windows[:10]) >= 0.75, windows
    assert 0.45 <= last <= 0.66 and last < max(windows[:10]) - 0.1, windows


def test_after_ds_head_start_the_saturating_loss_gives_g_about_ten_times_less_gradient():
    s = step("theory")
    assert right(s) == "About ten times smaller"
    at = open_step(s)
    run = session_run(at, "theory")
    assert run.config.loss == "minimax"
    at.button(key="theory-page:head-start").click().run()
    at.sidebar.button(key="theory:btn:step-g").click().run()

    def gradient(loss: str) -> float:
        metric = next(m for m in at.metric if m.label == f"G's gradient norm at its last update ({loss})")
        return float(metric.value)

    saturating = gradient("minimax")
    at.segmented_control(key="theory-page:loss").set_value("nonsaturating").run()
    at.sidebar.button(key="theory:btn:step-g").click().run()
    nonsaturating = gradient("nonsaturating")
    # Measured on the default seed: 0.241 and 2.87 (11.9 times).
    assert 5 <= nonsaturating / saturating <= 20, (saturating, nonsaturating)


@pytest.mark.slow
def test_by_step_1000_only_the_vanilla_gan_collapses_in_the_lab():
    s = step("mode-collapse")
    assert right(s) == "Only A collapses; B spreads out over the ring"
    at = open_step(s)
    runs = [session_run(at, slot) for slot in ("lab-a", "lab-b")]
    for _ in range(10):  # an evaluation every 100 steps, as the collapse alarm looks back over several
        for run in runs:
            run.step_once("both", wait=60, times=100)
    at.run()
    assert all(run.snapshot().step == 1000 for run in runs)
    alarms = [e.value for e in at.error if "Mode collapse" in e.value]
    assert len(alarms) == 1 and "only 0 of 8 modes" in alarms[0], alarms  # run A's box, not B's
    boxes = [b.value for b in [*at.success, *at.info]]  # B's box: a success once it covers all 8, else a note
    assert any(re.match(r"Not collapsed: up to \d of 8 modes", v) for v in boxes), boxes


@pytest.mark.slow
def test_a_dcgan_on_fashion_mnist_finds_nearly_every_kind_by_step_500(fashion_mnist):
    s = step("image-gan")
    assert right(s) == "7 to 10: nearly every kind"
    at = open_step(s)
    run = session_run(at, "images")
    assert run.config == PRESETS["fashion"].config.replace(seed=0) and not run.smoothed_view
    run.step_once("both", wait=120, times=500)
    assert wait_for(lambda: run.snapshot().step == 500)
    # The class histogram's count: kinds with >= 20 of 1,000 samples classified confidently. 10 measured.
    assert run.snapshot().metrics["class_coverage"] >= 7


def test_halfway_along_the_straight_line_z_is_shorter_and_the_walk_is_gradual():
    s = step("latent-space")
    assert right(s) == "Shorter: the middle of the line dips inside"
    at = open_step(s)
    captions = [caption for image in at.get("image") for caption in image.captions]
    norms = {c.split(" · ")[0]: float(c.split("‖z‖ = ")[1]) for c in captions if "‖z‖ = " in c}
    a, b = norms[f"A (seed {SEED_A.default})"], norms[f"B (seed {SEED_B.default})"]
    assert norms["linear, t = 0.50"] < 0.9 * min(a, b)  # what the page prints under the images
    assert abs(norms["spherical, t = 0.50"] - (a + b) / 2) < 0.05 * (a + b) / 2
    config, generator, _ = pretrained_generator("fashion")
    assert (config.noise, config.noise_dim) == ("gaussian", 32)  # the explanation's "32 dimensions"
    z_a = latent.noise_for_seed(SEED_A.default, config.noise_dim, config.noise)
    z_b = latent.noise_for_seed(SEED_B.default, config.noise_dim, config.noise)
    for mode in latent.MODES:  # "the clothes change gradually": no frame carries a third of the change
        frames = latent.decode(generator, latent.interpolation_path(z_a, z_b, N_FRAMES.default, mode))
        frames = frames.reshape(len(frames), -1)
        moves = np.linalg.norm(np.diff(frames, axis=0), axis=1)
        assert moves.max() < np.linalg.norm(frames[-1] - frames[0]) / 3, moves
