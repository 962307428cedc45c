"""Theory: the original GAN game on 1D data, with every quantity of Goodfellow et al. (2014) live."""

from __future__ import annotations

import math

import streamlit as st

from figures import objective, theory
from figures.objective import format_probability, gradient_signal
from figures.theory import LOG4, criterion_figure
from gan_core.losses import LOSSES
from gan_core.runs.snapshot import Snapshot
from ui.actions import load_preset
from ui.charts import live_chart
from ui.controls import live
from ui.dirac import dirac_section
from ui.state import run_for

SLOT, PRESET = "theory", "gauss1d"
DATASETS = {"gauss1d": "One Gaussian", "bimodal1d": "Two bumps"}
G_LOSSES = {"minimax": "minimax (saturating)", "nonsaturating": "non-saturating"}
HEAD_START_STEPS = 150  # D-only updates: D(G(z)) falls from ~0.4 to ~0.04 on both datasets

st.title("📐 Theory: the game a GAN plays")
st.markdown(
    "On one-dimensional data every quantity of the original GAN paper can be drawn: the real density "
    "p_data exactly, the generator's density p_g estimated from G's samples (and with it the *best "
    "possible* discriminator D* and the divergences), and what the discriminator D believes, as the "
    "network outputs it. The formulas below are not decoration: each one is a curve or a number on this "
    "page, computed from the GAN training right now. Switch the generator's loss to see why the original "
    "(saturating) loss stalls when D wins, and why the original paper itself recommends training G with "
    "the non-saturating one instead, the usual default ever since."
)
dirac_section()  # does training converge at all? (closed until opened or linked: dirac=1)

run = run_for(SLOT, PRESET)
active = run.snapshot().is_active


def _pick_data() -> None:
    dataset = st.session_state.get("theory-page:data")
    if dataset is None or dataset == run.config.dataset:
        return
    loss = st.session_state.get("theory-page:loss") or run.config.loss
    load_preset(SLOT, PRESET, dataset=dataset, loss=loss)


def _pick_loss() -> None:
    loss = st.session_state.get("theory-page:loss")
    if loss is None:
        return
    run.update(loss=loss)  # a live setting: takes effect at the next step, weights untouched
    st.session_state[f"{SLOT}:loss"] = loss  # the sidebar's loss box shows the same choice


# The sidebar's loss box (drawn before this page) holds the latest choice even while the
# running trainer has not applied it yet, so both controls follow it.
st.session_state["theory-page:data"] = run.config.dataset if run.config.dataset in DATASETS else None
sidebar_loss = st.session_state.get(f"{SLOT}:loss", run.config.loss)
st.session_state["theory-page:loss"] = sidebar_loss if sidebar_loss in G_LOSSES else None

c_data, c_loss, c_head = st.columns([1, 1.3, 1.2], vertical_alignment="bottom")
c_data.segmented_control("Data", list(DATASETS), format_func=DATASETS.get, key="theory-page:data", on_change=_pick_data)
c_loss.segmented_control(
    "Generator loss (live)", list(G_LOSSES), format_func=G_LOSSES.get, key="theory-page:loss", on_change=_pick_loss
)
if c_head.button(
    f"💪 Give D a head start ({HEAD_START_STEPS} D steps)",
    disabled=active,
    help=f"Pause first. D trains alone for {HEAD_START_STEPS} steps. On a fresh run that is enough to "
    "reject the fakes confidently: the situation where the saturating loss gives G almost no gradient. "
    "Once p_g overlaps p_data no D can reject the fakes, and D(G(z)) stays near ½. Then press Step G or Start.",
    key="theory-page:head-start",
):
    with st.spinner("D trains alone…"):
        run.step_once("d", times=HEAD_START_STEPS)
    st.rerun()

st.markdown("##### The maths in three lines")
for formula, meaning in (
    (
        r"V(D,G) = \mathbb{E}_{x \sim p_\text{data}}\big[\log D(x)\big]"
        r" + \mathbb{E}_{z}\big[\log\big(1 - D(G(z))\big)\big]",
        "The game. D maximises V: it says “real” (D → 1) on data and “fake” (D → 0) on G's samples. "
        "G minimises V: it wants D(G(z)) → 1.",
    ),
    (
        r"D^*(x) = \frac{p_\text{data}(x)}{p_\text{data}(x) + p_g(x)}",
        "The best D for a fixed G: the share of real among all samples at x (the dashed curve).",
    ),
    (
        r"C(G) = \max_D V(D,G) = -\log 4 + 2\,\mathrm{JSD}(p_\text{data}\,\|\,p_g)",
        "Against the best D, G minimises the Jensen–Shannon divergence. The floor −log 4 ≈ −1.386 "
        "is reached only when p_g = p_data: the paper's Theorem 1, the global minimum of C(G).",
    ),
):
    tex, text = st.columns([3, 2], vertical_alignment="center")
    tex.latex(formula)
    text.caption(meaning)


