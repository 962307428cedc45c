"""Mode collapse lab: the same data, a run that collapses next to a run with one cure."""

from __future__ import annotations

import streamlit as st

from classroom.pairings import DEFAULT_PAIRING, LAB_DATA, NOT_A_CURE, PAIRINGS, config_differences, current_pairing
from figures import playground, quality
from gan_core.config import format_setting
from gan_core.quality.collapse import (
    ALARM_MAX_SPREAD,
    ALARM_MIN_HQ,
    ALARM_MIN_STEPS,
    ALARM_WINDOW,
    COLLAPSE,
    COVERING,
    collapse_verdict,
    sample_spread,
)
from gan_core.runs.runner import TrainingRun
from gan_core.runs.snapshot import Snapshot
from ui.actions import LAB_SLOTS as SLOTS
from ui.actions import load_pairing
from ui.charts import live_chart
from ui.controls import live
from ui.pages import BY_URL
from ui.playground import coverage_tile, generator_label
from ui.preset_texts import pairing_outcome, pairings_that_cover
from ui.state import run_for

SCATTER_HEIGHT = 420  # both scatters, their numbers and verdicts fit one 900 px projector screen
COVERAGE_HEIGHT = 320
SCATTER_POINTS = 400  # per layer: enough to see every mode, cheap to send twice a second

st.title("🌀 Mode collapse lab")
st.markdown(
    "A GAN can fool its discriminator without learning the whole data: G finds a few places that "
    "D currently accepts and puts *all* its samples there, on one or two real modes or in a clump between "
    "them, and most of the data is never generated. This is **mode collapse**. Below, the same data is "
    "learned twice at the same time: run **A** is the vanilla GAN of the mode-collapse papers, run **B** is "
    "the same GAN with one change (for *WGAN-GP*, the paper's recipe of four settings; for *Vanilla vs "
    "tuned*, every change of the healthy preset; the line above the runs lists them). Pick a pairing, press "
    "**▶ Start** in the sidebar, and watch what the change does: which run spreads out, which reaches every "
    "mode, which only moves differently."
)

runs: list[TrainingRun] = [run_for(slot, preset) for slot, preset in zip(SLOTS, BY_URL["mode-collapse"].presets)]
pairing_key, dataset = current_pairing(runs[0].config, runs[1].config)


def _pick() -> None:
    """Load the chosen pairing into both runs; keep them training if they were."""
    key = st.session_state.get("lab:pairing") or pairing_key or DEFAULT_PAIRING
    data = st.session_state.get("lab:dataset") or dataset or "ring8"
    load_pairing(key, data)


# The buttons show what the runs *are* (a pairing clicked earlier, or one set by a link).
st.session_state["lab:dataset"] = dataset
st.session_state["lab:pairing"] = pairing_key
st.pills(
    "Pairing: A collapses, B is A with a change",
    list(PAIRINGS),
    format_func=lambda k: PAIRINGS[k].label,
    key="lab:pairing",
    on_change=_pick,
)
c_data, c_heat = st.columns([1, 2], vertical_alignment="bottom")
c_data.segmented_control(
    "Data", list(LAB_DATA), format_func=lambda k: LAB_DATA[k].label, key="lab:dataset", on_change=_pick
)
heatmap = c_heat.toggle("Show D's view behind the points (green: D says real, purple: D says fake)", key="lab:heatmap")
if pairing_key is None:
    st.caption("These runs were set up another way (a link?): pick a pairing to compare a collapse with a change.")
pairing = PAIRINGS[pairing_key] if pairing_key else None
a_name = pairing.a_name if pairing else "run A"
names = (f"A: {a_name}", f"B: {pairing.cure}" if pairing else "B: run B")
differences = config_differences(runs[0].config, runs[1].config)

for i, col in enumerate(st.columns(2)):
    with col:
        st.markdown(f"#### {names[i].replace(':', ' ·', 1)}")
        if differences:
            shown = ", ".join(
                f"{name} **:{'red' if i == 0 else 'green'}-background[{format_setting(v[i])}]**"
                if name not in NOT_A_CURE
                else f"{name} {format_setting(v[i])} ({NOT_A_CURE[name]})"
                for name, *v in differences
            )
            st.markdown(f"Differs from {'B' if i == 0 else 'A'}: {shown}")
        else:
            st.markdown("Same settings as the other run.")


