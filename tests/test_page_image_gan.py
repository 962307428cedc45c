"""The Image GAN page as a student drives it (AppTest: run_every never ticks, so tests rerun)."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch
from apptest_utils import chart_figures, open_app, session_run, wait_for
from PIL import Image

from gan_core import checkpoint
from gan_core.presets import PRESETS
from gan_core.trainer import Trainer
from ui.images import history_csv, sample_grid_png, timeline_gif_bytes

PAGE = "app_pages/image_gan.py"


def png(i: int) -> bytes:
    image = Image.new("L", (20, 20), 0)
    image.putpixel((i % 20, (3 * i) % 20), 255)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def texts(at) -> str:
    return " ".join(
        str(e.value)
        for kind in ("markdown", "caption", "info", "error", "success", "warning")
        for e in getattr(at, kind)
    )


@pytest.fixture
def at(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))  # no MNIST cache: behave like a fresh offline laptop
    app = open_app(PAGE)
    yield app
    session_run(app, "images").stop()


def test_page_renders_the_lesson_with_grids_and_charts(at):
    assert at.title[0].value.endswith("Image GAN")
    radio = at.radio(key="images:dataset")
    assert radio.value == "digits" and set(radio.options) >= {"✍️ Digits 8×8 (built in)", "📁 Your own images"}
    assert len(at.image) == 2  # generated and real grids, before any training
    # Crisp PNG, never JPEG: the live grid inline (a media file could be gone before the browser
    # fetches it), the static real grid as a media file.
    urls = [url for img in at.image for url in img.value]
    assert urls[0].startswith("data:image/png;base64,") and urls[1].endswith(".png"), [u[:40] for u in urls]
    # losses, D accuracy, class histogram, digit quality, Fréchet distance
    assert list(chart_figures(at)) == [
        "images:chart:loss",
        "images:chart:accuracy",
        "images:chart:classes",
        "images:chart:quality",
        "images:chart:frechet",
    ]
    assert "What to notice" in texts(at)
    assert len(at.download_button) == 3  # PNG, CSV, checkpoint (the GIF appears with the timeline)


def test_training_shows_samples_charts_and_a_timeline_slider(at):
    run = session_run(at, "images")
    before = [img.value for img in at.image]
    run.start()
    assert wait_for(lambda: run.snapshot().step > 0 and len(run.snapshot().timeline) >= 3, timeout=15)
    run.pause()
    at.run()
    assert not at.exception
    assert at.image[0].value != before[0]  # the generated grid moved on; the real one did not
    assert at.image[1].value == before[1]
    assert len(chart_figures(at)) == 5
    frames = run.snapshot().timeline
    slider = at.select_slider(key="images:timeline")
    assert slider.value == frames[-1][0]
    chosen = frames[1][0]
    slider.set_value(chosen).run()
    captions = [c for img in at.image for c in img.captions]
    assert f"The samples of the fixed noise the page showed at step {chosen:,}" in captions
    assert len(at.download_button) == 4  # + the GIF


def test_switching_to_shapes_resets_the_run_on_16px_images(at):
    run = session_run(at, "images")
    run.step_once("both")
    at.radio(key="images:dataset").set_value("shapes").run()
    assert not at.exception
    snap = session_run(at, "images").snapshot()
    assert snap.dataset_name == "shapes" and snap.config.dataset == "shapes" and snap.config.model == "dcgan"
    assert snap.step == 0 and snap.samples.shape == (64, 16, 16)
    assert len(chart_figures(at)) == 2  # no digit classifier for shapes


def test_mnist_offline_explains_what_to_do_and_keeps_the_run(at):
    at.radio(key="images:dataset").set_value("mnist").run()
    assert not at.exception
    assert "not on this computer yet" in texts(at) and "~/.cache/gan_explainer/mnist" in texts(at)
    assert any("Download MNIST" in b.label for b in at.button)
    assert at.radio(key="images:dataset").value == "digits"
    assert session_run(at, "images").snapshot().dataset_name == "digits"


def test_own_images_upload_trains_on_them(at):
    at.radio(key="images:dataset").set_value("custom-images").run()
    at.file_uploader(key="images:upload-files").set_value(
        [(f"{i}.png", png(i), "image/png") for i in range(12)] + [("broken.png", b"not a png", "image/png")]
    ).run()
    at.button(key="images:btn:use-uploads").click().run()
    assert not at.exception
    snap = session_run(at, "images").snapshot()
    assert snap.dataset_name == "custom-images" and snap.samples.shape == (64, 16, 16)
    assert "12 of your images" in texts(at) and "Left out 1: broken.png" in texts(at)


def test_too_few_own_images_is_a_message_not_a_traceback(at):
    at.radio(key="images:dataset").set_value("custom-images").run()
    at.file_uploader(key="images:upload-files").set_value([(f"{i}.png", png(i), "image/png") for i in range(3)]).run()
    at.button(key="images:btn:use-uploads").click().run()
    assert not at.exception
    assert "at least 8" in " ".join(e.value for e in at.error)
    assert session_run(at, "images").snapshot().dataset_name == "digits"


def test_checkpoint_upload_loads_or_explains(at):
    uploader = at.file_uploader(key="images:checkpoint-file")
    uploader.set_value(("broken.pt", b"definitely not weights", "application/octet-stream")).run()
    assert not at.exception
    assert "Could not load broken.pt" in " ".join(e.value for e in at.error)

    trainer = Trainer(PRESETS["digits"].config.replace(dataset="shapes"))
    for _ in range(2):
        trainer.step()
    at.file_uploader(key="images:checkpoint-file").set_value(
        ("shapes.pt", checkpoint.checkpoint_bytes(trainer), "application/octet-stream")
    ).run()
    assert not at.exception
    snap = session_run(at, "images").snapshot()
    assert snap.dataset_name == "shapes" and snap.step == 2
    assert at.radio(key="images:dataset").value == "shapes"
    assert "Loaded shapes.pt" in " ".join(e.value for e in at.success)


def test_downloads_have_content(at):
    """AppTest cannot click a deferred download; these are the exact functions the buttons call."""
    run = session_run(at, "images")
    for _ in range(3):
        run.step_once("both")
    snap = run.snapshot()
    assert sample_grid_png(snap).startswith(b"\x89PNG")
    assert timeline_gif_bytes(snap).startswith(b"GIF89a")
    csv = history_csv(snap).splitlines()
    assert csv[0].startswith("step,loss_d,loss_g") and "class_coverage" in csv[0] and len(csv) == 4
    state = checkpoint.load_checkpoint(checkpoint.checkpoint_bytes(run))
    assert state["step"] == 3 and np.isclose(state["config"]["lr_g"], run.config.lr_g)


def test_what_to_notice_says_what_the_accuracy_chart_shows(at):
    """Issue 13, item 10: an untrained D is near 50 %, not 100 %; the page says what a digits run
    shows: near 50 % at first, a climb while D learns the early blobs, then back towards 0.5."""
    assert "starts near 50 %" in texts(at) and "100 %" not in texts(at)
    trainer = Trainer(PRESETS["digits"].config)
    acc = np.array([trainer.step().acc for _ in range(400)])
    assert abs(acc[0] - 0.5) < 0.15  # the first step: D untrained
    assert acc[20:200].max() > 0.7  # the climb
    assert acc[300:].mean() < acc[20:200].max() - 0.1  # and back down


class _Copier(torch.nn.Module):
    """A "generator" that hands back training images (picked by the noise): pure memorisation."""

    def __init__(self, data: torch.Tensor) -> None:
        super().__init__()
        self.data = data

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        index = (z[:, 0].abs() * 1e4).long() % self.data.shape[0]
        return self.data[index]


def test_the_memorisation_check_runs_on_demand_and_flags_a_copier(at, monkeypatch):
    """Issue 13 item 11: one button, one picture, one sentence. The live G (a few steps in) is not
    flagged; a generator that returns training images is."""
    run = session_run(at, "images")
    run.step_once("both", times=5)
    at.run()
    assert "images:chart:memorisation" not in chart_figures(at)  # nothing computed until asked
    at.button(key="images:btn:memorisation").click().run()
    assert not at.exception
    assert any(s.value.startswith("No sign of copying") for s in at.success), [s.value for s in at.success]
    figure = chart_figures(at)["images:chart:memorisation"]
    assert [t["name"] for t in figure["data"]][1] == "G's samples"
    assert any("closest to a training image" in c for img in at.image for c in img.captions)
    assert any("at step 5" in c.value for c in at.caption)

    monkeypatch.setattr(run, "generator_copy", lambda: _Copier(run.trainer.dataset.data).eval())
    at.button(key="images:btn:memorisation").click().run()
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("G copies its training images: 100%") for w in warnings), warnings
    assert "100%" in chart_figures(at)["images:chart:memorisation"]["layout"]["annotations"][0]["text"]


def test_the_class_histogram_and_the_frechet_chart_say_what_they_count(at):
    """Issue 13 items 6 and 8: the histogram counts all 1,000 scored samples with the quality chart's
    rule (an untrained G covers 0 of 10), and the Fréchet distance is shown with its floor."""
    run = session_run(at, "images")
    run.step_once("both", times=1)
    at.run()
    figs = chart_figures(at)
    hist = figs["images:chart:classes"]
    assert "0/10 covered" in hist["layout"]["title"]["text"]
    assert "1,000 scored samples" in hist["layout"]["title"]["subtitle"]["text"]
    floor = run.snapshot().views["floors"]["frechet_distance"]
    fd = figs["images:chart:frechet"]
    assert fd["layout"]["shapes"][0]["y0"] == pytest.approx(floor)
    assert any("real images scored the same way" in c.value for c in at.caption)


# --- Fashion-MNIST: found where Debian installs it, or explained when it is not there -----------


def sidebar_presets(at) -> list[str]:
    """The preset names the sidebar offers (its options read "name — summary")."""
    return [option.split(" — ")[0] for option in at.sidebar.selectbox(key="images:preset-picker").options]


@pytest.fixture
def no_fashion_files(monkeypatch, tmp_path):
    """A laptop without the Debian package: no system folder, no $GAN_EXPLAINER_DATA, an empty cache
    (the `at` fixture's HOME). The server-wide caches forget what they found, before and after."""
    from gan_core.data import idx_files
    from ui.images import missing_reason, shared_dataset

    monkeypatch.setattr(idx_files, "SYSTEM_DIRS", {"mnist": (), "fashion": ()})
    monkeypatch.delenv(idx_files.DATA_ENV, raising=False)
    shared_dataset.clear()
    missing_reason.clear()
    yield
    shared_dataset.clear()
    missing_reason.clear()


def test_fashion_presets_train_on_the_debian_files(at, fashion_mnist):
    assert {"fashion", "fashion-collapse"} <= set(sidebar_presets(at))
    at.sidebar.selectbox(key="images:preset-picker").set_value("fashion").run()
    assert not at.exception
    run = session_run(at, "images")
    snap = run.snapshot()
    assert snap.dataset_name == "fashion" and snap.config == PRESETS["fashion"].config
    assert snap.samples.shape == (64, 28, 28)
    assert at.radio(key="images:dataset").value == "fashion"
    source = fashion_mnist.extra["source"]
    assert source in texts(at) and "Fashion-MNIST clothes" in texts(at)  # where the data was found
    for _ in range(3):
        run.step_once("both")
    at.run()
    figures = chart_figures(at)
    assert len(figures) == 5  # losses, D accuracy, class histogram, quality, Fréchet distance
    hist = next(f for key, f in figures.items() if key.endswith("chart:classes"))
    assert list(hist["data"][0]["x"]) == [
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ]
    assert timeline_gif_bytes(run.snapshot()).startswith(b"GIF89a")


def test_switching_the_data_to_fashion_loads_its_preset(at, fashion_mnist):
    at.radio(key="images:dataset").set_value("fashion").run()
    assert not at.exception
    snap = session_run(at, "images").snapshot()
    assert snap.dataset_name == "fashion" and snap.config == PRESETS["fashion"].config
    assert at.sidebar.selectbox(key="images:preset-picker").value == "fashion"


def test_without_fashion_files_the_presets_are_explained_not_offered(no_fashion_files, at):
    assert "fashion" not in sidebar_presets(at) and "digits-collapse" in sidebar_presets(at)
    sidebar_text = " ".join(str(c.value) for c in at.sidebar.caption)
    assert "fashion, fashion-collapse" in sidebar_text and "apt-get install dataset-fashion-mnist" in sidebar_text
    at.radio(key="images:dataset").set_value("fashion").run()
    assert not at.exception
    assert "Fashion-MNIST is not on this computer yet" in texts(at) and "dataset-fashion-mnist" in texts(at)
    assert session_run(at, "images").snapshot().dataset_name == "digits"


def test_a_link_to_the_fashion_preset_without_its_files_says_so(no_fashion_files, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    from apptest_utils import ROOT, TIMEOUT
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    app.run()
    app.query_params["preset"] = "fashion"  # a link names its page: /image-gan?preset=fashion
    app.switch_page(PAGE).run()
    assert not app.exception, [e.value for e in app.exception]
    warnings = " ".join(w.value for w in app.warning)
    assert "not on this computer" in warnings and "dataset-fashion-mnist" in warnings
    assert session_run(app, "images").snapshot().dataset_name == "digits"
    session_run(app, "images").stop()


def test_the_grid_names_the_weight_average_in_the_smoothed_view():
    """Review of issue 24: with the smoothed view on, the grid, histogram and scores come from G's weight
    average; its title said G(fixed noise)."""
    at = open_app(PAGE)
    at.sidebar.toggle(key="images:smoothed_view").set_value(True).run()
    assert not at.exception
    assert any("Generated by G's weight average from the fixed noise" in m.value for m in at.markdown)
