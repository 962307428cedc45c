"""Overview page, driven like a browser with AppTest: the diagram, the walk-through, the demo."""

from __future__ import annotations

import re

import numpy as np
from apptest_utils import chart_figures, open_app, session_run, wait_for

from gan_core.config import format_rate
from ui.pages import PAGES

PAGE = "app_pages/overview.py"
SLOT = "overview"


def _diagram(at) -> str:
    svgs = [m.value for m in at.markdown if m.value.startswith("<svg")]
    assert len(svgs) == 1, "the GAN diagram is drawn once"
    return svgs[0]


def _net_class(svg: str, letter: str) -> str:
    match = re.search(r'<g class="([^"]*)" style="--c:[^"]*"><rect[^>]*/><text[^>]*class="ganx-big">' + letter, svg)
    assert match, f"network {letter} not found in the diagram"
    return match.group(1)


def _charts(at) -> list[dict]:
    """The page's live charts' figures, in page order (ui.charts.live_chart)."""
    return list(chart_figures(at).values())


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_renders_the_lesson_with_diagram_demo_and_links():
    at = open_app(PAGE)
    assert at.title[0].value.endswith("What is a GAN?")
    svg = _diagram(at)
    assert "READY" in svg and "ganx-neutral" in _net_class(svg, "G")
    assert at.button(key="ov:start").label == "▶ Start training"  # the call to action on a fresh run
    assert at.toggle(key="ov:walk").value is False
    charts = _charts(at)
    assert len(charts) == 2  # real vs fake points, losses
    assert "heatmap" in [t["type"] for t in charts[0]["data"]]
    tiles = _metrics(at)
    assert tiles["Step"] == "0" and re.fullmatch(r"0\.\d{3}", tiles["D(x), real"])
    links = {link.proto.page for link in at.get("page_link")}
    assert links == {p.url_path for p in PAGES if p.path != PAGE}  # every other page, by its URL
    assert any("What to notice" in i.value for i in at.info)


def test_walk_through_trains_d_then_g_and_explains_each_stage():
    at = open_app(PAGE)
    at.toggle(key="ov:walk").set_value(True).run()
    run = session_run(at, SLOT)
    untrained = run.snapshot().samples

    at.button(key="ov:walk-d").click().run()
    assert not at.exception
    snap = run.snapshot()
    assert (snap.d_updates, snap.g_updates, snap.last_phase) == (1, 0, "d")
    np.testing.assert_array_equal(snap.samples, untrained)  # G was frozen
    svg = _diagram(at)
    assert "ganx-training" in _net_class(svg, "D") and "ganx-frozen" in _net_class(svg, "G")
    assert any("D just learned; G was frozen" in m.value for m in at.markdown)
    assert any(
        m.value.startswith(("It worked: the gap", "This time the gap", "The gap between D's two verdicts barely moved"))
        for m in at.markdown
    )
    tiles = {m.label: m for m in at.metric}
    assert tiles["D(x) on real points"].delta  # the change this update made is shown
    assert re.fullmatch(r"\d\.\d{3}", tiles["D loss on its batch"].value)
    assert at.button(key="ov:walk-g").proto.type == "primary"  # G is next

    samples_after_d = snap.samples
    at.button(key="ov:walk-g").click().run()
    snap = run.snapshot()
    assert (snap.d_updates, snap.g_updates, snap.last_phase) == (1, 1, "g")
    svg = _diagram(at)
    assert "ganx-frozen" in _net_class(svg, "D") and "ganx-training" in _net_class(svg, "G")
    assert any("G just learned; D was frozen" in m.value for m in at.markdown)
    tiles = {m.label: m for m in at.metric}
    assert tiles["D(x) on real points"].delta == "unchanged"  # D was frozen: its verdict on real data too
    assert "G loss on its batch" in tiles
    assert not np.array_equal(snap.samples, samples_after_d)  # G moved its points


def test_walk_through_pauses_a_running_run_before_stepping():
    at = open_app(PAGE)
    run = session_run(at, SLOT)
    run.start()
    assert wait_for(lambda: run.snapshot().step > 0)
    at.toggle(key="ov:walk").set_value(True).run()
    assert run.snapshot().status == "paused"
    before = run.snapshot()
    at.button(key="ov:walk-d").click().run()
    after = run.snapshot()
    assert after.d_updates == before.d_updates + 1 and after.g_updates == before.g_updates


def test_start_button_goes_live_and_the_demo_shows_training_numbers():
    at = open_app(PAGE)
    at.button(key="ov:start").click().run()
    run = session_run(at, SLOT)
    assert run.snapshot().is_active  # the page was drawn already knowing the run is live
    assert "LIVE" in _diagram(at)
    assert any("take turns: 1 D step, then 1 G step" in m.value for m in at.markdown)
    assert wait_for(lambda: run.snapshot().step >= 3 and run.snapshot().history["step"].size >= 3)
    at.run()
    assert not at.exception
    assert int(_metrics(at)["Step"].replace(",", "")) >= 3
    loss = _charts(at)[1]
    assert {t["name"] for t in loss["data"]} >= {"D loss", "G loss"}
    assert "ov:start" not in [b.key for b in at.button]  # no call to action once training


def test_the_walk_throughs_before_is_ds_verdict_right_before_the_update():
    """Issue 24 item 5: pause a live run, press a step: the "before" the page compares with is D's
    verdict at that moment (on the same fixed batches as the "after"), not a snapshot from the last
    evaluation, which can be hundreds of steps old."""
    at = open_app(PAGE)
    run = session_run(at, SLOT)
    run.start()
    assert wait_for(lambda: run.snapshot().step > 300, timeout=60)
    at.toggle(key="ov:walk").set_value(True).run()  # pauses the run for the walk-through
    assert run.snapshot().status == "paused"
    for button in ("ov:walk-g", "ov:walk-d"):
        with run._trainer_lock:
            now = run.evaluator.verdicts()  # D's verdicts on the paused run, before the click
        at.button(key=button).click().run()
        assert not at.exception
        before = at.session_state["ov:walk-result"]["before"]
        assert (before.on_real, before.on_fake) == (now["real"], now["fake"])
        after = run.snapshot().views["d_verdict"]
        assert (after["real"], after["fake"]) != (now["real"], now["fake"])  # the update moved something


def test_the_walk_through_quotes_the_rate_the_update_used():
    """Review of issue 24: with the rates decayed (ring8 halves them every 1,500 steps) the caption quoted
    the set rate, 0.001, where the update used 2.5e-4."""
    at = open_app(PAGE)
    run = session_run(at, SLOT)
    run.update(lr_halflife=10)  # ring8's own is 1,500 steps: the same staircase, sooner
    run.step_once("both", times=30, wait=60)
    at.toggle(key="ov:walk").set_value(True).run()
    at.button(key="ov:walk-d").click().run()
    caption = next(c.value for c in at.caption if c.value.startswith("One update is a small nudge"))
    used = run.snapshot().last.lr_d
    assert used < run.config.lr_d
    assert f"learning rate {format_rate(used)} at this step, set to {format_rate(run.config.lr_d)}" in caption


def test_the_diagram_and_tiles_name_a_critic_under_a_wasserstein_loss():
    at = open_app(PAGE)
    at.sidebar.selectbox(key=f"{SLOT}:loss").set_value("wgan-gp").run()
    assert not at.exception
    svg = _diagram(at)
    assert "critic(·) higher: “real”" in svg and "near 1" not in svg
    assert "critic(x), real" in _metrics(at)