def _updates(n: int) -> str:
    return f"{n} D update{'s' if n != 1 else ''}"


def _numbers(snap: Snapshot) -> None:
    views = snap.views
    st.metric(
        "Training step",
        f"{snap.step:,}",
        help=f"Full iterations ({_updates(snap.config.d_steps)} per G update). Step D, Step G and D's head "
        "start update one network only and do not count here.",
    )
    st.caption(f"{snap.d_updates:,} D updates · {snap.g_updates:,} G updates")
    if "js" in views:
        js = float(views["js"])
        js_floor = (views.get("floors") or {}).get("js_kde")
        floor_note = (
            f" The estimate has a floor: the real data's own samples, smoothed the same way, read "
            f"{js_floor:.3f} nats against p_data, so a perfect G reads about that, not 0."
            if js_floor is not None
            else ""
        )
        st.metric(
            "JS(p_data ‖ p_g)",
            f"{round(js, 3) + 0.0:.3f} nats",
            help="0 when p_g = p_data; log 2 ≈ 0.693 nats when they do not overlap at all. "
            "From the two densities drawn on the left (p_g smoothed from 2,500 of G's samples); mass that G "
            "puts beyond the drawn window counts too." + floor_note,
        )
        st.metric(
            "C(G) = −log 4 + 2·JS",
            f"{round(float(views['value_at_optimum']), 3) + 0.0:.3f} nats",
            help=f"What V would be if D were optimal. It cannot go below −log 4 = {-LOG4:.3f} nats.",
        )
    last = snap.last
    if last is not None and LOSSES[snap.config.loss].probabilistic and math.isfinite(last.d_fake):
        st.metric(
            "D(G(z)): how real the fakes look to D",
            format_probability(last.d_fake),
            help="D's mean verdict on the fakes of the latest update: after Step G, on the fakes that "
            "G update scored (before G moved).",
        )


def _vanishing_gradient(snap: Snapshot) -> None:
    """The experiment panel: what each loss would push G with at this run's D(G(z))."""
    st.markdown(
        "##### Try it: the vanishing gradient\n"
        "1. On a fresh run (⟲ Reset), ⏸ Pause, pick **minimax (saturating)** and press **💪 Give D a head "
        "start**: D(G(z)) falls towards 0, the dashed line on the left moves far left, where the red curve is "
        "flat. (Once p_g overlaps p_data no D can reject the fakes: the head start then leaves D(G(z)) near ½.)\n"
        "2. Press **Step G** in the sidebar a few times: D(G(z)) and the dashed line move a little each "
        "time; read G's gradient below.\n"
        "3. Switch to **non-saturating** and step again: about the same D(G(z)), a gradient tens of times "
        "larger. (Adam divides each step by a running average of the gradient's size, which with "
        f"β₂ = {snap.config.beta2:g} remembers roughly the last {1 / (1 - snap.config.beta2):,.0f} updates: "
        "right after the switch a step grows with the new gradient over the old running size, so G lurches; "
        "once the average has caught up, Adam moves G about as far with either loss. Plain SGD would feel "
        "the whole difference at every step.)"
    )
    last = snap.last
    signal = gradient_signal(last.d_fake if last is not None and LOSSES[snap.config.loss].probabilistic else None)
    if signal is None:
        st.caption("Train or step once to see this run's numbers.")
        return
    sat, nonsat = st.columns(2)
    sat.metric(
        "Push per fake, saturating",
        format_probability(signal["saturating"]),
        help="|∂ log(1 − D) / ∂s| = D(G(z)), s: D's logit (the dotted red line on the left)",
    )
    nonsat.metric(
        "Push per fake, non-saturating",
        format_probability(signal["nonsaturating"]),
        help="|∂ (−log D) / ∂s| = 1 − D(G(z)), s: D's logit (the dotted orange line on the left)",
    )
    if math.isfinite(last.grad_norm_g):
        st.metric(
            f"G's gradient norm at its last update ({snap.config.loss})",
            f"{last.grad_norm_g:.3g}",
            help="‖∂ G loss / ∂ G's weights‖, measured. After a head start for D it is tens of times "
            "smaller with the minimax loss.",
        )


