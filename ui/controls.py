"""The run controls and live hyperparameters shared by every page's sidebar.

Widgets push changes to the running trainer through `TrainingRun.update` (on_change), never
by restarting it; an invalid value shows its message next to the control and the run keeps
its last good settings.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Collection, Sequence

import streamlit as st

from gan_core.config import LOSSES, TrainConfig, format_rate
from gan_core.runs.runner import TrainingRun
from gan_core.runs.snapshot import DIVERGED, ERROR, LOST, QUEUED, RUNNING, Snapshot
from ui.actions import set_seed
from ui.fragments import refreshing
from ui.state import LIVE_REFRESH_SECONDS

LR_OPTIONS = (1e-5, 2e-5, 5e-5, 1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 1e-2, 2e-2, 5e-2, 1e-1)
HALFLIFE_OPTIONS = (0, 500, 1000, 1500, 2000, 3000, 5000, 10000)
BATCH_OPTIONS = (8, 16, 32, 64, 128, 256, 512, 1024)
BETA2_OPTIONS = (0.9, 0.99, 0.999)
STATUS_BADGE = {
    "idle": "⚪ ready",
    "queued": "🟡 waiting for a slot",
    "running": "🟢 training",
    "paused": "⏸ paused",
    "stopped": "⏹ stopped",
    "diverged": "🔴 diverged",
    "error": "🔴 error",
    LOST: "🔴 machine lost",
}


def _error_key(slot: str, name: str) -> str:
    return f"{slot}:error:{name}"


def push_setting(run: TrainingRun, slot: str, name: str) -> None:
    """on_change callback: send one widget's value to the live run."""
    value = st.session_state[f"{slot}:{name}"]
    try:
        run.update(**{name: value})
        st.session_state.pop(_error_key(slot, name), None)
    except ValueError as exc:
        st.session_state[_error_key(slot, name)] = str(exc)


SMOOTHING_DECAY = 0.99  # the weight average's decay when a run without one switches the smoothed view on


def push_smoothed_view(run: TrainingRun, slot: str, name: str = "smoothed_view") -> None:
    """on_change for the smoothed-view toggle (the run's view, not a training setting): a run that
    keeps no weight average (g_ema 0) starts one now, so the toggle always has something to show
    (it starts as a copy of G)."""
    on = bool(st.session_state[f"{slot}:{name}"])
    try:
        if on and run.config.g_ema <= 0:
            run.update(g_ema=SMOOTHING_DECAY)
        run.set_view(on)
        st.session_state.pop(_error_key(slot, name), None)
    except ValueError as exc:
        st.session_state[_error_key(slot, name)] = str(exc)


def _with_value(options: Sequence, value) -> list:
    """Slider options that always contain the run's current value (a preset may use 3e-4)."""
    return sorted(set(options) | {value})


LOCKED_HELP = "Fixed by the class challenge: change only what the challenge allows."


def _widget(
    run: TrainingRun,
    slot: str,
    name: str,
    build: Callable[..., object],
    on_change: Callable[..., None] = push_setting,
    locked: Collection[str] = (),
    **kwargs,
) -> None:
    key = f"{slot}:{name}"
    if key not in st.session_state:
        st.session_state[key] = run.smoothed_view if name == "smoothed_view" else getattr(run.config, name)
    if name in locked:
        kwargs["disabled"] = True
        kwargs["help"] = LOCKED_HELP
    build(key=key, on_change=on_change, args=(run, slot, name), **kwargs)
    error = st.session_state.get(_error_key(slot, name))
    if error:
        st.error(error, icon="⚠️")


