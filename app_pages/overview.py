"""Overview: what a GAN is, in one picture that shows which network is learning right now."""

from __future__ import annotations

import math

import streamlit as st

from figures import curves, playground, theme
from figures.overview import d_opinion, diagram_state, gan_loop_svg, verdict_words
from gan_core.config import format_rate
from ui.controls import live
from ui.pages import BY_PATH, PAGES
from ui.playground import chart, generator_label, history_rows, pause_and_settle, points_over_arrows
from ui.preset_texts import coverage_promise, preset_of
from ui.state import run_for, session_runs

PAGE = BY_PATH["app_pages/overview.py"]
SLOT, PRESET = PAGE.slots[0], PAGE.presets[0]
WALK, WALK_RESULT, WALK_ERROR = "ov:walk", "ov:walk-result", "ov:walk-error"
PAGE_LESSONS = {
    "app_pages/playground.py": "the whole game on 2D points: D's decision map, G's gradient arrows, "
    "your own data and architecture.",
    "app_pages/image_gan.py": "the same game on handwritten digits: blobs become strokes, then digits.",
    "app_pages/inside.py": "how G draws: one noise vector through every layer, and D's layers down to its verdict.",
    "app_pages/latent_space.py": "what G learned: walk between two noise vectors and watch the digit morph.",
    "app_pages/mode_collapse.py": "when G covers only a few modes, and changes meant to cure it, side by side.",
    "app_pages/theory.py": "the maths in 1D: p_data, p_g, the optimal D and why the original loss stalls.",
    "app_pages/board.py": "the class together: the teacher's challenge, everybody's best settings on one board.",
}

run = run_for(SLOT, PRESET)
snap = run.snapshot()

st.title("🎭 What is a GAN?")
st.markdown(
    "A **generative adversarial network** is two neural networks playing a game. The **generator G** turns "
    "random noise into samples; the **discriminator D** looks at a sample and says how likely it is to be "
    "real. They take turns: D learns to catch G's fakes, then G learns to fool the D it has now. G never "
    "sees a real sample, yet its fakes end up looking like the real data, because D's judgement is all the "
    "feedback it needs."
)


# --- walk-through actions (callbacks: they run before the page is drawn) ---------------------------
def _walk_step(which: str) -> None:
    if run.snapshot().is_active:
        pause_and_settle(run, "Paused for the walk-through: one step at a time now.")
    try:
        run.step_once(which)
    except (RuntimeError, ValueError) as exc:
        st.session_state[WALK_ERROR] = str(exc)
        return
    st.session_state.pop(WALK_ERROR, None)
    after = run.snapshot()
    st.session_state[WALK_RESULT] = {
        "which": which,
        "run_id": run.run_id,
        "lr": (after.last.lr_d if which == "d" else after.last.lr_g) if after.last else None,  # the rate used
        "lr_set": after.config.lr_d if which == "d" else after.config.lr_g,
        "before": d_opinion(after.views, "d_verdict_before"),  # measured right before the update
        "after": d_opinion(after.views),
        "loss_after": (after.last.loss_d, after.last.loss_g) if after.last else None,
    }


def _on_walk_toggle() -> None:
    if st.session_state.get(WALK) and run.snapshot().is_active:
        pause_and_settle(run, "Paused for the walk-through: one step at a time now.")


def _ok(value: float | None) -> bool:
    return value is not None and math.isfinite(value)


def _fmt(value: float | None) -> str:
    return f"{value:.3f}" if _ok(value) else "—"


SAME = 0.0005  # changes below this show as 0.000: call them "unchanged", not "+0.000"


def _delta(before: float | None, after: float | None) -> dict:
    """st.metric's delta arguments for a before → after change."""
    if not (_ok(before) and _ok(after)):
        return {}
    if abs(after - before) < SAME:
        return {"delta": "unchanged", "delta_arrow": "off"}
    return {"delta": f"{after - before:+.3f}"}


