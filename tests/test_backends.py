"""The run protocol, the wire format and the actor's engine, without a cluster (issue 14).

What travels from an actor to the server must rebuild the Snapshot pages read: histories and
numbers exactly, points and maps within float16's rounding, image grids as the very PNG bytes
the page would draw. Only what changed travels. Ray itself is never imported here.
"""

from __future__ import annotations

import inspect
import io
import pickle
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from classroom.slots import Scheduler
from gan_core.config import TrainConfig
from gan_core.presets import get_preset
from gan_core.runs.backend import RunHandle, backend_name, make_run
from gan_core.runs.cluster.actor import RunActor
from gan_core.runs.cluster.wire import SnapshotDecoder, encode
from gan_core.runs.runner import TrainingRun
from tests.apptest_utils import wait_for
from ui.images import sample_grid_png, timeline_gif_bytes

ROOT = Path(__file__).resolve().parents[1]
SMALL = TrainConfig(g_width=32, d_width=32, batch_size=32)
PROTOCOL = (
    "start",
    "pause",
    "stop",
    "reset",
    "step_once",
    "update",
    "load_state",
    "restore_last_good",
    "snapshot",
    "generator_copy",
    "checkpoint",
    "training_data",
    "look_inside",
)


def _trained(config: TrainConfig, steps: int) -> TrainingRun:
    run = TrainingRun(config, admission=Scheduler(2), eval_interval=0.05)
    run.step_once("both", times=steps, wait=60)
    return run


def _gif_frames(gif: bytes) -> list[np.ndarray]:
    from PIL import Image, ImageSequence

    return [np.asarray(f.convert("L")) for f in ImageSequence.Iterator(Image.open(io.BytesIO(gif)))]


def _static(run: TrainingRun) -> frozenset[str]:
    return frozenset(run.evaluator.static)


def test_training_run_is_a_run_handle_and_the_protocol_names_its_methods():
    run = TrainingRun(SMALL, admission=Scheduler(2))
    assert isinstance(run, RunHandle)
    for name in PROTOCOL:
        want = inspect.signature(getattr(RunHandle, name))
        have = inspect.signature(getattr(TrainingRun, name))
        assert list(want.parameters) == list(have.parameters), name
        assert [p.default for p in want.parameters.values()] == [p.default for p in have.parameters.values()], name


def test_threads_are_the_default_backend(monkeypatch):
    monkeypatch.delenv("GAN_EXPLAINER_RAY_ADDRESS", raising=False)
    assert backend_name() == "threads"
    assert isinstance(make_run(SMALL, admission=Scheduler(2)), TrainingRun)


def test_the_engine_the_pages_and_the_app_on_threads_never_import_ray():
    """`import gan_core` and every page of `app.py` run (AppTest executes the real scripts) on
    the thread backend without loading Ray."""
    script = (
        "import sys, gan_core, gan_core.runs.backend, gan_core.runs.cluster.wire\n"
        "import gan_core.runs.cluster.actor, ui.state\n"
        "from streamlit.testing.v1 import AppTest\n"
        "at = AppTest.from_file('app.py', default_timeout=60)\n"
        "at.run()\n"
        "assert not at.exception, at.exception\n"
        "for page in ('app_pages/playground.py', 'app_pages/image_gan.py', 'app_pages/theory.py'):\n"
        "    at.switch_page(page).run()\n"
        "    assert not at.exception, (page, at.exception)\n"
        "loaded = sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.'))\n"
        "print('RAY_MODULES', loaded)\n"
        "assert not loaded, loaded\n"
    )
    env = {k: v for k, v in __import__("os").environ.items() if k != "GAN_EXPLAINER_RAY_ADDRESS"}
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "RAY_MODULES []" in done.stdout