def hyperparameter_controls(
    run: TrainingRun, slot: str, hide: Collection[str] = (), locked: Collection[str] = ()
) -> None:
    """The hyperparameters a teacher may change while the GAN trains. `hide`: ui.present.HIDEABLE
    names not drawn (presentation mode); `locked`: settings shown but disabled (a class challenge)."""
    cfg: TrainConfig = run.config
    if "lr" not in hide:
        _widget(
            run,
            slot,
            "lr_g",
            st.select_slider,
            locked=locked,
            label="Generator learning rate (lr_g)",
            options=_with_value(LR_OPTIONS, cfg.lr_g),
            format_func=format_rate,
            help="How big a step G takes each update. Too high: G overshoots and oscillates.",
        )
        _widget(
            run,
            slot,
            "lr_d",
            st.select_slider,
            locked=locked,
            label="Discriminator learning rate (lr_d)",
            options=_with_value(LR_OPTIONS, cfg.lr_d),
            format_func=format_rate,
            help="How fast D learns to tell real from fake.",
        )
    if "lr_halflife" not in hide:
        _widget(
            run,
            slot,
            "lr_halflife",
            st.select_slider,
            locked=locked,
            label="Learning-rate decay (halve every … steps)",
            options=_with_value(HALFLIFE_OPTIONS, cfg.lr_halflife),
            format_func=lambda n: "off" if n == 0 else f"{n:,}",
            help="Both learning rates halve every this many steps, counted from when each rate was last set, down to "
            f"{cfg.lr_floor:.0%} of the values above; the status line shows the rates in use. With a constant "
            "rate G never settles: each update moves its samples about as far as the rate allows, so they "
            "keep jittering around the modes.",
        )
    if "d_steps" not in hide:
        _widget(
            run,
            slot,
            "d_steps",
            st.slider,
            locked=locked,
            label="D steps per G step",
            min_value=1,
            max_value=10,
            help="Train D k times before each G update (WGAN uses 5).",
        )
    if "batch_size" not in hide:
        _widget(
            run,
            slot,
            "batch_size",
            st.select_slider,
            locked=locked,
            label="Batch size",
            options=_with_value(BATCH_OPTIONS, cfg.batch_size),
        )
    if "loss" not in hide:
        _widget(
            run,
            slot,
            "loss",
            st.selectbox,
            locked=locked,
            label="Loss",
            options=list(LOSSES),
            help="minimax: the original saturating game; nonsaturating: the practical default; "
            "least-squares, wgan-gp, hinge: later variants.",
        )
    if "smoothed_view" not in hide:
        _widget(
            run,
            slot,
            "smoothed_view",
            st.toggle,
            locked=locked,
            label="Smoothed view (G's weight average)",
            help="Off: the points, images and scores come from G as it trains. On: from a running average of "
            f"G's weights (decay {cfg.g_ema or SMOOTHING_DECAY:g}), which hides the step-to-step jitter but lags "
            f"~{1 / (1 - (cfg.g_ema or SMOOTHING_DECAY)):.0f} steps behind G and never trains: display smoothing, not "
            "a cure. A Step button always shows G "
            "itself.",
            on_change=push_smoothed_view,
        )
    if "betas" not in hide:
        with st.expander("Adam betas"):
            _widget(
                run,
                slot,
                "beta1",
                st.slider,
                locked=locked,
                label="β1 (momentum)",
                min_value=0.0,
                max_value=0.95,
                step=0.05,
            )
            _widget(
                run,
                slot,
                "beta2",
                st.select_slider,
                locked=locked,
                label="β2",
                options=_with_value(BETA2_OPTIONS, cfg.beta2),
            )


def _safe(action: Callable[[], None], slot: str) -> None:
    try:
        action()
        st.session_state.pop(f"{slot}:error:run", None)
    except (RuntimeError, ValueError) as exc:
        st.session_state[f"{slot}:error:run"] = str(exc)


RESET_HELP = (
    "Back to step 0 with new weights drawn from the same seed, so the same starting point and the same race "
    "again. Keeps every setting as it is now, your live changes included. ↺ Restore preset also puts every "
    "setting back; 🎲 New seed draws different starting weights."
)
MAX_SEED = 2**31 - 1


def _on_seed(runs: Sequence[TrainingRun], slot: str) -> None:
    value = st.session_state.get(f"{slot}:seed")
    if value is None or value == runs[0].config.seed:
        return
    _safe(lambda: set_seed(runs, int(value)), slot)


def _new_seed(runs: Sequence[TrainingRun], slot: str) -> None:
    current = runs[0].config.seed
    seed = random.randrange(1, 10_000)
    seed = seed + 1 if seed == current else seed
    _safe(lambda: set_seed(runs, seed), slot)
    st.session_state[f"{slot}:seed"] = seed


def known_state_controls(
    runs: Sequence[TrainingRun], slot: str, restore: Callable[[], None], seed_locked: bool = False
) -> None:
    """↺ Restore preset (every setting the preset's, step 0), the seed, and 🎲 New seed."""
    st.button(
        "↺ Restore preset",
        key=f"{slot}:btn:restore-preset",
        use_container_width=True,
        on_click=lambda: _safe(restore, slot),
        help="Every setting back to the preset's (learning rates, loss, D steps, seed, data, architecture) "
        "and step 0: the known starting point of the lesson.",
    )
    key = f"{slot}:seed"
    if key not in st.session_state or st.session_state[key] != runs[0].config.seed:
        st.session_state[key] = runs[0].config.seed
    seed_col, new_col = st.columns([1, 1], vertical_alignment="bottom")
    seed_col.number_input(
        "Seed",
        min_value=0,
        max_value=MAX_SEED,
        step=1,
        key=key,
        on_change=_on_seed,
        args=(runs, slot),
        disabled=seed_locked,
        help=LOCKED_HELP
        if seed_locked
        else "The seed draws the starting weights, the fixed noise and every training batch. Changing it restarts "
        "at step 0 with "
        "the same settings: same seed, same race.",
    )
    new_col.button(
        "🎲 New seed",
        key=f"{slot}:btn:new-seed",
        use_container_width=True,
        on_click=_new_seed,
        args=(runs, slot),
        disabled=seed_locked,
        help="Restart at step 0 from other starting weights, same settings: is it the settings or luck?",
    )