def _walk_result() -> None:
    result = st.session_state.get(WALK_RESULT)
    if not result or result["run_id"] != run.run_id:
        st.markdown(
            "**Stage ①**: press *Train D once*. D sees a batch of real points and a batch of G's "
            "fakes and learns to tell them apart; G stays frozen."
        )
        return
    before, after = result["before"], result["after"]
    measured = before is not None and after is not None
    if result["which"] == "d":
        st.markdown(
            "**① D just learned; G was frozen**, so the purple points did not move. D's goal: say "
            f"“real” ({verdict_words(run.config.loss).real}) to real points and “fake” "
            f"({verdict_words(run.config.loss).fake}) to G's points."
        )
        if measured:
            gap_before, gap_after = before.on_real - before.on_fake, after.on_real - after.on_fake
            if abs(gap_after - gap_before) < SAME:
                st.markdown(
                    f"The gap between D's two verdicts barely moved ({gap_before:.3f} → {gap_after:.3f}): "
                    "one small step; many of them add up. **Next: ② Train G once.**"
                )
            elif gap_after > gap_before:
                st.markdown(
                    f"It worked: the gap between D's two verdicts grew from {gap_before:.3f} to "
                    f"{gap_after:.3f}. D tells them apart a little better. **Next: ② Train G once.**"
                )
            else:
                st.markdown(
                    f"This time the gap between D's verdicts shrank ({gap_before:.3f} → {gap_after:.3f}): "
                    "one step on one random batch can overshoot, especially once G's points sit on the "
                    "real ones. Over many steps D pulls them apart unless G keeps up. "
                    "**Next: ② Train G once.**"
                )
    else:
        st.markdown(
            "**② G just learned; D was frozen**, so D's map did not change. G's goal: move its points "
            "to where D says “real”, following D's gradient back through D (the orange arrows)."
        )
        if measured:
            if abs(after.on_fake - before.on_fake) < SAME:
                st.markdown(
                    f"D's verdict on G's points barely moved ({before.on_fake:.3f} → {after.on_fake:.3f}): "
                    "one small step; many of them add up. **That was one iteration; ① starts the next.**"
                )
            elif after.on_fake > before.on_fake:
                st.markdown(
                    f"It worked: D's verdict on G's points rose from {before.on_fake:.3f} to "
                    f"{after.on_fake:.3f}. **That was one iteration; ① starts the next.**"
                )
            else:
                st.markdown(
                    f"This time D's verdict on G's points did not rise ({before.on_fake:.3f} → "
                    f"{after.on_fake:.3f}): a step on one random batch can overshoot. "
                    "**That was one iteration; ① starts the next.**"
                )
    used, set_to = result["lr"], result["lr_set"]
    rate = format_rate(used) if used is not None else "—"
    if used is not None and set_to is not None and abs(used - set_to) > 1e-12:
        rate += f" at this step, set to {format_rate(set_to)} and decayed since"
    st.caption(
        f"One update is a small nudge (learning rate {rate}); training repeats it thousands "
        "of times. D's verdicts are its mean outputs on the same real batch and the same fake batch (G's "
        "samples of the fixed noise) every time, each scored as a training batch."
    )
    words = verdict_words(run.config.loss)
    word = words.name
    c1, c2, c3 = st.columns(3)
    c1.metric(
        f"{word}(x) on real points",
        _fmt(after and after.on_real),
        **_delta(before and before.on_real, after and after.on_real),
        delta_color="off",
        help=f"D's mean verdict on a fixed batch of real points ({words.real}: “real”), after the update.",
    )
    c2.metric(
        f"{word}(G(z)) on fakes",
        _fmt(after and after.on_fake),
        **_delta(before and before.on_fake, after and after.on_fake),
        delta_color="off",
        help="D's mean verdict on G's samples of the fixed noise (one training-sized batch), after the update.",
    )
    i = 0 if result["which"] == "d" else 1
    loss = result["loss_after"][i] if result["loss_after"] else None
    c3.metric(
        "D loss on its batch" if i == 0 else "G loss on its batch",
        _fmt(loss),
        help="The loss of the network that just learned, on the batch it learned from, measured just before "
        "its update (D: a fresh random batch each time, so it jumps around; G: the drawn points' fixed noise).",
    )


def _what_to_notice() -> None:
    modes = run.mode_count
    st.info(
        "**What to notice**\n\n"
        "- The purple points start as a blob in the middle: G's random weights know nothing about the data.\n"
        "- The background is D's verdict: green where it says “real”, purple where it says “fake”. "
        "G moves its points towards green; D then redraws the map.\n"
        + coverage_promise(preset_of(session_runs().presets.get(SLOT), run.config), modes)
        + "- The losses do not go to zero: each network's progress is the other's setback.",
        icon="👀",
    )