def test_a_2d_snapshot_survives_the_wire():
    run = _trained(get_preset("ring8").config, 300)
    snap = run.snapshot()
    decoder = SnapshotDecoder()
    blob = encode(snap, decoder.have(), 1, _static(run), {"rss_mib": 1.0})
    got = decoder.apply(blob, run_id=99, version=7)
    assert (got.run_id, got.version) == (99, 7)
    for name in ("step", "d_updates", "g_updates", "status", "config", "last", "metrics", "has_checkpoint"):
        assert getattr(got, name) == getattr(snap, name), name
    for name in snap.history:  # histories travel exactly
        np.testing.assert_array_equal(got.history[name], snap.history[name])
    for name in snap.metric_history:
        np.testing.assert_array_equal(got.metric_history[name], snap.metric_history[name])
    # points and D's map: float16, well under a pixel of any chart (planes here span ~6 units)
    np.testing.assert_allclose(got.samples, snap.samples, atol=4e-3)
    heat, sent = got.views["heatmap"], snap.views["heatmap"]
    np.testing.assert_array_equal(heat["x"], sent["x"])  # the grid lines are exact
    np.testing.assert_allclose(heat["z"], sent["z"], atol=1e-3)
    np.testing.assert_allclose(
        got.views["arrows"]["direction"], snap.views["arrows"]["direction"], rtol=2e-3, atol=1e-3
    )
    np.testing.assert_allclose(got.views["manifold"], snap.views["manifold"], atol=4e-3)
    assert heat["center"] == sent["center"] and got.views["d_verdict"] == snap.views["d_verdict"]
    np.testing.assert_array_equal(got.views["bounds"], snap.views["bounds"])
    assert [s for s, _ in got.timeline] == [s for s, _ in snap.timeline]
    assert not got.samples.flags.writeable and not got.history["step"].flags.writeable
    assert len(blob) < 60_000  # the first (whole) snapshot of ring8 after 300 steps


def test_an_image_grid_arrives_as_the_png_the_page_would_draw():
    run = _trained(get_preset("digits").config, 20)
    snap = run.snapshot()
    decoder = SnapshotDecoder()
    got = decoder.apply(encode(snap, decoder.have(), 1, _static(run), {}), run_id=1, version=1)
    assert sample_grid_png(got) == sample_grid_png(snap)
    # The GIF export quantises to 17 grey levels from the floats; from 8-bit frames a pixel on a
    # level's edge may land one level over (a few % of pixels of an untrained grid): never more.
    frames_got, frames_sent = _gif_frames(timeline_gif_bytes(got)), _gif_frames(timeline_gif_bytes(snap))
    assert len(frames_got) == len(frames_sent)
    for a, b in zip(frames_got, frames_sent):
        diff = np.abs(a.astype(int) - b.astype(int))
        assert diff.max() <= 16 and (diff > 0).mean() < 0.05
    assert got.views["classes"] == snap.views["classes"]
    real_sent, real_got = snap.views["real"], got.views["real"]
    assert real_got.shape == real_sent.shape and np.abs(real_got - real_sent).max() <= 0.5 / 255 + 1e-6


def test_only_what_changed_travels():
    run = TrainingRun(get_preset("ring8").config, admission=Scheduler(2), eval_interval=0.05)
    decoder, static = SnapshotDecoder(), _static(run)
    run.step_once("both", times=200, wait=60)
    first = encode(run.snapshot(), decoder.have(), 1, static, {})
    decoder.apply(first, 1, 1)
    assert encode(run.snapshot(), decoder.have(), 1, static, {}) is None  # same version: nothing
    run.step_once("both", times=20, wait=60)
    delta = pickle.loads(encode(run.snapshot(), decoder.have(), 1, static, {}))
    assert delta["static"] is None  # the real points and bounds went once
    assert delta["history"]["from"] == 200 and delta["history"]["rows"].shape[0] == 20
    assert all(
        step not in delta["timeline"]["frames"] or frame is None for step, frame in delta["timeline"]["frames"].items()
    )
    got = decoder.apply(pickle.dumps(delta), 1, 2)
    np.testing.assert_array_equal(got.history["loss_d"], run.snapshot().history["loss_d"])
    # a reset starts a new build: the data views travel again and the history starts over
    run.reset()
    run.step_once("both", times=5, wait=60)
    again = pickle.loads(encode(run.snapshot(), decoder.have(), 2, _static(run), {}))
    assert again["static"] is not None and again["history"]["from"] == 0
    got = decoder.apply(pickle.dumps(again), 1, 3)
    np.testing.assert_array_equal(got.history["step"], run.snapshot().history["step"])


def test_a_decimated_history_travels_whole_again():
    run = TrainingRun(SMALL, admission=Scheduler(2))
    decoder, static = SnapshotDecoder(), _static(run)
    run.step_once("both", times=2000, wait=120)
    decoder.apply(encode(run.snapshot(), decoder.have(), 1, static, {}), 1, 1)
    run.step_once("both", times=100, wait=60)  # passes 2,048 rows: the history halves its resolution
    delta = pickle.loads(encode(run.snapshot(), decoder.have(), 1, static, {}))
    assert delta["history"]["from"] == 0
    got = decoder.apply(pickle.dumps(delta), 1, 2)
    np.testing.assert_array_equal(got.history["step"], run.snapshot().history["step"])


