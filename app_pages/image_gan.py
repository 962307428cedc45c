"""Image GAN: a small DCGAN learns to draw digits (or shapes, MNIST, the class's own images) live."""

from __future__ import annotations

import streamlit as st

from figures import curves, quality
from figures.memorisation import memorisation_figure
from gan_core import checkpoint
from gan_core.config import TrainConfig
from gan_core.data.idx_files import DOWNLOAD_MB
from gan_core.data.images import DatasetUnavailable
from gan_core.data.uploads import IMAGE_SUFFIXES, SIZES, images_from_uploads
from gan_core.presets import PRESETS
from gan_core.runs.runner import TrainingRun
from gan_core.runs.snapshot import Snapshot
from ui.actions import restart, switch_data
from ui.charts import live_chart
from ui.controls import live
from ui.images import (
    MemorisationResult,
    check_memorisation,
    download_dataset,
    history_csv,
    missing_reason,
    sample_grid_png,
    shared_dataset,
    show_grid,
    timeline_gif_bytes,
    what_to_notice,
)
from ui.playground import generator_label, generator_name
from ui.preset_texts import d_accuracy_course, preset_of
from ui.state import run_for, session_runs

SLOT = "images"
DATASET_LABELS = {
    "digits": "✍️ Digits 8×8 (built in)",
    "shapes": "🔷 Shapes 16×16 (built in)",
    "mnist": "🔢 MNIST 28×28",
    "fashion": "👕 Fashion-MNIST 28×28",
    "custom-images": "📁 Your own images",
}
FILE_DATASETS = ("mnist", "fashion")  # found on this computer, or downloaded once
NAMES = {
    "digits": "digits",
    "shapes": "shapes",
    "mnist": "MNIST",
    "fashion": "Fashion-MNIST",
    "custom-images": "your images",
}
KEY_DATASET = f"{SLOT}:dataset"
KEY_NOTICE = f"{SLOT}:dataset-notice"  # (kind, text) after a dataset switch / checkpoint load
KEY_MISSING = f"{SLOT}:dataset-missing"  # the download data set the user asked for, not on disk
KEY_UPLOADS = f"{SLOT}:upload-files"
KEY_UPLOAD_SIZE = f"{SLOT}:upload-size"
KEY_CHECKPOINT = f"{SLOT}:checkpoint-file"
KEY_TIMELINE = f"{SLOT}:timeline"
KEY_MEMORISATION = f"{SLOT}:memorisation"  # the last MemorisationResult
KEY_MEMORISATION_BUTTON = f"{SLOT}:btn:memorisation"


# --- actions (widget callbacks: they run before the page, so widgets show their result) ---------
def _train_on(run: TrainingRun, name: str, dataset) -> None:
    """Train on `name` from step 0, with its preset where it has one (ui.actions.switch_data)."""
    if switch_data(SLOT, run, name, dataset) is not None:
        st.session_state[KEY_DATASET] = name


def _switch_dataset(run: TrainingRun) -> None:
    name = st.session_state[KEY_DATASET]
    st.session_state.pop(KEY_NOTICE, None)
    st.session_state.pop(KEY_MISSING, None)
    if name == "custom-images":
        return  # the run changes once images are uploaded and accepted
    try:
        dataset = shared_dataset(name)
    except DatasetUnavailable:
        st.session_state[KEY_MISSING] = name
        st.session_state[KEY_DATASET] = run.snapshot().dataset_name  # the run did not change
        return
    _train_on(run, name, dataset)


def _download(run: TrainingRun, name: str) -> None:
    try:
        dataset = download_dataset(name)
    except DatasetUnavailable as exc:
        st.session_state[KEY_NOTICE] = ("error", f"Could not download {NAMES[name]}: {exc}")
        return
    st.session_state.pop(KEY_MISSING, None)
    st.session_state[KEY_DATASET] = name
    _train_on(run, name, dataset)


def _use_uploads(run: TrainingRun) -> None:
    files = st.session_state.get(KEY_UPLOADS) or []
    try:
        uploaded = images_from_uploads(
            [(f.name, f.getvalue()) for f in files], size=st.session_state.get(KEY_UPLOAD_SIZE, SIZES[0])
        )
    except ValueError as exc:
        st.session_state[KEY_NOTICE] = ("error", f"Cannot train on this upload: {exc}")
        return
    restart(run, run.config.replace(dataset="custom-images"), uploaded.dataset())
    n, h, w = uploaded.images.shape
    text = f"Training set: {n} of your images at {h}×{w} px."
    if uploaded.skipped:
        text += f" Left out {len(uploaded.skipped)}: " + "; ".join(uploaded.skipped[:5])
    st.session_state[KEY_NOTICE] = ("success", text)