# --- the diagram and the walk-through -----------------------------------------------------------
diagram_col, demo_col = st.columns([3, 2], gap="large")
with diagram_col:
    cfg = snap.config
    state = diagram_state(
        snap.status, snap.last_phase, snap.step, snap.d_updates, snap.g_updates, cfg.d_steps, cfg.g_steps
    )
    st.markdown(gan_loop_svg(state, cfg.noise, cfg.loss), unsafe_allow_html=True)
    st.markdown(f"#### {state.sentence}")
    if snap.status == "idle" and snap.d_updates == 0 and snap.g_updates == 0:
        st.button(
            "▶ Start training",
            key="ov:start",
            type="primary",
            on_click=run.start,
            help="The same as ▶ Start in the sidebar: D and G take turns continuously.",
        )
        st.caption("…or switch on the walk-through below and do one iteration by hand.")
    st.toggle(
        "🚶 Walk me through one iteration",
        key=WALK,
        on_change=_on_walk_toggle,
        help="Train D once, then G once, and see what each step changed.",
    )
    if st.session_state.get(WALK):
        with st.container(border=True):
            nxt = "g" if (st.session_state.get(WALK_RESULT) or {}).get("which") == "d" else "d"
            b1, b2 = st.columns(2)
            b1.button(
                "① Train D once (G frozen)",
                key="ov:walk-d",
                type="primary" if nxt == "d" else "secondary",
                on_click=_walk_step,
                args=("d",),
                width="stretch",
            )
            b2.button(
                "② Train G once (D frozen)",
                key="ov:walk-g",
                type="primary" if nxt == "g" else "secondary",
                on_click=_walk_step,
                args=("g",),
                width="stretch",
            )
            if st.session_state.get(WALK_ERROR):
                st.error(st.session_state[WALK_ERROR], icon="⚠️")
            _walk_result()
    _what_to_notice()


# --- the live demo --------------------------------------------------------------------------------
def _demo() -> None:
    now = run.snapshot()
    opinion = d_opinion(now.views)
    words = verdict_words(now.config.loss)
    word = words.name
    c1, c2, c3 = st.columns(3)
    c1.metric("Step", f"{now.step:,}")
    c2.metric(
        f"{word}(x), real",
        _fmt(opinion and opinion.on_real),
        help=f"D's mean verdict on a fixed batch of real points ({words.real}: “real”, {words.fake}: “fake”), "
        "scored as in training.",
    )
    c3.metric(
        f"{word}(G(z)), fake",
        _fmt(opinion and opinion.on_fake),
        help="D's mean verdict on a batch of G's samples (of G as it trains), scored as in training. Equal "
        "verdicts on real and fake batches do not mean G has learned the data: a collapsed G can get them "
        "too. Read them next to the picture.",
    )
    if now.data_kind != "2d":
        st.info(f"The demo draws 2D data; this run trains on {now.dataset_name}.")
        return
    layers = ("heatmap", "real", "fake", "arrows") if st.session_state.get(WALK) else ("heatmap", "real", "fake")
    figure = playground.playground_figure(now.views.get("real"), now.samples, now.views, layers, max_points=256)
    figure["layout"]["title"]["text"] = "Real (green) vs generated (purple) points"
    figure["layout"]["legend"]["y"] = -0.3  # below the x-axis title in this shorter chart
    chart(points_over_arrows(figure), "ov:demo", height=420)
    st.caption(f"Purple: {generator_label(now)}. The verdicts above always score G as it trains.")
    if history_rows(now):
        chart(curves.loss_figure(now.history, loss=now.config.loss), "ov:loss", height=260)
    else:
        chart(
            theme.empty_figure("press ▶ Start to watch the losses", "Losses: discriminator vs generator"),
            "ov:loss",
            height=260,
        )


with demo_col:
    live([run], _demo)

st.subheader("Where to next")
lessons = [p for p in PAGES if p.path in PAGE_LESSONS]
for page, col in zip(lessons, st.columns(len(lessons))):
    with col:
        st.page_link(page.path, label=f"**{page.title}**", icon=page.icon)
        st.caption(PAGE_LESSONS[page.path])
