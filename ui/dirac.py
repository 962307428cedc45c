"""The Theory page's "Does GAN training converge?" section: the Dirac GAN, stepped and played in the page.

The game is two numbers (θ, ψ), so it needs no thread: a step takes well under a millisecond, and
a Play fragment adds a few steps per tick. It trains with the project's own losses and optimizer
step (gan_core.dirac), the code every other GAN here trains with. Its controls are URL-backed
(`PARAMS`, registered in ui.urls), so a teacher can link "the Dirac GAN, simultaneous, h = 0.2";
a link opens the game at step 0 from (θ, ψ) = (1, 1).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import streamlit as st

from figures.dirac import distance_figure, field_figure, parameters_figure
from gan_core.dirac import DiracConfig, DiracGAN, DiracTrajectory, VectorField
from gan_core.presets import PRESETS
from ui.charts import live_chart
from ui.fragments import refreshing
from ui.url_values import WidgetParam, choice, flag, float_in

KEY_OPEN = "dirac:open"
KEY_LOSS, KEY_UPDATE, KEY_LR, KEY_GAMMA = "dirac:loss", "dirac:update", "dirac:h", "dirac:gamma"
KEY_GAME, KEY_PLAYING = "dirac:game", "dirac:playing"
# The paper's game is the minimax one (D's loss is minus G's); first, and the default.
LOSSES = {"minimax": "minimax (the paper's)", "nonsaturating": "non-saturating", "wgan-gp": "WGAN (linear)"}
UPDATES = {"simultaneous": "simultaneous", "alternating": "alternating (D, then G)"}
LR_RANGE = (0.01, 0.5, 0.01)  # the step size h: (min, max, step)
GAMMA_RANGE = (0.0, 2.0, 0.1)  # R1's weight γ
MAX_STEPS = 2000  # a played run stops here (a spiral out has left the picture long before)
STEPS_PER_TICK, TICK_SECONDS = 4, 0.15  # Play: ~27 steps/s, a turn in a few seconds at h = 0.1
GRID_POINTS = 15  # arrows per axis
R1_PRESET = "grid25"  # where the app trains with R1 (the 2D playground)

PARAMS = (
    WidgetParam("dirac", KEY_OPEN, False, flag),
    WidgetParam("dirac_loss", KEY_LOSS, "minimax", choice(tuple(LOSSES))),
    WidgetParam("dirac_update", KEY_UPDATE, "simultaneous", choice(tuple(UPDATES))),
    WidgetParam("dirac_h", KEY_LR, 0.1, float_in(*LR_RANGE)),
    WidgetParam("dirac_gamma", KEY_GAMMA, 0.0, float_in(*GAMMA_RANGE)),
)


@dataclass
class Played:
    """The session's game: its settings, the game itself and the path it took from step 0."""

    config: DiracConfig
    game: DiracGAN
    path: DiracTrajectory


def chosen_config() -> DiracConfig:
    """The settings the controls show (SGD from (1, 1), the paper's setting)."""
    state = st.session_state
    return DiracConfig(
        loss=state.get(KEY_LOSS) or "minimax",
        update=state.get(KEY_UPDATE) or "simultaneous",
        lr=float(state.get(KEY_LR, 0.1)),
        r1_weight=float(state.get(KEY_GAMMA, 0.0)),
    )


def played() -> Played:
    """The game for the controls' settings; new settings start a new game at step 0."""
    config = chosen_config()
    current: Played | None = st.session_state.get(KEY_GAME)
    if current is None or current.config != config:
        game = DiracGAN(config)
        current = st.session_state[KEY_GAME] = Played(config, game, game.run(0))
    return current


def advance(current: Played, steps: int) -> int:
    """`steps` more training steps (fewer at MAX_STEPS or where (θ, ψ) leaves the finite numbers);
    returns how many were taken."""
    steps = min(steps, MAX_STEPS - current.game.step_count)
    if steps <= 0:
        return 0
    more = current.game.run(steps)
    path = current.path
    current.path = DiracTrajectory(
        np.concatenate([path.steps, more.steps[1:]]),
        np.concatenate([path.theta, more.theta[1:]]),
        np.concatenate([path.psi, more.psi[1:]]),
    )
    return len(more.steps) - 1


