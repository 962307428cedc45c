"""Theory page: the 1D picture and the loss curves render, the loss switch reaches the run, the
run's operating point is marked, and a head start for D shows the saturating gradient vanish."""

from __future__ import annotations

import math
import re

from apptest_utils import chart_figures, open_app, session_run, wait_for

from figures.objective import format_probability
from figures.theory import LOG4

PAGE = "app_pages/theory.py"


def operating_point(fig: dict) -> str | None:
    for a in fig["layout"].get("annotations", []):
        if a.get("text", "").startswith("this run"):
            return a["text"]
    return None


def test_theory_renders_the_figures_and_formulas():
    at = open_app(PAGE)
    figs = chart_figures(at)
    assert set(figs) == {"theory:density", "theory:value", "theory:criterion", "theory:g-loss"}
    names = {t.get("name") for t in figs["theory:density"]["data"]}
    assert {"p_data (real)", "p_g (generated)", "D(x)"} <= names
    assert any(n.startswith("optimal D*(x), where") for n in names)  # and the legend says where
    g_names = {t.get("name") for t in figs["theory:g-loss"]["data"]}
    assert any("saturating" in n and "non" not in n for n in g_names) and any("non-saturating" in n for n in g_names)
    latex = " ".join(x.value for x in at.latex)
    assert r"\log 4" in latex and "D^*(x)" in latex and "V(D,G)" in latex
    assert at.segmented_control(key="theory-page:data").value == "gauss1d"
    assert at.segmented_control(key="theory-page:loss").value == session_run(at, "theory").config.loss
    labels = {m.label: m.value for m in at.metric}
    assert labels["JS(p_data ‖ p_g)"].endswith(" nats") and labels["C(G) = −log 4 + 2·JS"].endswith(" nats")
    js = float(labels["JS(p_data ‖ p_g)"].removesuffix(" nats"))
    assert math.isclose(float(labels["C(G) = −log 4 + 2·JS"].removesuffix(" nats")), -LOG4 + 2 * js, abs_tol=2e-3)


def test_js_is_shown_with_the_floor_a_perfect_g_reads():
    """Issue 13 item 7: the smoothed-density JS of real samples against p_data is not 0; the tile's help
    says what it is and C(G)'s chart draws where a perfect G levels off."""
    at = open_app(PAGE)
    run = session_run(at, "theory")
    run.step_once("both", times=3)
    at.run()
    floor = run.snapshot().views["floors"]["js_kde"]
    tile = next(m for m in at.metric if m.label == "JS(p_data ‖ p_g)")
    assert f"{floor:.3f} nats" in tile.help and "beyond the drawn window" in tile.help
    criterion = chart_figures(at)["theory:criterion"]
    assert any(math.isclose(sh["y0"], -LOG4 + 2 * floor, abs_tol=1e-9) for sh in criterion["layout"]["shapes"])
    assert "nats" in criterion["layout"]["yaxis"]["title"]["text"]


def test_switching_the_loss_reaches_the_run_and_the_sidebar():
    at = open_app(PAGE)
    run = session_run(at, "theory")
    at.segmented_control(key="theory-page:loss").set_value("minimax").run()
    assert not at.exception
    assert run.config.loss == "minimax"
    assert at.sidebar.selectbox(key="theory:loss").value == "minimax"
    # while training the change is applied at the next step
    at.sidebar.button(key="theory:btn:start").click().run()
    at.segmented_control(key="theory-page:loss").set_value("nonsaturating").run()
    assert wait_for(lambda: run.config.loss == "nonsaturating", timeout=10)
    at.run()
    assert at.segmented_control(key="theory-page:loss").value == "nonsaturating"


def test_the_sidebar_loss_box_moves_the_page_switch():
    at = open_app(PAGE)
    at.sidebar.selectbox(key="theory:loss").set_value("minimax").run()
    assert at.segmented_control(key="theory-page:loss").value == "minimax"
    at.sidebar.selectbox(key="theory:loss").set_value("hinge").run()
    assert at.segmented_control(key="theory-page:loss").value is None  # not one of the two
    assert any("not a probability" in w.value for w in at.warning)


def test_operating_point_is_marked_once_the_run_has_stats():
    at = open_app(PAGE)
    assert operating_point(chart_figures(at)["theory:g-loss"]) is None  # no step yet: nothing to mark
    at.sidebar.button(key="theory:btn:start").click().run()
    run = session_run(at, "theory")
    assert wait_for(lambda: run.snapshot().last is not None and run.snapshot().step > 5, timeout=20)
    at.run()
    d_fake = run.snapshot().last.d_fake
    mark = operating_point(chart_figures(at)["theory:g-loss"])
    assert mark is not None
    marked = float(re.findall(r"[0-9]*\.[0-9]+", mark)[-1])
    assert abs(marked - d_fake) < 0.2  # the run moves on between the render and this snapshot
    assert any(t.get("name") == "this run" for t in chart_figures(at)["theory:value"]["data"])


