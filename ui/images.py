"""Streamlit helpers for the image pages: crisp sample grids, shared data sets, the shipped generator.

Images go to `st.image` as PNG bytes built by `figures.images`, with output_format="PNG":
with "auto", Streamlit re-encodes any grayscale image without alpha as JPEG, which smears 8x8
digits that were upscaled pixel-exact to stay sharp on a projector. Identical bytes also get
the same media URL, so an unchanged grid (the real images) costs the browser nothing on a
live refresh.

Images that change on every live refresh (the fixed-noise grid, latent strips) travel inside
the page update as data URLs instead: a media file lives only until the next run of its
fragment, and a browser busy drawing fetched one after that twice a second: a 404, a broken
image on the projector and "Image source error" in the console (caught by the browser tests).
A run's picture is a new read-only array at each of its evaluations (at most twice a second), and
every snapshot until the next shares it: its data URL is made once per picture, not once per
refresh of every page that shows it (`live_grid_url`).
"""

from __future__ import annotations

import base64
import csv
import io
import math
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from figures import images as imaging
from gan_core.checkpoint import generator_from_checkpoint, load_checkpoint
from gan_core.config import TrainConfig
from gan_core.data import Dataset, get_dataset
from gan_core.data.images import MNIST_LIMIT, DatasetUnavailable, assets_dir, image_dataset
from gan_core.quality import memorisation
from gan_core.runs.runner import TrainingRun
from gan_core.runs.snapshot import COUNTER_FIELDS, Snapshot

# The generators shipped for the Latent space page (scripts/make_pretrained.py), by data set.
PRETRAINED_FILES = {"digits": "digits_generator.pt", "fashion": "fashion_generator.pt"}
PRETRAINED_FILE = PRETRAINED_FILES["digits"]
FILE_DATASETS = ("mnist", "fashion")  # read from files found on this computer (or downloaded)
STRIP_WIDTH = 1100  # a strip of frames fills the wide layout's main column
GRID_WIDTH = 460  # two sample grids side by side, and the title above them, fit a 1600x900 projector


