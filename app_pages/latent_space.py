"""Latent space: walk between noise vectors and watch what the generator draws along the way."""

from __future__ import annotations

import numpy as np
import streamlit as st

from gan_core import checkpoint, latent
from gan_core.config import TrainConfig
from ui import latent as controls
from ui.controls import live
from ui.images import grid_png, pretrained_generator, show_strip, what_to_notice
from ui.state import run_for

SLOT = "images"
SOURCES = {
    "pretrained": "📦 Pretrained digits generator (ready at once)",
    "pretrained-fashion": "👕 Pretrained Fashion-MNIST generator (ready at once)",
    "run": "🏃 The Image GAN run (live)",
    "upload": "📂 A checkpoint you saved",
}
PRETRAINED = {"pretrained": "digits", "pretrained-fashion": "fashion"}  # source -> shipped generator
KEY_SOURCE, KEY_UPLOADED = controls.KEY_SOURCE, controls.KEY_UPLOADED
KEY_UPLOAD = "latent:checkpoint-file"
KEY_UPLOAD_ERROR = "latent:upload-error"
BIG = 20  # an 8x8 digit shown 160 px wide (28 px images get a smaller factor)


def _load_upload() -> None:
    file = st.session_state.get(KEY_UPLOAD)
    st.session_state.pop(KEY_UPLOAD_ERROR, None)
    if file is None:
        st.session_state.pop(KEY_UPLOADED, None)
        return
    try:
        state = checkpoint.load_checkpoint(file.getvalue())
        cfg, generator = checkpoint.generator_from_checkpoint(state)
        if not cfg.is_image:
            raise ValueError(f"it was trained on {cfg.dataset}, which is points, not images")
    except ValueError as exc:
        st.session_state.pop(KEY_UPLOADED, None)
        st.session_state[KEY_UPLOAD_ERROR] = f"Could not use {file.name}: {exc}"
        return
    st.session_state[KEY_UPLOADED] = (cfg, generator, int(state.get("step", 0)), file.name)


