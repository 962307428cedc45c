"""2D playground: real vs generated points over D's decision map, live (GAN Lab's ground)."""

from __future__ import annotations

import streamlit as st

from figures import curves, playground, quality, theme
from gan_core.config import ACTIVATIONS, NOISE
from gan_core.quality.metrics import MODE_MIN_PER_2500
from ui.controls import live
from ui.pages import BY_PATH
from ui.playground import (
    ARCHITECTURE_FIELDS,
    apply_architecture,
    chart,
    field_caption,
    floor,
    heart_points_text,
    history_rows,
    metric_tiles,
    points_over_arrows,
    retitle,
    switch_dataset,
    train_on_points,
)
from ui.preset_texts import d_accuracy_course, hq_note, preset_of
from ui.state import run_for, session_runs

PAGE = BY_PATH["app_pages/playground.py"]
SLOT, PRESET = PAGE.slots[0], PAGE.presets[0]
DATASETS = {
    "ring8": ":material/radio_button_unchecked: Ring of 8",
    "grid25": ":material/apps: Grid of 25",
    "spiral": ":material/cyclone: Spiral",
    "moons": ":material/dark_mode: Two moons",
    "custom": ":material/edit: Your points",
}
LAYERS = {
    "real": ":green[●] Real",
    "fake": ":violet[●] Fake",
    "heatmap": ":material/gradient: D's map",
    "manifold": ":material/grid_4x4: G's manifold",
    "arrows": ":orange[➜] G's gradients",
}
WIDTHS = (8, 16, 32, 64, 128, 256, 512)
NOTICE, POINTS_ERROR = "pg:notice", "pg:points-error"
QUALITY_REFRESH_SECONDS = 1.5
# Real and fake points drawn per set: every refresh redraws each marker in the browser, which
# shares the CPU with training; 256 per set still shows every mode (≈ 10 per mode on grid25).
FIELD_POINTS = 256

run = run_for(SLOT, PRESET)

st.title("🎯 2D playground")
st.markdown(
    "With 2D data the whole game fits in one picture: **green** real points, **purple** points G makes from "
    "the same fixed noise, D's verdict on every spot behind them (green = “real”, purple = “fake”), and "
    "**orange** arrows where G's gradient, flowing back through D, pushes each fake point."
)


# --- data -----------------------------------------------------------------------------------------
def _on_dataset() -> None:
    choice = st.session_state.get("pg:dataset")
    if choice is None:  # clicking the selected option again deselects it: keep the data
        st.session_state["pg:dataset"] = run.config.dataset if run.config.dataset in DATASETS else "ring8"
    elif choice != "custom":  # "your own points" only opens the box below; the run changes on submit
        st.session_state[NOTICE] = switch_dataset(SLOT, run, choice)
        st.session_state["pg:dataset-seen"] = run.config.dataset


def _use_points(data: bytes | str, source: str) -> None:
    try:
        dataset = train_on_points(run, data)
    except ValueError as exc:
        st.session_state[POINTS_ERROR] = f"Could not use {source}: {exc}"
        return
    st.session_state.pop(POINTS_ERROR, None)
    st.session_state["pg:dataset-seen"] = "custom"
    st.session_state[NOTICE] = (
        f"Now training on your {dataset.data.shape[0]:,} points from {source} "
        "(rescaled to fit the plane): the run restarted at step 0."
    )


def _on_upload() -> None:
    uploaded = st.session_state.get("pg:upload")
    if uploaded is not None:
        _use_points(uploaded.getvalue(), uploaded.name)


def _on_typed_points() -> None:
    _use_points(st.session_state.get("pg:points", ""), "the typed points")


# Follow the run's data when something else changed it (the sidebar's preset picker, a link).
current = run.config.dataset
if st.session_state.get("pg:dataset-seen") != current or st.session_state.get("pg:dataset") is None:
    st.session_state["pg:dataset"] = current if current in DATASETS else None
    st.session_state["pg:dataset-seen"] = current

data_col, layer_col = st.columns([6, 5], gap="large")
with data_col:
    st.segmented_control(
        "Data",
        list(DATASETS),
        format_func=DATASETS.get,
        key="pg:dataset",
        on_change=_on_dataset,
        help="8 Gaussians on a ring, 25 on a grid, a spiral, two moons, or points you supply. "
        "Changing the data restarts the run at step 0 (with that data's preset, "
        "where one exists).",
    )
