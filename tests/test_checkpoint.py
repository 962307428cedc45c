"""Checkpoints: a round trip restores the run, and no file can run code or crash the page."""

from __future__ import annotations

import io
import os
import pickle
from pathlib import Path

import pytest
import torch

from gan_core import checkpoint as ck
from gan_core.config import TrainConfig
from gan_core.data.images import assets_dir
from gan_core.presets import PRESETS
from gan_core.runs.runner import TrainingRun
from gan_core.trainer import Trainer

DIGITS = PRESETS["digits"].config


@pytest.fixture(scope="module")
def trained() -> Trainer:
    trainer = Trainer(DIGITS)
    for _ in range(3):
        trainer.step()
    return trainer


def test_round_trip_restores_generator_exactly(trained, tmp_path: Path):
    path = tmp_path / "run.pt"
    ck.save_checkpoint(trained, path)
    state = ck.load_checkpoint(path)
    assert state["format"] == ck.FORMAT and state["step"] == 3 and state["data_shape"] == [1, 8, 8]
    cfg, generator = ck.generator_from_checkpoint(state)
    assert cfg == DIGITS
    z = trained.fixed_noise[:8]
    torch.testing.assert_close(generator(z), trained.generate(z))
    assert not generator.training and not any(p.requires_grad for p in generator.parameters())


@pytest.mark.parametrize("smoothed", [False, True])
def test_weight_average_generator_is_saved_and_explored_when_shown(smoothed):
    """A checkpoint keeps the weight average (g_ema > 0) and explores the generator the run's
    pictures showed: the average in the smoothed view, else G as it trained. The view is the run's,
    saved beside the config, not in it."""
    run = TrainingRun(DIGITS.replace(g_ema=0.9))
    try:
        run.set_view(smoothed)
        run.step_once("both", times=3)
        state = ck.load_checkpoint(ck.checkpoint_bytes(run))
    finally:
        run.stop()
    assert "generator_ema" in state and "smoothed_view" not in state["config"]
    assert ck.checkpoint_view(state) is smoothed
    _, generator = ck.generator_from_checkpoint(state)
    z = run.trainer.fixed_noise[:4]
    torch.testing.assert_close(generator(z), run.trainer.generate(z, average=smoothed))
    assert not torch.allclose(generator(z), run.trainer.generate(z, average=not smoothed))


DATA = Path(__file__).parent / "data"


def test_a_checkpoint_from_before_the_view_left_the_config_opens_the_same_screen():
    """Issue 23 item 2: a checkpoint written when smoothed_view was a TrainConfig field (commit
    ab1aa87) still loads: its config without the view, and the screen it showed (the weight average,
    the same images)."""
    state = ck.load_checkpoint((DATA / "checkpoint-smoothed-view-ab1aa87.pt").read_bytes())
    expected = torch.load(DATA / "checkpoint-smoothed-view-ab1aa87-expected.pt", weights_only=True)
    assert state["config"]["smoothed_view"] is True  # really the old format
    cfg = ck.checkpoint_config(state)
    assert cfg.g_ema == 0.9 and not hasattr(cfg, "smoothed_view")
    assert ck.checkpoint_view(state)
    _, generator = ck.generator_from_checkpoint(state)
    torch.testing.assert_close(generator(expected["z"]), expected["average"], atol=1e-6, rtol=1e-5)
    run = TrainingRun(cfg)
    try:
        ck.load_into_run(run, state)
        snap = run.snapshot()
        assert run.smoothed_view and snap.smoothed_view and snap.views["generator"] == "average"
        assert snap.step == 5
    finally:
        run.stop()


def test_loading_does_not_touch_the_global_random_stream(trained):
    before = torch.random.get_rng_state()
    ck.generator_from_checkpoint(ck.load_checkpoint(ck.checkpoint_bytes(trained)))
    assert torch.equal(before, torch.random.get_rng_state())


def test_generator_only_checkpoint_is_small_and_loads(trained):
    raw = ck.checkpoint_bytes(trained, discriminator=False)
    state = ck.load_checkpoint(raw)
    assert "discriminator" not in state and "opt_g" not in state
    assert len(raw) < len(ck.checkpoint_bytes(trained))


@pytest.mark.filterwarnings("ignore:Detected pickle protocol")
def test_malicious_pickle_is_refused_and_never_executed(tmp_path: Path):
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    raw_pickle = pickle.dumps({"config": {}, "generator": Exploit()})
    buffer = io.BytesIO()
    torch.save({"config": DIGITS.to_dict(), "generator": Exploit()}, buffer)  # torch's zip format too
    for raw in (raw_pickle, buffer.getvalue()):
        with pytest.raises(ValueError, match="could run code"):
            ck.load_checkpoint(raw)
    assert not marker.exists()