def grid_png(images: np.ndarray, ncols: int | None = None, scale: int | None = None) -> bytes:
    """A crisp, pixel-exact PNG grid of (n, H, W) images in [0, 1], about GRID_WIDTH px wide
    unless `scale` says otherwise (a whole factor: every source pixel stays a sharp square)."""
    n, _, width = np.shape(images)
    ncols = ncols or math.ceil(math.sqrt(max(n, 1)))
    if scale is None:
        scale = max(1, GRID_WIDTH // (ncols * width))
    return imaging.png_bytes(imaging.image_grid(images, ncols=ncols, scale=scale), compress_level=1)


@st.cache_data(max_entries=16, show_spinner=False)
def _static_grid_png(images: np.ndarray, ncols: int | None) -> bytes:
    return grid_png(images, ncols)


def data_url(png: bytes) -> str:
    """A PNG as a data URL: delivered with the page update itself, never fetched later."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


_LIVE_GRIDS: dict[tuple[int, int | None], tuple[weakref.ref, str]] = {}
_LIVE_GRIDS_LOCK = threading.Lock()


def live_grid_url(images: np.ndarray, ncols: int | None = None) -> str:
    """`data_url(grid_png(images, ncols))`, made once per read-only array (a run's picture: every
    snapshot until its next evaluation shares it, and no one can change it): later refreshes, in
    any session, reuse the text while the array lives. A writable array is encoded every time."""
    if not isinstance(images, np.ndarray) or images.flags.writeable:
        return data_url(grid_png(images, ncols))
    key = (id(images), ncols)
    with _LIVE_GRIDS_LOCK:
        known = _LIVE_GRIDS.get(key)
    if known is not None and known[0]() is images:
        return known[1]
    url = data_url(grid_png(images, ncols))

    def forget(ref: weakref.ref, key=key) -> None:
        with _LIVE_GRIDS_LOCK:
            if _LIVE_GRIDS.get(key, (None,))[0] is ref:
                del _LIVE_GRIDS[key]

    with _LIVE_GRIDS_LOCK:
        _LIVE_GRIDS[key] = (weakref.ref(images, forget), url)
    return url


def show_grid(
    images: np.ndarray | None, caption: str | None = None, ncols: int | None = None, static: bool = False
) -> None:
    """A sample grid; `static` (e.g. the real images, unchanged while a run trains) is encoded once
    and served as a media file; a live one goes inline (see the module docstring)."""
    if images is None or len(images) == 0:
        st.caption("No images yet.")
        return
    if static:
        st.image(_static_grid_png(images, ncols), caption=caption, width="content", output_format="PNG")
    else:
        st.image(live_grid_url(images, ncols), caption=caption, width="content")


def show_strip(
    images: np.ndarray, caption: str | None = None, max_width: int = STRIP_WIDTH, max_tile: int = 100
) -> None:
    """One row of frames, each upscaled by the same whole factor (so all stay crisp)."""
    n, _, w = np.shape(images)
    scale = max(1, min((max_width - n - 1) // max(1, n * w), max_tile // w))
    st.image(data_url(grid_png(images, ncols=n, scale=scale)), caption=caption, width="content")


@st.cache_resource(show_spinner=False, max_entries=8)
def shared_dataset(name: str) -> Dataset:
    """A built-in data set, loaded once per server and shared read-only by every session's runs
    (60 students on MNIST would otherwise hold 60 copies). MNIST / Fashion-MNIST are read from
    where they already are (a system package, $GAN_EXPLAINER_DATA, the cache), never downloaded
    here; `download_dataset` fetches them. Failures are not cached."""
    if name in FILE_DATASETS:
        return image_dataset(name, download=False, limit=MNIST_LIMIT)
    return get_dataset(name)


@st.cache_resource(show_spinner=False, max_entries=8, ttl=60)
def missing_reason(name: str) -> str | None:
    """None when `name` can be trained on here, else why not (DatasetUnavailable's message).
    Remembered for a minute, so a page that asks on every rerun does not re-read a broken copy;
    `download_dataset` forgets it."""
    try:
        shared_dataset(name)
    except DatasetUnavailable as exc:
        return str(exc)
    return None


def preset_missing_reason(preset: str) -> str | None:
    """None when `preset`'s data can be trained on here, else why not."""
    from gan_core.presets import get_preset

    dataset = get_preset(preset).config.dataset
    return missing_reason(dataset) if dataset in FILE_DATASETS else None


def dataset_for(config: TrainConfig) -> Dataset | None:
    """The shared copy of a file data set a config trains on (None: the run loads its own, cheap
    data). Raises DatasetUnavailable when the files are not on this computer: the app never
    downloads behind a student's back."""
    return shared_dataset(config.dataset) if config.dataset in FILE_DATASETS else None


def download_dataset(name: str, timeout: float = 15.0) -> Dataset:
    """Fetch MNIST / Fashion-MNIST into the local cache (raises DatasetUnavailable offline)."""
    image_dataset(name, download=True, limit=MNIST_LIMIT, timeout=timeout)
    shared_dataset.clear()
    missing_reason.clear()
    return shared_dataset(name)


@st.cache_resource(show_spinner=False, max_entries=4)
def pretrained_generator(dataset: str = "digits") -> tuple[TrainConfig, torch.nn.Module, int]:
    """A shipped generator (config, frozen G, training steps) for `dataset` ("digits", "fashion"):
    loaded once per server. Safe to share: it is in eval mode, without gradients, and only ever
    run forward."""
    state = load_checkpoint(assets_dir() / PRETRAINED_FILES[dataset])
    cfg, generator = generator_from_checkpoint(state)
    return cfg, generator, int(state.get("step", 0))


# --- does G copy its training images? (on demand, never in the live refresh) --------------------
@dataclass(frozen=True)
class MemorisationResult:
    """One check of a run's generator against its training images, kept until the next check."""

    run_id: int
    step: int
    generator: str  # which generator was checked, in a student's words
    report: memorisation.MemorisationReport
    pairs: np.ndarray  # (2k, H, W): the k most copy-like samples above their nearest training images
    pair_distances: np.ndarray  # (k,)


def check_memorisation(run: TrainingRun, generator_name: str, k: int = 8) -> MemorisationResult:
    """Sample the run's generator (a frozen copy: training goes on meanwhile) and compare its
    samples with the training images (gan_core.quality.memorisation)."""
    cfg, snap = run.config, run.snapshot()
    generator = run.generator_copy()
    images = memorisation.generated_images(generator, cfg.noise_dim, cfg.noise, seed=cfg.seed)
    data = run.training_data().data  # read-only: (n, 1, H, W) in [-1, 1]
    training = ((data.detach().float().cpu().clamp(-1, 1) + 1) / 2).squeeze(1).numpy()
    report = memorisation.memorisation_check(images, training, seed=cfg.seed)
    pairs, distances = report.pairs(images, training, k)
    return MemorisationResult(snap.run_id, snap.step, generator_name, report, pairs, distances)


# --- export files (pure: called from download buttons, possibly off the script thread) ---------
def sample_grid_png(snap: Snapshot) -> bytes:
    """The current fixed-noise grid as a PNG."""
    if snap.samples is None:
        raise ValueError("no samples yet")
    return grid_png(snap.samples)


def timeline_gif_bytes(snap: Snapshot) -> bytes:
    """The run's stored grids as a looping GIF (one frame per timeline entry)."""
    frames = snap.timeline or ((snap.step, snap.samples),)
    return imaging.timeline_gif(frames)


def history_csv(snap: Snapshot) -> str:
    """The training history, one row per recorded step. Quality metrics (evaluated less often)
    are joined as of the latest evaluation at or before each row's step."""
    history = snap.history
    fields = list(history)
    metric_fields = [f for f in snap.metric_history if f not in COUNTER_FIELDS]  # counters: as of an evaluation
    n = len(history[fields[0]]) if fields else 0
    steps = np.asarray(history.get("step", np.arange(n)), dtype=np.float64)
    eval_steps = np.asarray(snap.metric_history.get("step", []), dtype=np.float64)
    idx = np.searchsorted(eval_steps, steps, side="right") - 1 if eval_steps.size else np.full(n, -1)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(fields + metric_fields)
    for row in range(n):
        values = [_number(history[f][row]) for f in fields]
        values += [_number(snap.metric_history[f][idx[row]]) if idx[row] >= 0 else "" for f in metric_fields]
        writer.writerow(values)
    return buffer.getvalue()


def _number(value: float) -> str:
    value = float(value)
    if not np.isfinite(value):
        return ""
    return str(int(value)) if value.is_integer() else f"{value:.6g}"


def what_to_notice(points: Sequence[str]) -> None:
    """The lesson's closing box."""
    with st.container(border=True):
        st.markdown("#### 👀 What to notice\n" + "\n".join(f"- {p}" for p in points))