def big_image(image: np.ndarray, caption: str) -> None:
    scale = max(1, BIG * 8 // image.shape[-1])
    # An explicit width: with "content", a caption wider than the image stretches (and blurs) it.
    st.image(
        grid_png(image[None], ncols=1, scale=scale),
        caption=caption,
        output_format="PNG",
        width=image.shape[-1] * scale + 2,
    )


st.title("🧭 Latent space")
INTRO = (
    "The generator is a function **G(z)** from a point *z* in noise space ({noise}) to an image. Training "
    "shapes that space: if G has learned something general rather than memorising, **nearby points give "
    "similar images** and walking from one point to another morphs one image smoothly into the other. "
    "Pick two seeds (each seed is one *z*) and walk between them."
)
intro = st.empty()  # says which noise once the generator is known
intro.markdown(INTRO.format(noise="a vector of random numbers"))

source = st.radio("Generator to explore", list(SOURCES), format_func=SOURCES.get, horizontal=True, key=KEY_SOURCE)
run = run_for(SLOT, "digits") if source == "run" else None
if source == "upload":
    st.file_uploader(
        "Checkpoint (.pt) saved on the Image GAN page", type=["pt"], key=KEY_UPLOAD, on_change=_load_upload
    )
    if st.session_state.get(KEY_UPLOAD_ERROR):
        st.error(st.session_state[KEY_UPLOAD_ERROR], icon="⚠️")
    if st.session_state.get(KEY_UPLOADED) is None:
        st.info("Save a checkpoint on the Image GAN page (💾 Save, load and export), then drop it here.", icon="📂")
        st.stop()

if source in PRETRAINED:
    config, _, trained_steps = pretrained_generator(PRETRAINED[source])
    st.caption(
        f"A DCGAN trained on the built-in 8×8 digits for {trained_steps:,} steps, shipped with the app."
        if source == "pretrained"
        else f"A DCGAN trained on 28×28 Fashion-MNIST clothes for {trained_steps:,} steps, shipped with the app "
        "(it needs no data on this computer)."
    )
elif source == "upload":
    config, _, trained_steps, name = st.session_state[KEY_UPLOADED]
    st.caption(f"{name}: trained on {config.dataset} for {trained_steps:,} step{'' if trained_steps == 1 else 's'}.")
else:
    config = run.config
    st.caption(
        "The run from the Image GAN page. It keeps training here if it is running: watch the "
        "paths below become smooth as G learns (▶ Start / ⏸ Pause are in the sidebar)."
    )

config: TrainConfig
dim = config.noise_dim
shell = latent.typical_norm(dim, config.noise)
shell_formula = f"√{dim}" if config.noise == "gaussian" else f"√({dim}/3)"
intro.markdown(INTRO.format(noise=f"for this generator {latent.describe_noise(dim, config.noise)}"))


def current_generator():
    """The frozen generator being explored (a fresh copy of the run's G on every refresh)."""
    if source in PRETRAINED:
        return pretrained_generator(PRETRAINED[source])[1]
    if source == "upload":
        return st.session_state[KEY_UPLOADED][1]
    return run.generator_copy()  # a frozen copy: exploring never touches the training G


def show(body) -> None:
    """Live when exploring the training run (its G changes), drawn once otherwise."""
    if run is not None:
        live([run], body)
    else:
        body()


def norm(z: np.ndarray) -> float:
    return float(np.linalg.norm(z))


if run is not None:

    def training_state() -> None:
        snap = run.snapshot()
        if snap.step == 0:
            st.warning(
                "This run has not trained yet, so G draws noise everywhere. Press ▶ Start in the "
                "sidebar, or explore the pretrained generator.",
                icon="🌱",
            )
        else:
            shown = "G's weight average (the smoothed view)" if snap.views.get("generator") == "average" else "G"
            st.caption(f"Showing {shown} after {snap.step:,} training steps.")

    show(training_state)

# --- 1. interpolation -------------------------------------------------------------------------
st.subheader("1 · Walk from seed A to seed B")
a_col, b_col, n_col = st.columns(3)
# Keys, ranges and defaults of these controls: ui.latent (ui.urls sets them before the page, from a link).
ctx = controls.LatentContext(config.noise, dim)
seed_a = controls.seed_input(a_col, "Seed A", controls.SEED_A)
seed_b = controls.seed_input(b_col, "Seed B", controls.SEED_B)
n_frames = int(n_col.slider("Frames in the strips", *controls.FRAMES, key=controls.N_FRAMES.key))
t = float(st.slider("t: how far from A (0) to B (1)", 0.0, 1.0, step=controls.T_STEP, key=controls.T.key))
z_a = latent.noise_for_seed(seed_a, dim, config.noise)
z_b = latent.noise_for_seed(seed_b, dim, config.noise)


def interpolation() -> None:
    generator = current_generator()
    z_lin, z_sph = latent.lerp(z_a, z_b, t), latent.slerp(z_a, z_b, t)
    img_a, img_lin, img_sph, img_b = latent.decode(generator, np.stack([z_a, z_lin, z_sph, z_b]))
    cols = st.columns(4)
    with cols[0]:
        big_image(img_a, f"A (seed {seed_a}) · ‖z‖ = {norm(z_a):.2f}")
    with cols[1]:
        big_image(img_lin, f"linear, t = {t:.2f} · ‖z‖ = {norm(z_lin):.2f}")
    with cols[2]:
        big_image(img_sph, f"spherical, t = {t:.2f} · ‖z‖ = {norm(z_sph):.2f}")
    with cols[3]:
        big_image(img_b, f"B (seed {seed_b}) · ‖z‖ = {norm(z_b):.2f}")
    lin_path = latent.interpolation_path(z_a, z_b, n_frames, "linear")
    sph_path = latent.interpolation_path(z_a, z_b, n_frames, "spherical")
    mid = n_frames // 2
    # With an even number of frames none is in the middle: name the one shown, and its t.
    middle = "the middle frame" if n_frames % 2 else f"frame {mid + 1} of {n_frames} (t = {mid / (n_frames - 1):.2f})"
    show_strip(
        latent.decode(generator, lin_path),
        caption=f"Linear (straight line) from A to B: {middle}'s ‖z‖ is {norm(lin_path[mid]):.2f}",
    )
    show_strip(
        latent.decode(generator, sph_path),
        caption=f"Spherical (along the shell) from A to B: {middle}'s ‖z‖ is "
        f"{norm(sph_path[mid]):.2f}; typical noise has ‖z‖ ≈ {shell_formula} = {shell:.1f}",
    )


show(interpolation)

# --- 2. one dimension -------------------------------------------------------------------------
st.subheader("2 · Change one latent dimension of seed A")
d_col, r_col = st.columns(2)
walk_dim = int(
    d_col.number_input(
        "Dimension to change",
        min_value=0,
        max_value=dim - 1,
        step=1,
        key=controls.WALK_DIM.key,
        help=f"z has {dim} dimensions (0 to {dim - 1}).",
    )
)
walk_range = float(
    r_col.slider(
        "Range (± around 0)",
        *controls.SPAN[:2],
        step=controls.SPAN[2],
        key=controls.WALK_RANGE.state_key(ctx),
        help="This generator's noise: "
        + ("standard Gaussian, 99.7 % of it within ±3." if config.noise == "gaussian" else "uniform in [−1, 1]."),
    )
)


def dimension_walk() -> None:
    walk = latent.walk_dimension(z_a, walk_dim, np.linspace(-walk_range, walk_range, n_frames))
    show_strip(
        latent.decode(current_generator(), walk),
        caption=f"z[{walk_dim}] = "
        + ", ".join(f"{v:.1f}" for v in walk[:, walk_dim])
        + "; the other dimensions keep seed A's values",
    )


show(dimension_walk)

# --- 3. a plane -------------------------------------------------------------------------------
PLANE_N = 9
st.subheader("3 · A 2-D slice of the latent space")
if dim == 2:
    plane_mode = "dims"
    st.caption("This model's noise has only 2 dimensions: the grid below is its whole latent space.")
else:
    plane_mode = st.radio(
        "Plane",
        ["seeds", "dims"],
        horizontal=True,
        key=controls.PLANE.key,
        format_func={"seeds": "through seeds A, B and C", "dims": "along two dimensions"}.get,
    )
if plane_mode == "seeds":
    c_col, _ = st.columns([1, 2])
    seed_c = int(
        c_col.number_input("Seed C", min_value=0, max_value=controls.MAX_SEED, step=1, key=controls.SEED_C.key)
    )
    z_c = latent.noise_for_seed(seed_c, dim, config.noise)
else:
    p1_col, p2_col, e_col = st.columns(3)
    plane_d1 = int(
        p1_col.number_input("Horizontal (→): dimension", min_value=0, max_value=dim - 1, key=controls.PLANE_D1.key)
    )
    plane_d2 = int(
        p2_col.number_input("Vertical (↑): dimension", min_value=0, max_value=dim - 1, key=controls.PLANE_D2.key)
    )
    extent = float(
        e_col.slider(
            "Extent (±)",
            *controls.SPAN[:2],
            step=controls.SPAN[2],
            key=controls.EXTENT.state_key(ctx),
        )
    )


def plane() -> None:
    if plane_mode == "seeds":
        # The parallelogram A, B, C, B + C - A: A bottom-left, B bottom-right, C top-left.
        grid = latent.latent_plane((z_b + z_c) / 2, (z_b - z_a) / 2, (z_c - z_a) / 2, PLANE_N, 1.0)
        caption = (
            f"Bottom-left: seed A ({seed_a}); bottom-right: seed B ({seed_b}); top-left: seed C ({seed_c}); "
            "every tile in between mixes them."
        )
    elif plane_d1 == plane_d2:
        st.info("Pick two different dimensions to span a plane.", icon="↔️")
        return
    else:
        center = np.zeros(dim, np.float32) if dim == 2 else z_a
        grid = latent.latent_plane(center, latent.axis(plane_d1, dim), latent.axis(plane_d2, dim), PLANE_N, extent)
        where = (
            "the whole latent space of this 2-D noise model"
            if dim == 2
            else f"through seed A (the other {dim - 2} dimensions keep seed A's values)"
        )
        caption = f"z[{plane_d1}] (→) and z[{plane_d2}] (↑) from {-extent:g} to {extent:g}: {where}"
    images = latent.decode(current_generator(), grid.reshape(-1, dim))
    scale = max(1, 600 // (PLANE_N * images.shape[-1]))
    st.image(grid_png(images, ncols=PLANE_N, scale=scale), output_format="PNG", caption=caption)


show(plane)

what_to_notice(
    [
        "**Smooth changes** along every strip mean G learned a *continuous* latent space: a small step in z "
        "is a small change in the image. A generator that had memorised its training set would tend to switch "
        "abruptly from one training image to the next (the sharp transitions Radford et al. 2015 look for).",
        (
            f"**Linear vs spherical:** Gaussian noise in {dim} dimensions sits on a thin shell of radius "
            f"≈ {shell_formula} = {shell:.1f}. The straight line cuts inside it (the middle frame's ‖z‖ is smaller: a "
            "kind of z that G rarely saw), so its middle images can look fainter; slerp stays on the shell."
            if config.noise == "gaussian"
            else f"**Linear vs spherical:** this generator's noise is uniform in [−1, 1] in {dim} dimensions; "
            f"it too sits near a shell, of radius ≈ {shell_formula} = {shell:.1f}. The straight line cuts inside "
            "the shell but stays in the cube G trained on; slerp stays on the shell but its middle can leave "
            "the cube (coordinates beyond ±1), where G never saw noise."
        ),
        "**One dimension rarely means one thing:** changing z[i] usually changes several features at once. "
        "Nothing told the GAN to give each dimension a meaning: the dimensions are *entangled*.",
        "**Untrained G:** choose the Image GAN run, press ⟲ Reset and ▶ Start, and watch the strips turn from "
        "noise into a smooth morph as training goes on.",
    ]
)