with layer_col:
    layers = (
        st.pills(
            "Show",
            list(LAYERS),
            selection_mode="multi",
            format_func=LAYERS.get,  # shown by default: ui.playground.DEFAULT_LAYERS (set with the URL's)
            key="pg:layers",
            help="Real points, G's samples of the fixed noise, D's verdict on every spot, the grid of "
            "noise space as G warps it, and the direction G's gradient pushes each fake point.",
        )
        or []
    )
    fixed_arrows = st.toggle(
        "Arrows to scale",
        key="pg:arrows-to-scale",
        help="Off: the longest arrow always has the same length, so you see directions. On: an arrow's "
        "length is proportional to G's gradient there, on one scale for every step and loss, so a "
        "vanishing gradient (try the minimax loss once D wins) shows as arrows shrinking to dots.",
    )

if st.session_state.get("pg:dataset") == "custom":
    with st.container(border=True):
        st.markdown(
            "**Your own points.** Upload a CSV of `x,y` rows or type points below, one `x,y` per "
            "line (at least 8). They are centred and scaled to fit the plane."
        )
        if run.config.dataset != "custom":
            st.caption(f"Until you send points, the run keeps training on {run.config.dataset}.")
        up_col, text_col = st.columns(2, gap="large")
        with up_col:
            st.file_uploader("CSV file with x,y columns", type=["csv", "txt"], key="pg:upload", on_change=_on_upload)
        with text_col:
            st.text_area(
                "…or type / paste points (x,y per line)", value=heart_points_text(), height=150, key="pg:points"
            )
            st.button("Train on these points", key="pg:use-points", on_click=_on_typed_points)
        if st.session_state.get(POINTS_ERROR):
            st.error(st.session_state[POINTS_ERROR], icon="⚠️")


# --- architecture ---------------------------------------------------------------------------------
def _arch_key(name: str) -> str:
    # The keys carry the run's architecture, so the form shows fresh defaults after a preset change.
    signature = "-".join(str(getattr(run.config, f)) for f in ARCHITECTURE_FIELDS)
    return f"pg:arch:{name}:{signature}"


def _on_architecture() -> None:
    changes = {name: st.session_state[_arch_key(name)] for name in ARCHITECTURE_FIELDS}
    try:
        changed = apply_architecture(run, **changes)
    except ValueError as exc:
        st.session_state[NOTICE] = f"⚠️ {exc}"
        return
    if changed:
        st.session_state[NOTICE] = (
            f"Architecture changed ({', '.join(changed)}): the run restarted at step 0 with fresh weights."
        )
    else:
        st.session_state[NOTICE] = "The architecture is unchanged: the run goes on."


cfg = run.config
with st.expander("🧱 Network architecture (changing it restarts the run at step 0)"):
    with st.form("pg:arch-form", border=False):
        g_col, d_col, z_col = st.columns(3, gap="large")
        with g_col:
            st.slider("G hidden layers", 1, 6, cfg.g_layers, key=_arch_key("g_layers"))
            st.select_slider(
                "G width (units per layer)", sorted(set(WIDTHS) | {cfg.g_width}), cfg.g_width, key=_arch_key("g_width")
            )
        with d_col:
            st.slider("D hidden layers", 1, 6, cfg.d_layers, key=_arch_key("d_layers"))
            st.select_slider(
                "D width (units per layer)", sorted(set(WIDTHS) | {cfg.d_width}), cfg.d_width, key=_arch_key("d_width")
            )
        with z_col:
            st.slider("Noise dimensions (z)", 1, 16, cfg.noise_dim, key=_arch_key("noise_dim"))
            st.radio(
                "Noise distribution",
                NOISE,
                NOISE.index(cfg.noise),
                horizontal=True,
                key=_arch_key("noise"),
                format_func={"gaussian": "Gaussian N(0, I)", "uniform": "Uniform U(−1, 1)"}.get,
            )
            st.selectbox("Activation", ACTIVATIONS, ACTIVATIONS.index(cfg.activation), key=_arch_key("activation"))
        st.form_submit_button("Apply and restart", type="primary", on_click=_on_architecture)

notice = st.session_state.pop(NOTICE, None)
if notice:
    st.info(notice, icon="🔁")


# --- the live view ---------------------------------------------------------------------------------
def _snapshot_2d():
    snap = run.snapshot()
    if snap.data_kind != "2d":
        st.warning(f"This run trains on {snap.dataset_name}, which is not 2D data: pick a dataset above.")
        return None
    return snap


WAITING = "press ▶ Start (or a Step button) in the sidebar"