def _load_checkpoint(run: TrainingRun) -> None:
    file = st.session_state.get(KEY_CHECKPOINT)
    if file is None:
        return
    try:
        state = checkpoint.load_checkpoint(file.getvalue())
        cfg = checkpoint.checkpoint_config(state)
        if not cfg.is_image:
            raise ValueError(
                f"this checkpoint was trained on {cfg.dataset} (points, not images): "
                "load it on the 2D playground instead"
            )
        same = cfg.dataset == run.snapshot().dataset_name
        dataset = None if same or cfg.dataset == "custom-images" else shared_dataset(cfg.dataset)
        checkpoint.load_into_run(run, state, dataset)
    except (ValueError, DatasetUnavailable) as exc:
        st.session_state[KEY_NOTICE] = ("error", f"Could not load {file.name}: {exc}")
        return
    for field in TrainConfig.__dataclass_fields__:  # the sidebar sliders re-read the loaded settings
        st.session_state.pop(f"{SLOT}:{field}", None)
    st.session_state[KEY_DATASET] = cfg.dataset
    st.session_state[KEY_NOTICE] = (
        "success",
        f"Loaded {file.name}: {NAMES.get(cfg.dataset, cfg.dataset)}, "
        f"step {run.snapshot().step:,}. Press ▶ Start to train on from there.",
    )


# --- the page ---------------------------------------------------------------------------------
run = run_for(SLOT, "digits")

st.title("🖼️ Image GAN")
st.markdown(
    "A GAN learns to draw by playing a game. The **generator G** turns random noise *z* into an "
    "image; the **discriminator D** sees real images and G's fakes and learns to tell them apart; "
    "G learns from D's verdict how to make its fakes more convincing. Neither is ever shown what a "
    "digit or a shirt *is*. Here a small convolutional GAN (DCGAN) trains live on this computer: press "
    "**▶ Start** in the sidebar and watch the same 64 noise vectors turn into whatever G learns to draw: "
    "digits, clothes or shapes, or, on a *-collapse* preset, one or two shapes over and over."
)

if KEY_DATASET not in st.session_state:
    st.session_state[KEY_DATASET] = run.snapshot().dataset_name


def _dataset_label(name: str) -> str:
    if name in FILE_DATASETS:
        return DATASET_LABELS[name] + (" (download)" if missing_reason(name) else " (on this computer)")
    return DATASET_LABELS[name]


st.radio(
    "Train on",
    list(DATASET_LABELS),
    format_func=_dataset_label,
    horizontal=True,
    key=KEY_DATASET,
    on_change=_switch_dataset,
    args=(run,),
    help="Switching starts a fresh run (with the data's preset where there is one: digits, Fashion-MNIST); "
    "the network is sized to the images (8, 16 or 28 px).",
)
# Where the images come from: built in, a system package (Debian's dataset-fashion-mnist), a folder…
st.caption(f"Training on {run.snapshot().dataset_description}")

missing = st.session_state.get(KEY_MISSING)
if missing:
    debian = (
        " On Debian or Ubuntu, `sudo apt-get install dataset-fashion-mnist` installs it for every user, offline "
        "from then on; the app finds it in `/usr/share/datasets/fashion-mnist/`."
        if missing == "fashion"
        else ""
    )
    st.info(
        f"**{NAMES[missing]} is not on this computer yet.**{debian} It can also be downloaded once (about "
        f"{DOWNLOAD_MB[missing]} MB) and then works offline. Without internet, copy the original files "
        f"`train-images-idx3-ubyte.gz` and `train-labels-idx1-ubyte.gz` (gzipped or not) into "
        f"`~/.cache/gan_explainer/{missing}/`, or into a folder `{missing}/` inside the folder named by "
        "`$GAN_EXPLAINER_DATA` — or keep training on the built-in digits or shapes.",
        icon="📦",
    )
    reason = missing_reason(missing)
    if reason:
        with st.expander("Where the app looked"):
            st.text(reason)
    st.button(f"⬇ Download {NAMES[missing]} now", key=f"{SLOT}:btn:download", on_click=_download, args=(run, missing))

if st.session_state[KEY_DATASET] == "custom-images":
    with st.container(border=True):
        st.markdown(
            "**Your own images.** Upload 8 to 2,000 pictures (or one .zip of them): drawings, "
            "photos of one kind of object, emoji… They are turned grey and shrunk, and drawings "
            "on white paper are inverted so the strokes are bright, like the digits."
        )
        st.file_uploader(
            "Images or a .zip",
            type=[s.lstrip(".") for s in IMAGE_SUFFIXES] + ["zip"],
            accept_multiple_files=True,
            key=KEY_UPLOADS,
        )
        size_col, button_col = st.columns([2, 1])
        size_col.radio(
            "Size to train at",
            SIZES,
            format_func=lambda s: f"{s}×{s} px",
            horizontal=True,
            key=KEY_UPLOAD_SIZE,
            help="16 px trains fast; 28 px shows more detail but is slower.",
        )
        button_col.button(
            "Train on these images",
            key=f"{SLOT}:btn:use-uploads",
            type="primary",
            on_click=_use_uploads,
            args=(run,),
            disabled=not st.session_state.get(KEY_UPLOADS),
        )
        if run.snapshot().dataset_name != "custom-images":
            st.caption(f"Until then the run keeps training on {NAMES.get(run.snapshot().dataset_name, '?')}.")