def body() -> None:
    snap = run.snapshot()
    views = snap.views
    probabilistic = LOSSES[snap.config.loss].probabilistic  # the views may predate a loss switch
    last = snap.last

    left, right = st.columns([3, 1])
    with left:
        live_chart(theory.density_1d_figure(views, views.get("real")), "theory:density")
        st.caption(
            "Where p_g puts too much mass, D dips below ½; where it misses real data, D rises above ½. "
            "The learned D (blue) chases the dashed D*: as p_g slides onto p_data both flatten to ½ where "
            "the data is. D* = p_data / (p_data + p_g) is 0/0 where neither density has mass, so it is "
            f"drawn only where p_data or p_g is above {theory.D_STAR_SUPPORT:.0%} of its own peak; D itself "
            "answers everywhere. "
            f"D takes {_updates(snap.config.d_steps)} per G update, so it lags: where D* swings and D stays "
            "flat, D has not caught up (try “Give D a head start”)."
        )
    with right:
        _numbers(snap)
    if not probabilistic:
        st.warning(
            f"The loss is now **{snap.config.loss}**: D gives a score, not a probability, so "
            "D*, V and the saturation story below are about the original GAN. Switch the generator loss "
            "back to minimax or non-saturating.",
            icon="ℹ️",
        )

    c1, c2 = st.columns(2)
    with c1:
        d_real = last.d_real if last is not None and probabilistic else None
        d_fake = last.d_fake if last is not None and probabilistic else None
        live_chart(objective.value_function_figure(d_real, d_fake), "theory:value")
        st.caption(
            "V over D's two outputs. D climbs towards the bottom-right corner (real → 1, fake → 0); "
            "G pushes the dot up. When p_g = p_data nobody can improve: the dot rests at (½, ½), "
            "V = −log 4."
        )
    with c2:
        live_chart(criterion_figure(snap.metric_history, views.get("floors")), "theory:criterion")
        st.caption(
            "The generator's real objective: C(G) falls towards −log 4 as JS shrinks. It starts "
            "near 0 because p_g and p_data barely overlap at first (JS ≈ log 2). Estimated from samples, it "
            "comes down close to the dotted line, where real samples themselves read (a perfect G), and keeps "
            "wobbling above it. The x-axis counts D's "
            "updates: a head start for D is the shaded stretch, flat because C(G) depends on G only; "
            "Step G alone moves the curve up or down in place."
        )

    c3, c4 = st.columns(2)
    with c3:
        point = last.d_fake if last is not None and probabilistic else None
        live_chart(objective.generator_loss_curves_figure(point), "theory:g-loss")
        st.caption(
            "Both losses against D's logit s (D = σ(s), top axis), the quantity G's gradient flows "
            "through. The saturating log(1 − D) = −softplus(s) is flat on the left, where D rejects the "
            "fakes: its slope (dotted) is D itself, ≈ 0. The non-saturating −log D = softplus(−s) is "
            "steepest exactly there. Against D itself log(1 − D) is not flat (slope ≈ −1 near D = 0): "
            "what vanishes is the sigmoid's dD/ds = D(1 − D), and by the chain rule "
            "∂ log(1 − D)/∂s = −D. The dashed line is this run's mean D(G(z))."
        )
    with c4:
        _vanishing_gradient(snap)


live([run], body)

st.info(
    "**What to notice**\n"
    "- D (blue) is above ½ where real data is more likely than fakes and below ½ where fakes pile up; "
    "it follows the dashed optimum D* = p_data / (p_data + p_g), a step behind.\n"
    "- At the end both densities overlap, D ≈ ½ where the data is, JS ≈ 0 and C(G) ≈ −log 4 ≈ −1.386: "
    "the global minimum of C(G) of the paper's Theorem 1 (sampling noise keeps the estimates a little "
    "above).\n"
    "- When D wins (D(G(z)) near 0), the saturating loss gives G almost nothing to learn from, while "
    "the non-saturating loss pushes hardest: that is why the original paper already trains G with it, and "
    "later GANs moved to losses that do not saturate either (least squares, Wasserstein, hinge).\n"
    "- Keep watching after they overlap: p_g keeps wobbling (narrower, shifted, back) while D hovers near ½. "
    "Convergence is fleeting. The paper's step-by-step convergence argument (Proposition 2) assumes D "
    "reaches its optimum D* before every G step and G's update improves p_g itself, in the space of "
    "distributions, not through a network's weights. Here D takes a few small steps at most per G step, so near "
    "equilibrium its feedback is mostly noise and it lags far behind D*, which swings wherever p_g "
    "overshoots.\n"
    "- With **Two bumps**, watch whether p_g covers both bumps or settles on one: mode collapse in 1D.",
    icon="👀",
)