def test_data_switch_keeps_the_loss():
    at = open_app(PAGE)
    at.segmented_control(key="theory-page:loss").set_value("minimax").run()
    at.segmented_control(key="theory-page:data").set_value("bimodal1d").run()
    assert not at.exception
    cfg = session_run(at, "theory").config
    assert (cfg.dataset, cfg.loss) == ("bimodal1d", "minimax")
    assert at.segmented_control(key="theory-page:data").value == "bimodal1d"


def metric(at, prefix: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(prefix))


def test_head_start_makes_d_win_and_the_saturating_gradient_vanish():
    at = open_app(PAGE)
    run = session_run(at, "theory")
    at.segmented_control(key="theory-page:loss").set_value("minimax").run()
    at.button(key="theory-page:head-start").click().run()
    assert not at.exception
    snap = run.snapshot()
    assert snap.step == 0 and snap.g_updates == 0 and snap.d_updates >= 100  # only D trained
    assert snap.last.d_fake < 0.15  # D confidently rejects the fakes
    saturating, nonsaturating = float(metric(at, "Push per fake, saturating")), float(metric(at, "Push per fake, non"))
    assert nonsaturating > 5 * saturating
    # The measured gradient tells the same story: one G step with each loss from (almost) the same D.
    at.sidebar.button(key="theory:btn:step-g").click().run()
    assert run.config.loss == "minimax" and run.snapshot().g_updates == 1
    g_minimax = float(metric(at, "G's gradient norm"))
    at.segmented_control(key="theory-page:loss").set_value("nonsaturating").run()
    at.sidebar.button(key="theory:btn:step-g").click().run()
    g_nonsaturating = float(metric(at, "G's gradient norm"))
    assert g_nonsaturating > 5 * g_minimax, (g_minimax, g_nonsaturating)


def criterion_x(at) -> list[float]:
    import numpy as np

    fig = chart_figures(at)["theory:criterion"]
    x = fig["data"][0]["x"]
    if isinstance(x, dict):  # a base64 typed array, as Plotly ships numpy arrays
        import base64

        x = np.frombuffer(base64.b64decode(x["bdata"]), dtype=x["dtype"]).tolist()
    return [float(v) for v in x]


def test_step_g_after_a_head_start_moves_the_numbers_it_claims():
    """Issue 13, items 2 and 4: after D's head start each Step G changes the D(G(z)) tile, both
    push tiles and the marked operating point (they come from that step, not D's last one), and
    the head start takes its 150 D updates of room on the C(G) chart, shaded as D alone."""
    at = open_app(PAGE)
    run = session_run(at, "theory")
    at.segmented_control(key="theory-page:loss").set_value("minimax").run()
    at.button(key="theory-page:head-start").click().run()
    assert max(criterion_x(at)) == run.snapshot().d_updates >= 100  # not all at step 0
    bands = [sh for sh in chart_figures(at)["theory:criterion"]["layout"]["shapes"] if sh["type"] == "rect"]
    assert [(b["x0"], b["x1"]) for b in bands] == [(0.0, float(run.snapshot().d_updates))]

    def seen() -> tuple[str, str, str, str]:
        return (
            metric(at, "D(G(z))"),
            metric(at, "Push per fake, saturating"),
            metric(at, "Push per fake, non"),
            operating_point(chart_figures(at)["theory:g-loss"]),
        )

    before = seen()
    for i in range(3):
        at.sidebar.button(key="theory:btn:step-g").click().run()
        assert not at.exception
        now = seen()
        assert all(a != b for a, b in zip(now, before)), (i, before, now)
        d_fake = run.snapshot().last.d_fake
        assert now[0] == format_probability(d_fake) and format_probability(d_fake) in now[3]
        before = now
    assert run.snapshot().g_updates == 3 and run.snapshot().step == 0


def test_the_page_attributes_the_papers_results():
    """Issue 13, item 5: Theorem 1 is the global minimum of C(G); the step-by-step convergence
    argument (D optimal before each G step, updates of p_g itself) is Proposition 2; D ≈ ½ holds
    where the data is, not everywhere."""
    at = open_app(PAGE)
    notice = " ".join(i.value for i in at.info)
    assert "Proposition 2" in notice and "Theorem 1" in notice
    assert "Theorem 1 assumes" not in notice
    assert "global minimum of C(G)" in notice
    assert "½ everywhere" not in notice and "½ where the data is" in notice


def test_the_adam_aside_says_how_long_its_running_size_remembers():
    """Issue 24 item 4: Adam's running size (β₂ 0.999) remembers ~1,000 updates, so right after a loss
    switch the step follows the new gradient over the old running size: not "about as far at first"."""
    at = open_app(PAGE)
    texts = " ".join(m.value for m in at.markdown)
    assert "remembers roughly the last 1,000 updates" in texts
    assert "at first G moves about as far" not in texts