notice = st.session_state.get(KEY_NOTICE)
if notice:
    kind, text = notice
    (st.error if kind == "error" else st.success)(text, icon="⚠️" if kind == "error" else "✅")


def live_view() -> None:
    snap: Snapshot = run.snapshot()
    fake_col, real_col = st.columns(2)
    with fake_col:
        st.markdown(f"##### 🟣 Generated by {generator_name(snap)} from the fixed noise, step {snap.step:,}")
        show_grid(snap.samples)
    with real_col:
        st.markdown(f"##### 🟢 Real: training images ({NAMES.get(snap.dataset_name, snap.dataset_name)})")
        show_grid(snap.views.get("real"), static=True)
    loss_col, acc_col = st.columns(2)
    live_chart(curves.loss_figure(snap.history, loss=snap.config.loss), f"{SLOT}:chart:loss", loss_col)
    live_chart(curves.accuracy_figure(snap.history), f"{SLOT}:chart:accuracy", acc_col)
    if "classes" in snap.views:
        # The reference classifier's verdict on all the samples the run scores (the grid shows the
        # first 64), computed by the training thread with the rest of the evaluation (not here).
        hist_col, quality_col, fd_col = st.columns(3)
        m = snap.metrics
        live_chart(
            quality.class_histogram_figure(snap.views["classes"], m.get("class_coverage")),  # confidence: next chart
            f"{SLOT}:chart:classes",
            hist_col,
        )
        live_chart(quality.digits_quality_figure(snap.metric_history), f"{SLOT}:chart:quality", quality_col)
        fd_floor = (snap.views.get("floors") or {}).get("frechet_distance")
        live_chart(quality.frechet_figure(snap.metric_history, fd_floor), f"{SLOT}:chart:frechet", fd_col)
        fd_col.caption(
            "How far G's samples are from the real images as a whole: the distance between the mean and "
            "spread of the reference classifier's features for each set (FID's formula). 0 would be the same "
            + (
                f"mean and spread of features; real images scored the same way read {fd_floor:.2g} (the dotted floor)."
                if fd_floor is not None
                else "mean and spread of features."
            )
        )


live([run], live_view)


@st.fragment
def memorisation_check() -> None:
    """On demand, outside the live view: sampling 1,000 images and searching the training set for
    each one's nearest neighbour must never slow the live refresh."""
    st.subheader("🔍 Does G copy its training images?")
    snap = run.snapshot()
    if snap.data_kind != "image":
        st.caption("This needs an image data set.")
        return
    text_col, button_col = st.columns([4, 1], vertical_alignment="center")
    text_col.markdown(
        "Good samples are not enough: G could be reproducing its training images. For 1,000 new samples, "
        "find the nearest training image; real images are the yardstick. A G that copies sits far left of "
        "the green curve."
    )
    if button_col.button("🔍 Check now", key=KEY_MEMORISATION_BUTTON, type="primary", width="stretch"):
        with st.spinner("Comparing 1,000 samples with every training image…"):
            st.session_state[KEY_MEMORISATION] = check_memorisation(run, generator_label(snap))
    result: MemorisationResult | None = st.session_state.get(KEY_MEMORISATION)
    if result is None or result.run_id != snap.run_id:
        st.caption("Press **Check now** once G draws something (and again later: memorising takes time).")
        return
    report = result.report
    flagged = report.copying or report.copying_some
    (st.warning if flagged else st.success)(report.sentence(), icon="⚠️" if flagged else "✅")
    pair_col, chart_col = st.columns([2, 3])
    with pair_col:
        distances = ", ".join(f"{d:.2f}" for d in result.pair_distances)
        show_grid(
            result.pairs,
            ncols=len(result.pair_distances),
            caption=f"Top: the {len(result.pair_distances)} samples closest to a training image; below: that "
            f"image. Distances: {distances}.",
        )
    name = "G's weight average" if result.generator.startswith("G's weight average") else "G"
    live_chart(memorisation_figure(report, name), f"{SLOT}:chart:memorisation", chart_col)
    real = (
        "real images G never trained on"
        if report.held_out_kind == "held-out"
        else "each real training image against all the others, as if it had been held out"
    )
    st.caption(
        f"Checked {result.generator} at step {result.step:,}; press **Check now** again for the newest G. "
        f"Green: {real}. Shaded: near-copies, closer than 95 % of real images are. Distance: root-mean-square "
        "pixel difference (0 = identical, 0.1 = pixels a tenth of full brightness apart)."
    )