def extent(path: DiracTrajectory) -> float:
    """Half the side of the drawn square: the whole path, at least [-1.5, 1.5], in steps of 0.5
    (so the arrows are not recomputed on every tick)."""
    reach = float(np.max(np.abs(np.concatenate([path.theta, path.psi])))) if path.steps.size else 1.0
    return max(1.5, math.ceil(1.1 * min(reach, 1e6) * 2) / 2)


@lru_cache(maxsize=32)
def field(config: DiracConfig, half_side: float) -> VectorField:
    """The gradient field on the drawn square (it depends on the settings, not on the state)."""
    axis = np.linspace(-half_side, half_side, GRID_POINTS)
    return DiracGAN(config).gradient_field(axis, axis)


def _restart() -> None:
    st.session_state[KEY_PLAYING] = False


def _play() -> None:
    st.session_state[KEY_PLAYING] = not st.session_state.get(KEY_PLAYING, False)


def _step() -> None:
    st.session_state[KEY_PLAYING] = False
    advance(played(), 1)


def _reset() -> None:
    st.session_state[KEY_PLAYING] = False
    st.session_state.pop(KEY_GAME, None)


def controls() -> None:
    """Loss, update order, step size h and R1's γ; changing one starts again at step 0."""
    loss_col, update_col = st.columns(2)
    loss_col.segmented_control(
        "Loss", list(LOSSES), format_func=LOSSES.get, key=KEY_LOSS, on_change=_restart, required=True
    )
    update_col.segmented_control(
        "Updates", list(UPDATES), format_func=UPDATES.get, key=KEY_UPDATE, on_change=_restart, required=True
    )
    lr_col, gamma_col = st.columns(2)
    lr_col.slider(
        "Learning rate h (both players, plain SGD)",
        min_value=LR_RANGE[0],
        max_value=LR_RANGE[1],
        step=LR_RANGE[2],
        key=KEY_LR,
        on_change=_restart,
    )
    gamma_col.slider(
        "R1 penalty γ (0: off)",
        min_value=GAMMA_RANGE[0],
        max_value=GAMMA_RANGE[1],
        step=GAMMA_RANGE[2],
        key=KEY_GAMMA,
        on_change=_restart,
        help="D pays γ/2 · (its slope at the data)² = γ/2 · ψ²: it is pushed to be flat where the data is.",
    )


def _eigenvalues(game: DiracGAN) -> str:
    values = game.eigenvalues()
    if abs(values[0].imag) > 1e-12 and np.isclose(values[0], np.conj(values[1])):
        return f"{values[0].real + 0.0:.3g} ± {abs(values[0].imag):.3g}i"
    return " and ".join(f"{v.real + 0.0:.3g}" for v in values)


def _numbers(current: Played) -> str:
    """What the student can check on the charts: where the pair is, how the field turns near (0, 0)."""
    game, path = current.game, current.path
    start, now = float(path.distance[0]), float(path.distance[-1])
    text = (
        f"Step {int(path.steps[-1]):,}: (θ, ψ) = ({path.theta[-1]:.3g}, {path.psi[-1]:.3g}), distance to the "
        f"equilibrium {now:.3g} (it started at {start:.3g}). Near (0, 0) the field's Jacobian has eigenvalues "
        f"{_eigenvalues(game)}"
    )
    if current.config.update == "simultaneous":
        text += f"; one simultaneous step multiplies the distance by {game.simultaneous_growth():.4f} there"
    return text + "."