def test_a_run_moved_to_another_process_goes_on_where_it_was():
    """export_state / import_state: weights, optimizers, counters, curves and timeline move."""
    a = _trained(get_preset("ring8").config, 150)
    state = pickle.loads(pickle.dumps(a.export_state()))  # as Ray would send it
    b = TrainingRun(get_preset("ring8").config, admission=Scheduler(2))
    b.import_state(state, "moved")
    sa, sb = a.snapshot(), b.snapshot()
    assert sb.step == sa.step == 150 and sb.status == "paused" and sb.message == "moved"
    np.testing.assert_array_equal(sb.history["loss_g"], sa.history["loss_g"])
    assert [s for s, _ in sb.timeline] == [s for s, _ in sa.timeline]
    a.step_once("both", times=10, wait=30)
    b.step_once("both", times=10, wait=30)  # the same next steps: same weights, optimizer and RNG
    np.testing.assert_array_equal(a.snapshot().history["loss_d"], b.snapshot().history["loss_d"])


def test_the_actor_engine_trains_answers_and_pauses_without_ray():
    actor = RunActor(SMALL)
    decoder = SnapshotDecoder()
    snap = decoder.apply(actor.poll(decoder.have()), 1, 1)
    assert snap.status == "idle" and snap.step == 0
    assert actor.poll(decoder.have()) is None
    actor.start()
    assert wait_for(lambda: actor.run.trainer.step_count > 50)
    actor.update(lr_g=5e-4)
    assert wait_for(lambda: (s := actor.run.snapshot()).last is not None and s.last.lr_g == 5e-4)
    actor.pause()
    snap = decoder.apply(actor.poll(decoder.have()), 1, 2)
    assert snap.status == "paused" and snap.config.lr_g == 5e-4
    step = snap.step
    actor.step_once("d")
    snap = decoder.apply(actor.poll(decoder.have()), 1, 3)
    assert snap.step == step and snap.d_updates > 0
    exported = actor.export()
    moved = RunActor(SMALL, state=pickle.loads(pickle.dumps(exported)), message="back")
    assert moved.run.trainer.step_count == step and moved.run.snapshot().message == "back"
    actor.stop()
    time.sleep(0)  # nothing else: stop joined the thread


@pytest.mark.parametrize("preset", ["gauss1d"])
def test_a_1d_snapshot_survives_the_wire(preset):
    run = _trained(get_preset(preset).config, 100)
    snap = run.snapshot()
    decoder = SnapshotDecoder()
    got = decoder.apply(encode(snap, decoder.have(), 1, _static(run), {}), 1, 1)
    for key in ("x", "p_data", "p_g", "d", "d_optimal"):
        np.testing.assert_allclose(got.views[key], snap.views[key], rtol=1e-3, atol=1e-4, err_msg=key)
    assert got.views["js"] == snap.views["js"] and got.metrics == snap.metrics


def test_a_lost_run_says_so_keeps_its_picture_and_offers_the_restart():
    """What the sidebar shows for a run whose worker machine was lost (the Ray backend's LOST)."""
    from streamlit.testing.v1 import AppTest

    def sidebar_status() -> None:
        import dataclasses

        import streamlit as st

        from classroom.slots import Scheduler
        from gan_core.config import TrainConfig
        from gan_core.runs.runner import TrainingRun
        from gan_core.runs.snapshot import LOST
        from ui.controls import status_messages, status_text

        class Restartable:
            def restore_last_good(self) -> bool:
                st.session_state["restarted"] = True
                return True

        snap = TrainingRun(TrainConfig(g_width=16, d_width=16), admission=Scheduler(1)).snapshot()
        lost = dataclasses.replace(snap, status=LOST, message="The machine that trained this GAN was lost (x).")
        st.markdown(status_text(lost))
        status_messages(lost, Restartable(), "pg")

    at = AppTest.from_function(sidebar_status, default_timeout=30).run()
    assert not at.exception
    assert "machine lost" in at.markdown[0].value
    assert "machine that trained this GAN was lost" in at.error[0].value
    at.button(key="pg:btn:restart").click().run()
    assert at.session_state["restarted"] is True