memorisation_check()


@st.fragment
def timeline() -> None:
    """Outside the live view: a slider that re-rendered twice a second would jump under the mouse.
    Moving it (or pressing ↻) reruns only this fragment, which picks up the frames recorded since."""
    snap = run.snapshot()
    frames = snap.timeline
    st.subheader("⏪ Replay the training")
    if snap.is_active:
        note_col, button_col = st.columns([4, 1])
        note_col.caption(
            f"The replay below holds {len(frames)} snapshot(s) of the grid, up to step "
            f"{frames[-1][0] if frames else 0:,}; it stays still so the slider does not jump. The "
            "GAN keeps recording while it trains (up to 64 snapshots, thinned evenly as the run gets "
            "long): press ↻ to add the newest."
        )
        button_col.button("↻ Add the newest", key=f"{SLOT}:btn:timeline-refresh", width="stretch")
    elif len(frames) < 2:
        st.caption(
            "The replay fills up while the GAN trains: a snapshot of the grid is kept every few steps "
            "(up to 64, thinned evenly as the run gets long). Press ▶ Start."
        )
    if len(frames) < 2:
        return
    steps = [step for step, _ in frames]
    picked = st.select_slider(
        "See the generated grid at step",
        options=steps,
        value=steps[-1],
        key=KEY_TIMELINE,
        format_func=lambda s: f"{s:,}",
    )
    grid_col, text_col = st.columns([3, 2])
    with grid_col:
        show_grid(dict(frames)[picked], caption=f"The samples of the fixed noise the page showed at step {picked:,}")
    with text_col:
        st.markdown(
            "Each tile is the **same noise vector** at every step: drag back to step 0 to see pure "
            "noise, then forward to watch blobs become shapes and shapes become digits (or clothes)."
        )
        st.download_button(
            "🎞️ Download the evolution as a GIF",
            data=lambda: timeline_gif_bytes(run.snapshot()),
            file_name="gan-training.gif",
            mime="image/gif",
            on_click="ignore",
            key=f"{SLOT}:dl:gif",
        )


timeline()

with st.expander("💾 Save, load and export", expanded=False):
    st.markdown("Files are built when you click, from the newest state of the run.")
    c1, c2, c3 = st.columns(3)
    c1.download_button(
        "🖼️ Current grid (PNG)",
        data=lambda: sample_grid_png(run.snapshot()),
        file_name="gan-samples.png",
        mime="image/png",
        on_click="ignore",
        key=f"{SLOT}:dl:png",
    )
    c2.download_button(
        "📈 Training history (CSV)",
        data=lambda: history_csv(run.snapshot()),
        file_name="gan-history.csv",
        mime="text/csv",
        on_click="ignore",
        key=f"{SLOT}:dl:csv",
    )
    c3.download_button(
        "💾 Save checkpoint (.pt)",
        data=lambda: checkpoint.checkpoint_bytes(run),
        file_name="gan-checkpoint.pt",
        mime="application/octet-stream",
        on_click="ignore",
        key=f"{SLOT}:dl:checkpoint",
        help="Weights of G and D, optimizer state and settings: load it later to train on.",
    )
    st.file_uploader(
        "Load a checkpoint (.pt) saved by GAN Explainer",
        type=["pt"],
        key=KEY_CHECKPOINT,
        on_change=_load_checkpoint,
        args=(run,),
        help="Only plain weights and settings are read: a file that contains code is refused.",
    )

what_to_notice(
    [
        "**Fixed noise:** every tile keeps its own *z* for the whole run, so you watch one sample evolve: "
        "grey noise → blobs → outlines → digits (or shirts, shoes and bags on Fashion-MNIST).",
        "**D's accuracy:** " + d_accuracy_course(preset_of(session_runs().presets.get(SLOT), run.config), image=True),
        "**The losses never reach zero.** G and D play against each other: when one improves, the other's "
        "loss goes up. Read the samples, not the loss.",
        "**Class histogram (digits, Fashion-MNIST):** a fixed classifier, trained on the real images, sorts "
        "1,000 of G's samples (the grid shows 64 of them). A class counts as covered when at least 20 of them "
        "are classified as it with at least 50 % confidence (the dotted line); pale bars are samples it is "
        "unsure about, which cover nothing, so an untrained G's grey noise covers 0 of 10. Bars still missing "
        "late in a run are classes G dropped or never found"
        + (
            "; pick the *digits-collapse* or *fashion-collapse* preset in the sidebar to see mode collapse happen."
            if not (PRESETS.get(session_runs().presets.get(SLOT, "")) or PRESETS["digits"]).collapses
            else "."
        ),
    ]
)