def live_game() -> None:
    """The charts, and while playing a few more steps per tick."""
    current = played()
    playing = bool(st.session_state.get(KEY_PLAYING))
    if playing and advance(current, STEPS_PER_TICK) == 0:
        st.session_state[KEY_PLAYING] = playing = False  # at MAX_STEPS, or thrown out of range
    path = current.path
    title = f"{LOSSES[current.config.loss]}, {current.config.update}, h = {current.config.lr:g}"
    if current.config.r1_weight:
        title += f", R1 γ = {current.config.r1_weight:g}"
    # The square field gets the whole width (its legend sits beside it); the two time lines share a row.
    live_chart(field_figure(field(current.config, extent(path)), path, unit_arrows=True, title=title), "dirac:field")
    growth = current.game.simultaneous_growth() if current.config.update == "simultaneous" else None
    theta_col, distance_col = st.columns(2)
    live_chart(parameters_figure(path), "dirac:parameters", theta_col)
    live_chart(distance_figure({"this run": path}, growth), "dirac:distance", distance_col)
    st.caption(_numbers(current))


def dirac_section() -> None:
    """The whole section, in an expander that costs nothing while closed (a link opens it: dirac=1)."""
    with st.expander("🌀 Does GAN training converge? The Dirac GAN", key=KEY_OPEN, on_change="rerun") as section:
        if not section.open:
            return
        st.markdown(
            "The smallest GAN there is (Mescheder, Geiger & Nowozin, 2018): the data is one point at 0, "
            "G(z) = θ puts all its samples at θ, and D(x) = ψ·x. The only equilibrium is θ = 0 (G on the "
            "data) with ψ = 0 (D flat: it cannot tell). The arrows show where one gradient step moves "
            "(θ, ψ); the purple path is the training run, from (1, 1). It trains with this app's own losses "
            "and optimizer step, the code that trains every GAN on the other pages."
        )
        st.markdown(
            "**Convex is not enough.** Course notes say the GAN loss is convex, “and hence while using gradient "
            "descent, we can expect convergence”. Not even here: with WGAN's linear loss each player's loss is "
            "linear in its own parameter, as convex as a loss gets, and still gradient descent goes round the "
            "equilibrium or spirals away from it, because each player's step changes the other's loss."
        )
        controls()
        step_col, play_col, reset_col = st.columns(3)
        playing = bool(st.session_state.get(KEY_PLAYING))
        step_col.button("Step", key="dirac:btn:step", on_click=_step, width="stretch", disabled=playing)
        play_col.button(
            "⏸ Pause" if playing else "▶ Play",
            key="dirac:btn:play",
            on_click=_play,
            type="primary",
            width="stretch",
        )
        reset_col.button("⟲ Back to step 0", key="dirac:btn:reset", on_click=_reset, width="stretch")

        def fragment() -> None:
            live_game()
            if bool(st.session_state.get(KEY_PLAYING)) != playing:
                st.rerun()  # stopped by itself: the button and the timer follow

        refreshing(fragment, TICK_SECONDS if playing else None)
        r1 = PRESETS[R1_PRESET].config.r1_weight
        st.markdown(
            "**Try it.** Press ▶ Play. With the minimax loss and with WGAN's linear loss, simultaneous updates "
            "spiral *out* (the dashed line is the rate theory predicts near (0, 0); far out the minimax spiral "
            "slows down, lingering where D rejects G's point so surely that both gradients almost vanish: the "
            "saturation further down this page), and alternating updates, D "
            "first and then G through the new D as every trainer here does, go round for ever. The "
            "non-saturating loss turns the same way near (0, 0) but bends inward farther out: simultaneous "
            "updates settle on a circle and go round it for ever, alternating ones creep inward, more and more "
            "slowly. Raise **R1 γ** above 0: D pays for any slope at the data, and alternating updates spiral *in*; "
            "simultaneous ones do once γ is large enough for the step size (with WGAN's linear loss: γ above h), "
            "when the factor per step in the line under the charts drops below 1."
        )
        st.page_link(
            "app_pages/playground.py",
            label=f"Where this app uses R1: the {R1_PRESET} preset on the 2D playground (γ = {r1:g})",
            icon="🎯",
            query_params={"preset": R1_PRESET},
        )