def run_buttons(runs: Sequence[TrainingRun], slot: str, steps: bool = True) -> None:
    """▶ start / ⏸ pause / ⟲ reset (and one-step buttons) acting on all `runs` together."""
    active = any(r.snapshot().is_active for r in runs)
    c1, c2 = st.columns(2)
    if active:
        c1.button(
            "⏸ Pause", key=f"{slot}:btn:pause", use_container_width=True, on_click=lambda: [r.pause() for r in runs]
        )
    else:
        c1.button(
            "▶ Start",
            key=f"{slot}:btn:start",
            type="primary",
            use_container_width=True,
            on_click=_safe,
            args=(lambda: [r.start() for r in runs], slot),
        )
    c2.button(
        "⟲ Reset",
        key=f"{slot}:btn:reset",
        use_container_width=True,
        on_click=lambda: [r.reset() for r in runs],
        help=RESET_HELP,
    )
    if steps:
        s1, s2, s3 = st.columns(3)
        for col, which, label, tip in (
            (s1, "d", "Step D", "One discriminator update (G frozen)"),
            (s2, "g", "Step G", "One generator update (D frozen)"),
            (s3, "both", "Step both", "One full iteration"),
        ):
            col.button(
                label,
                key=f"{slot}:btn:step-{which}",
                disabled=active,
                help=tip,
                use_container_width=True,
                on_click=_safe,
                args=(lambda w=which: [r.step_once(w) for r in runs], slot),
            )
    error = st.session_state.get(f"{slot}:error:run")
    if error:
        st.error(error, icon="⚠️")


def status_text(snap: Snapshot) -> str:
    parts = [f"**{STATUS_BADGE.get(snap.status, snap.status)}**", f"step {snap.step:,}"]
    if snap.status == RUNNING:
        parts.append(f"{snap.steps_per_sec:,.0f} steps/s")
    if snap.last is not None and math.isfinite(snap.last.lr_g):
        parts.append(f"lr_g {format_rate(snap.last.lr_g)} · lr_d {format_rate(snap.last.lr_d)}")
    return " · ".join(parts)


def status_messages(snap: Snapshot, run: TrainingRun | None = None, slot: str = "") -> None:
    """Queue position, divergence explanation (with the one-click fix), notices."""
    if snap.status == QUEUED:
        ahead = snap.queue_position - 1
        waiting = f"{ahead} run{'s' if ahead != 1 else ''} ahead of yours" if ahead else "yours is next"
        if snap.message:  # it had a turn already (runs take turns while others wait)
            st.info(f"{snap.message} ({waiting}.) You can keep exploring meanwhile.", icon="⏳")
        else:
            st.info(
                f"The server is busy: {waiting}. Runs take turns, so it starts by itself soon; "
                "you can keep exploring meanwhile.",
                icon="⏳",
            )
    elif snap.status == DIVERGED:
        st.error(snap.message, icon="💥")
        if run is not None and snap.has_checkpoint:
            st.button("↩ Reset to last good checkpoint", key=f"{slot}:btn:restore", on_click=run.restore_last_good)
    elif snap.status == ERROR:
        st.error(snap.message, icon="⚠️")
    elif snap.status == LOST:  # the cluster backend: the worker machine that trained it is gone
        st.error(snap.message, icon="🔌")
        if run is not None:
            st.button(
                "↻ Restart from the last good checkpoint", key=f"{slot}:btn:restart", on_click=run.restore_last_good
            )
    elif snap.message:
        st.caption(snap.message)


def live_mode(runs: Sequence[TrainingRun]) -> str | None:
    """ "training" if any run trains, "waiting" if the only active ones wait for a slot, else None."""
    statuses = {r.snapshot().status for r in runs}
    if RUNNING in statuses:
        return "training"
    return "waiting" if QUEUED in statuses else None


def live(
    runs: Sequence[TrainingRun],
    body: Callable[[], None],
    every: float = LIVE_REFRESH_SECONDS,
    waiting_every: float | None = None,
) -> None:
    """Render `body` in a fragment that refreshes every `every` s while any run trains and stops
    refreshing (run_every=None costs nothing) once all are paused. Slow-moving charts (quality
    metrics) pass a longer `every`: fewer refreshes leave more CPU and GIL to training.

    While the runs only wait for a training slot nothing in the picture changes, so `body`
    refreshes every `waiting_every` s if given (the sidebar's status: queue position), else not
    at all. When the mode changes (a run starts, pauses, or its turn ends) the page reruns once,
    so every fragment gets its new timer."""
    mode = live_mode(runs)

    def fragment() -> None:
        body()
        if live_mode(runs) != mode:
            st.rerun()  # started, paused itself (idle, diverged, turn over...): refresh buttons and timers

    interval = {"training": max(every, LIVE_REFRESH_SECONDS), "waiting": waiting_every}.get(mode or "")
    refreshing(fragment, interval)
