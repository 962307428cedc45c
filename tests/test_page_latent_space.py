"""The Latent space page: works at once on the shipped generator, and on the live run or a saved file."""

from __future__ import annotations

import pytest
from apptest_utils import open_app, session_run, wait_for

from gan_core import checkpoint
from gan_core.presets import PRESETS
from gan_core.trainer import Trainer

PAGE = "app_pages/latent_space.py"


@pytest.fixture
def at():
    app = open_app(PAGE)
    yield app
    session_run(app, "images").stop()


def urls(at) -> list[str]:
    return [url for img in at.image for url in img.value]


def captions(at) -> str:
    return " ".join(c for img in at.image for c in img.captions)


def test_pretrained_generator_works_with_no_training(at):
    assert at.radio(key="latent:source").value == "pretrained"
    assert len(at.image) == 8  # A, linear, spherical, B, two strips, a dimension walk, a plane
    assert "A (seed 1)" in captions(at) and "Spherical" in captions(at)
    assert session_run(at, "images").snapshot().step == 0  # nothing trained to get here
    assert "What to notice" in " ".join(m.value for m in at.markdown)


def test_t_slider_changes_the_interpolated_images_only(at):
    before = urls(at)
    at.slider(key="latent:t").set_value(1.0).run()
    after = urls(at)
    assert after[0] == before[0] and after[3] == before[3]  # the endpoints stay
    assert after[1] != before[1] and after[2] != before[2]  # G(lerp) and G(slerp) move
    assert after[1] == after[3] == after[2]  # at t = 1 both paths arrive exactly at B
    assert after[4:] == before[4:]  # the strips do not depend on t


def test_seed_and_dimension_controls_change_their_views(at):
    before = urls(at)
    at.number_input(key="latent:seed-b").set_value(7).run()
    assert urls(at)[3] != before[3] and urls(at)[0] == before[0]
    before = urls(at)
    at.number_input(key="latent:walk-dim").set_value(5).run()
    assert urls(at)[6] != before[6] and urls(at)[:6] == before[:6]
    before = urls(at)
    at.number_input(key="latent:seed-c").set_value(9).run()  # the default plane runs through A, B, C
    assert urls(at)[7] != before[7] and urls(at)[:7] == before[:7]
    at.radio(key="latent:plane-mode").set_value("dims").run()
    assert not at.exception and "z[0] (→) and z[1] (↑)" in captions(at)
    at.number_input(key="latent:plane-d2").set_value(0).run()  # same as d1: no plane, a hint instead
    assert not at.exception and len(at.image) == 7
    assert any("two different dimensions" in i.value for i in at.info)


def test_live_run_source_follows_training(at):
    at.radio(key="latent:source").set_value("run").run()
    assert not at.exception
    assert any("not trained yet" in w.value for w in at.warning)
    untrained = urls(at)
    run = session_run(at, "images")
    run.start()
    assert wait_for(lambda: run.snapshot().g_updates > 5)
    run.pause()
    at.run()
    assert not at.exception and not at.warning
    assert urls(at)[0] != untrained[0]  # the same seed, drawn by a G that has learned something


def test_uploaded_checkpoint_source_and_bad_file(at):
    at.radio(key="latent:source").set_value("upload").run()
    assert not at.exception and len(at.image) == 0
    bad = ("bad.pt", b"\x00" * 100, "application/octet-stream")
    at.file_uploader(key="latent:checkpoint-file").set_value(bad).run()
    assert not at.exception and "Could not use bad.pt" in " ".join(e.value for e in at.error)
    trainer = Trainer(PRESETS["digits"].config.replace(dataset="shapes"))
    trainer.step()
    at.file_uploader(key="latent:checkpoint-file").set_value(
        ("shapes.pt", checkpoint.checkpoint_bytes(trainer), "application/octet-stream")
    ).run()
    assert not at.exception and not at.error and len(at.image) == 8
    assert "shapes.pt: trained on shapes for 1 step." in " ".join(c.value for c in at.caption)


def test_a_smaller_model_keeps_dimension_controls_in_range(at):
    at.number_input(key="latent:walk-dim").set_value(20).run()
    trainer = Trainer(PRESETS["digits"].config.replace(noise_dim=8))
    at.radio(key="latent:source").set_value("upload").run()
    at.file_uploader(key="latent:checkpoint-file").set_value(
        ("small.pt", checkpoint.checkpoint_bytes(trainer), "application/octet-stream")
    ).run()
    assert not at.exception and len(at.image) == 8
    assert at.number_input(key="latent:walk-dim").value < 8
    assert "typical noise has ‖z‖ ≈ √8 = 2.8" in captions(at)  # the shell of an 8-D Gaussian


def test_texts_follow_the_generators_own_noise(at):
    """Issue 13, item 10: a checkpoint with 12-D uniform noise is not "32 random numbers" and its
    typical ‖z‖ is √(12/3) = 2, not √12."""
    intro = " ".join(m.value for m in at.markdown)
    assert "32 random numbers, each from a standard Gaussian" in intro  # the shipped generator
    assert "≈ √32 = 5.7" in captions(at)
    at.radio(key="latent:plane-mode").set_value("dims").run()  # the Gaussian's plane extent: ±2.5
    trainer = Trainer(PRESETS["digits"].config.replace(noise_dim=12, noise="uniform"))
    at.radio(key="latent:source").set_value("upload").run()
    at.file_uploader(key="latent:checkpoint-file").set_value(
        ("uniform.pt", checkpoint.checkpoint_bytes(trainer), "application/octet-stream")
    ).run()
    assert not at.exception and len(at.image) == 8
    text = " ".join(m.value for m in at.markdown)
    assert "12 random numbers, each uniform between −1 and 1" in text and "32 random numbers" not in text
    assert "typical noise has ‖z‖ ≈ √(12/3) = 2.0" in captions(at)
    assert "radius ≈ √(12/3) = 2.0" in text and "Gaussian noise in" not in text
    assert at.slider(key="latent:walk-range:uniform").value == 1.0  # the walk stays in the noise's range
    assert at.slider(key="latent:plane-extent:uniform").value == 1.0


def test_pretrained_fashion_generator_shows_clothes_with_no_training(at):
    digits_urls = urls(at)
    at.radio(key="latent:source").set_value("pretrained-fashion").run()
    assert not at.exception
    assert len(at.image) == 8 and urls(at)[0] != digits_urls[0]
    assert "trained on 28×28 Fashion-MNIST clothes" in " ".join(c.value for c in at.caption)
    assert session_run(at, "images").snapshot().step == 0  # nothing trained to get here
    at.slider(key="latent:t").set_value(1.0).run()  # the walk works on it as on the digits
    assert not at.exception and urls(at)[1] == urls(at)[3]
