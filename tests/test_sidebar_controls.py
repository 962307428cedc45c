"""The shared sidebar's live hyperparameters, through AppTest, on every single-run page: moving a
control while the GAN trains reaches the running trainer at its next step, without a restart."""

from __future__ import annotations

import numpy as np
import pytest
from apptest_utils import open_app, session_run, wait_for

from ui.controls import LR_OPTIONS
from ui.pages import PAGES

# The Class board shows a run (and its controls) only once a student joined a challenge: tests/test_page_board.py.
SINGLE_RUN_PAGES = [
    (p.path, p.slots[0]) for p in PAGES if len(p.slots) == 1 and p.url_path not in ("latent-space", "board")
]


def _other_lr(current: float) -> float:
    return next(o for o in LR_OPTIONS if o != pytest.approx(current) and o < 1e-2)


@pytest.mark.parametrize("page, slot", SINGLE_RUN_PAGES, ids=[s for _, s in SINGLE_RUN_PAGES])
def test_moving_lr_g_while_training_reaches_the_trainer_without_a_restart(page, slot):
    at = open_app(page)
    run = session_run(at, slot)
    at.sidebar.button(key=f"{slot}:btn:start").click().run()
    assert wait_for(lambda: run.snapshot().step > 5, timeout=30)
    target = _other_lr(run.config.lr_g)
    at.sidebar.select_slider(key=f"{slot}:lr_g").set_value(target).run()
    assert not at.exception
    assert run.config.lr_g == pytest.approx(target)
    before = run.snapshot().step
    # The trainer's own stats report the lr its optimizer used: the change reached the step.
    assert wait_for(
        lambda: (s := run.snapshot()).last is not None and s.step > before and s.last.lr_g == pytest.approx(target),
        timeout=30,
    ), run.snapshot().last
    assert run.snapshot().step > before > 0  # kept training from where it was: no restart
    run.pause()


def test_every_live_control_reaches_the_run():
    at = open_app("app_pages/playground.py")
    slot = "playground"
    run = session_run(at, slot)
    sidebar = at.sidebar
    lr_d = _other_lr(run.config.lr_d)
    sidebar.select_slider(key=f"{slot}:lr_d").set_value(lr_d).run()
    sidebar.slider(key=f"{slot}:d_steps").set_value(3).run()
    batch = sidebar.select_slider(key=f"{slot}:batch_size")
    batch.set_value(64).run()
    sidebar.selectbox(key=f"{slot}:loss").set_value("least-squares").run()
    assert not at.exception
    cfg = run.config
    assert cfg.lr_d == pytest.approx(lr_d)
    assert (cfg.d_steps, cfg.batch_size, cfg.loss) == (3, 64, "least-squares")
    run.step_once("both")
    assert run.snapshot().d_updates == 3  # one iteration now trains D three times


def test_the_smoothed_view_toggle_switches_what_is_drawn_and_scored_and_says_so():
    """Issue 12 item 2: the playground draws G as it trains by default; the sidebar's smoothed view
    switches the picture (and the scores) to the weight average, and the page says which."""
    at = open_app("app_pages/playground.py")
    slot = "playground"
    run = session_run(at, slot)
    run.step_once("both", times=40)
    at.run()
    toggle = at.sidebar.toggle(key=f"{slot}:smoothed_view")
    assert toggle.value is False and run.snapshot().views["generator"] == "training"
    assert any("G as it trains" in c.value for c in at.caption)
    toggle.set_value(True).run()
    assert not at.exception
    snap = run.snapshot()
    assert run.smoothed_view and snap.smoothed_view and snap.views["generator"] == "average"
    assert any("weight average (smoothed view" in c.value for c in at.caption)
    import torch

    with torch.no_grad():
        average = run.trainer.generator_ema(run.trainer.fixed_noise).numpy()
    np.testing.assert_allclose(snap.samples, average, atol=1e-6)


def test_the_smoothed_view_starts_an_average_for_a_run_without_one():
    at = open_app("app_pages/playground.py")
    slot = "playground"
    at.sidebar.selectbox(key=f"{slot}:preset-picker").set_value("ring8-collapse").run()
    run = session_run(at, slot)
    assert run.config.g_ema == 0
    at.sidebar.toggle(key=f"{slot}:smoothed_view").set_value(True).run()
    assert not at.exception
    assert run.config.g_ema > 0 and run.trainer.generator_ema is not None
    assert run.snapshot().views["generator"] == "average"


def test_every_live_control_named_once_is_in_the_sidebar_and_presentation_mode_can_hide_it():
    """classroom.controls is the one list of the sidebar's live controls: each has its widget, each
    group can be hidden while presenting, a challenge may allow exactly the ones that change training,
    and a link carries every one of them."""
    from classroom.controls import CONTROLS, NAMES, TRAINING
    from ui.present import HIDEABLE
    from ui.urls import COMMON_SETTINGS

    at = open_app("app_pages/playground.py")
    keys = {w.key for w in at.sidebar if getattr(w, "key", None)}
    for name in NAMES:
        assert f"playground:{name}" in keys, name
    assert {c.group for c in CONTROLS} <= set(HIDEABLE)
    assert set(TRAINING) == set(NAMES) - {"smoothed_view"}
    assert set(NAMES) <= set(COMMON_SETTINGS)