def _field_and_curves() -> None:
    """Refreshed 2x a second: the points, D's map and the training curves move visibly."""
    snap = _snapshot_2d()
    if snap is None:
        return
    field_col, side_col = st.columns([1, 1], gap="medium")
    with field_col:
        figure = playground.playground_figure(
            snap.views.get("real"), snap.samples, snap.views, layers, max_points=FIELD_POINTS, fixed_arrows=fixed_arrows
        )
        chart(points_over_arrows(figure), "pg:field", height=560)
        st.caption(field_caption(snap))
    with side_col:
        metric_tiles(snap, run.mode_count)
        if history_rows(snap):
            chart(curves.loss_figure(snap.history, loss=snap.config.loss), "pg:loss", height=235)
            chart(curves.accuracy_figure(snap.history), "pg:accuracy", height=235)
        else:
            chart(theme.empty_figure(WAITING, "Losses: discriminator vs generator"), "pg:loss", height=235)
            chart(theme.empty_figure(WAITING, "Discriminator accuracy"), "pg:accuracy", height=235)


def _quality_curves() -> None:
    """Refreshed less often: D's outputs, mode coverage with %HQ, and JS/KL creep slowly."""
    snap = _snapshot_2d()
    if snap is None:
        return
    modes = run.mode_count
    probabilistic = bool((snap.views.get("heatmap") or {}).get("probabilistic", True))
    steps = snap.metric_history.get("step")
    evaluated = steps is not None and steps.size > 1
    out_col, modes_col, div_col = st.columns(3, gap="medium")
    with out_col:
        chart(
            retitle(curves.d_outputs_figure(snap.history, probabilistic, loss=snap.config.loss), "What D says", 100)
            if history_rows(snap)
            else theme.empty_figure(WAITING, "What D says"),
            "pg:d-outputs",
            height=320,
        )
    with modes_col:
        if not modes:
            chart(
                theme.empty_figure("no separate modes in this data:<br>watch the JS divergence →", "Modes covered"),
                "pg:modes",
                height=320,
            )
        else:
            title = f"Modes covered (k/{modes}) and %HQ"
            chart(
                retitle(quality.modes_figure(snap.metric_history, modes), title, 130, legend_y=1.08)
                if evaluated
                else theme.empty_figure(WAITING, title),
                "pg:modes",
                height=320,
            )
            st.caption(
                f"Covered: at least {MODE_MIN_PER_2500} of the 2,500 scored samples within 3 std of the mode; "
                "the dotted line counts a mode with a single sample. %HQ alone rewards collapse (one perfect "
                "mode scores ~100 %): read it next to the modes covered."
            )
    with div_col:
        js_floor = floor(snap, "js_grid")
        chart(
            retitle(quality.divergence_figure(snap.metric_history, js_floor), "Real vs fake: JS (nats)", 100)
            if evaluated
            else theme.empty_figure(WAITING, "Real vs fake: JS (nats)"),
            "pg:divergence",
            height=320,
        )
        st.caption(
            "A histogram estimate never reaches 0: two independent real samples of this size read "
            + (f"{js_floor:.3f} nats" if js_floor is not None else "a little above 0")
            + " (the dotted floor). A perfect G reads about that line, not 0."
        )


live([run], _field_and_curves)
live([run], _quality_curves, every=QUALITY_REFRESH_SECONDS)

preset_note = preset_of(session_runs().presets.get(SLOT), run.config)  # None once its settings changed
st.info(
    "**What to notice**\n\n"
    + (f"- *{preset_note.name}*: {preset_note.explanation}\n" if preset_note else "")
    + "- Press **Step D** a few times: the map behind the points changes, the purple points do not. "
    "Then **Step G**: G learns on the very purple points you see, and they move the way the orange "
    "arrows point while the map stays put. Roughly, not exactly: G moves all its points through shared "
    "weights, so each point's move mixes its own arrow with its neighbours' (and Adam keeps part of its "
    "previous steps' direction). A Step always draws G itself, also in the smoothed view.\n"
    + f"- {d_accuracy_course(preset_note)} The *on real* and *on fake* curves often swing in opposite "
    "directions: D keeps redrawing where it says “real”, and what it gains on one it loses on the other.\n"
    "- **Modes covered** and **high-quality %** only mean something together: a collapsed G can put all its "
    "points on one or two modes (few modes covered) and still score almost 100% high quality." + hq_note(preset_note),
    icon="👀",
)