def _scatter(snap: Snapshot, name: str) -> dict:
    layers = ("heatmap", "real", "fake") if heatmap else ("real", "fake")
    fig = playground.playground_figure(
        snap.views.get("real"), snap.samples, snap.views, layers=layers, max_points=SCATTER_POINTS
    )
    fig["layout"].setdefault("title", {})["text"] = f"{name} · step {snap.step:,}"
    fig["layout"]["height"] = SCATTER_HEIGHT
    return fig


def _verdict_box(snap: Snapshot, n: int) -> None:
    spread = sample_spread(snap.samples, snap.views.get("real"))
    verdict = collapse_verdict(snap.metric_history, n, snap.step, spread)
    if verdict.kind == COLLAPSE:
        st.error(f"**⚠ {verdict.message}**")
    elif verdict.kind == COVERING and verdict.modes == verdict.n_modes:
        st.success(verdict.message, icon="✅")
    else:
        st.info(verdict.message, icon="⏳")


def body() -> None:
    snaps = [run.snapshot() for run in runs]
    n = runs[0].mode_count
    for i, (col, snap) in enumerate(zip(st.columns(2), snaps)):
        with col:
            chart, numbers = st.columns([5, 2])
            live_chart(_scatter(snap, names[i]), f"lab:scatter:{i}", chart)
            m = snap.metrics
            # Always together: %HQ alone rewards collapse (a GAN on one perfect mode scores ~99 %).
            coverage_tile(numbers, m, n, generator_label(snap))  # the playground's tile and rule
            numbers.metric(
                "High-quality samples",
                f"{100 * m.get('hq_fraction', 0):.0f} %",
                help="Share of samples within 3 std of some mode. Alone it rewards collapse: "
                "read it next to modes covered.",
            )
            _verdict_box(snap, n)
    # The count every page calls covered (metrics.MODE_COVERAGE): VEEGAN's looser one credits a blur
    # with every mode it sprays a stray sample on.
    coverage = [(name, s.metric_history) for name, s in zip(names, snaps)]
    fig = quality.multi_run_modes_figure(coverage, n)
    fig["layout"]["height"] = COVERAGE_HEIGHT
    # the "all N modes" label sits on the left: keep the legend clear of it
    fig["layout"].setdefault("legend", {}).update(x=1.0, xanchor="right")
    live_chart(fig, "lab:coverage")


live(runs, body)
LABELS = {k: p.label for k, p in PAIRINGS.items()}

if pairing:
    st.markdown(f"#### What B changes, and how it can help\n{pairing.why}")
    if outcome := pairing_outcome(pairing.key, dataset, runs[0].mode_count):
        st.caption(outcome)
st.info(
    "**What to notice**\n"
    "- A collapsed G puts its samples in one or two places: a tight clump, or a few real modes with a "
    "high %HQ. Either way the variety is gone; in the second case %HQ still looks good: that is why %HQ is "
    "never shown without modes covered.\n"
    "- In A the purple clump **hops** around: G moves all its samples to whatever D currently calls "
    "real, D follows, and G moves on. It never has to spread out.\n"
    f"- The alarm rule: after {ALARM_MIN_STEPS} steps, a run has collapsed if at most 3 of 8 modes (9 of 25) "
    f"were covered in each of the last {ALARM_WINDOW} evaluations while G has committed to a few places: "
    f"at least {ALARM_MIN_HQ:.0%} of its samples sit on a mode on average over those evaluations, or they crowd "
    f"into a clump at most {ALARM_MAX_SPREAD:.0%} as wide as the data. Few modes from a wide blur is not "
    "collapse: G is still searching.\n" + f"- {pairings_that_cover(LABELS, dataset or 'ring8', runs[0].mode_count)} "
    "Both runs use the same seed, so ⟲ Reset replays the same race; the 25-mode grid is the harder test.",
    icon="👀",
)