def test_truncated_file_says_so(trained):
    raw = ck.checkpoint_bytes(trained)
    with pytest.raises(ValueError, match="truncated"):
        ck.load_checkpoint(raw[: len(raw) // 2])


@pytest.mark.parametrize("raw", [b"", b"hello, not a checkpoint", b"\x89PNG\r\n\x1a\n" + b"\0" * 100])
def test_garbage_is_a_clear_error(raw):
    with pytest.raises(ValueError, match="checkpoint"):
        ck.load_checkpoint(raw)


def test_size_limit(trained, tmp_path: Path):
    raw = ck.checkpoint_bytes(trained)
    with pytest.raises(ValueError, match="larger than"):
        ck.load_checkpoint(raw, max_bytes=len(raw) - 1)
    path = tmp_path / "big.pt"
    path.write_bytes(raw)
    with pytest.raises(ValueError, match="larger than"):
        ck.load_checkpoint(path, max_bytes=1000)
    with pytest.raises(ValueError, match="larger than"):
        ck.load_checkpoint(io.BytesIO(raw), max_bytes=1000)


def test_wrong_architecture_names_the_mismatch(trained):
    state = ck.checkpoint_state(trained)
    state["config"] = {**state["config"], "noise_dim": 16}  # weights were built for 32
    with pytest.raises(ValueError, match=r"noise_dim 16.*project\.0\.weight"):
        ck.load_checkpoint(ck.checkpoint_bytes(state))
    state = ck.checkpoint_state(trained)
    state["config"] = {**state["config"], "model": "mlp", "batchnorm": False}
    with pytest.raises(ValueError, match="generator does not match.*model mlp"):
        ck.load_checkpoint(ck.checkpoint_bytes(state))


def test_invalid_config_goes_through_trainconfig_validation(trained):
    state = ck.checkpoint_state(trained)
    state["config"] = {**state["config"], "lr_g": -1.0}
    with pytest.raises(ValueError, match="settings are invalid: lr_g"):
        ck.load_checkpoint(ck.checkpoint_bytes(state))
    state["config"] = {**state["config"], "lr_g": 1e-3, "warp_drive": True}
    with pytest.raises(ValueError, match="warp_drive"):
        ck.load_checkpoint(ck.checkpoint_bytes(state))
    with pytest.raises(ValueError, match="no generator"):
        ck.load_checkpoint(_bytes({"config": DIGITS.to_dict()}))
    with pytest.raises(ValueError, match="no 'config'"):
        ck.load_checkpoint(_bytes({"generator": {}}))


def _bytes(obj) -> bytes:
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def test_load_into_run_resets_with_the_checkpoint_config_and_weights(trained):
    shapes = TrainingRun(DIGITS.replace(dataset="shapes"))
    try:
        state = ck.load_checkpoint(ck.checkpoint_bytes(trained))
        cfg = ck.load_into_run(shapes, state)
        snap = shapes.snapshot()
        assert cfg == DIGITS and snap.config == DIGITS and snap.dataset_name == "digits"
        assert snap.step == 3 and snap.samples.shape == (64, 8, 8)
        # Its replay and quality history start at the checkpoint, not at reset()'s fresh weights.
        assert [step for step, _ in snap.timeline] == [3]
        assert list(snap.metric_history["step"]) == [3]
        z = trained.fixed_noise[:4]
        torch.testing.assert_close(shapes.generator_copy()(z), trained.generate(z))
        shapes.step_once("both")  # the loaded run trains on from there
        assert shapes.snapshot().step == 4
    finally:
        shapes.stop()


def test_custom_image_checkpoint_needs_its_images(trained):
    state = ck.checkpoint_state(trained)
    state["config"] = {**state["config"], "dataset": "custom-images"}
    run = TrainingRun(DIGITS)
    try:
        with pytest.raises(ValueError, match="upload those images"):
            ck.load_into_run(run, ck.load_checkpoint(ck.checkpoint_bytes(state)))
        assert run.snapshot().dataset_name == "digits"  # nothing changed
    finally:
        run.stop()


def test_shipped_pretrained_generator_loads_without_training():
    path = assets_dir() / "digits_generator.pt"
    assert path.stat().st_size < 1_000_000
    state = ck.load_checkpoint(path)
    cfg, generator = ck.generator_from_checkpoint(state)
    assert isinstance(cfg, TrainConfig) and cfg.dataset == "digits" and state["step"] > 0
    images = generator(torch.randn(4, cfg.noise_dim))
    assert images.shape == (4, 1, 8, 8)


def test_shipped_fashion_generator_draws_recognisable_clothes():
    """The Latent space page's Fashion-MNIST generator: small, safe to load, and good from the first
    second (the bar of the fashion preset, by the reference classifier, without any data files)."""
    from gan_core.quality.classifier import ReferenceClassifier, digits_metrics

    path = assets_dir() / "fashion_generator.pt"
    assert path.stat().st_size < 1_000_000
    state = ck.load_checkpoint(path)
    cfg, generator = ck.generator_from_checkpoint(state)
    assert cfg.dataset == "fashion" and state["step"] > 0 and not generator.training
    with torch.no_grad():
        images = generator(torch.randn(1000, cfg.noise_dim, generator=torch.Generator().manual_seed(0)))
    assert images.shape == (1000, 1, 28, 28)
    m = digits_metrics(images, classifier=ReferenceClassifier.for_dataset("fashion"))
    assert m["class_coverage"] >= 9 and m["mean_confidence"] >= 0.8, m
