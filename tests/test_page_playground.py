"""2D playground page, driven like a browser with AppTest, plus its helpers."""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
import pytest
from apptest_utils import chart_figures, open_app, session_run, wait_for

from figures import curves, playground, quality, theme
from gan_core.presets import get_preset
from gan_core.quality.metrics import MODE_COVERAGE
from gan_core.runs.runner import TrainingRun
from ui.playground import (
    COVERAGE_LABEL,
    COVERAGE_RULE,
    apply_architecture,
    heart_points_text,
    points_over_arrows,
)

PAGE = "app_pages/playground.py"
SLOT = "playground"
CSV = "x,y\n" + "\n".join(f"{np.cos(a):.3f},{np.sin(a):.3f}" for a in np.linspace(0, 6, 30))


def _charts(at) -> list[dict]:
    """The page's live charts' figures, in page order (ui.charts.live_chart)."""
    return list(chart_figures(at).values())


def _specs(at) -> dict[str, dict]:
    """Each chart's figure, by its title."""
    out = {}
    for fig in _charts(at):
        title = fig["layout"].get("title", {}).get("text", "") or ""
        out[title.split("<br>")[0]] = fig
    return out


def _metrics(at) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_playground_renders_controls_charts_and_tiles():
    at = open_app(PAGE)
    assert at.title[0].value.endswith("2D playground")
    data = at.button_group(key="pg:dataset")
    assert data.value == "ring8" and len(data.options) == 5
    layers = at.button_group(key="pg:layers")
    assert set(layers.value) == {"real", "fake", "heatmap", "arrows"} and len(layers.options) == 5
    assert any("architecture" in e.label for e in at.expander)
    assert len(_charts(at)) == 6
    tiles = _metrics(at)
    assert tiles[COVERAGE_LABEL] == "0/8" and tiles["Step"] == "0" and "High-quality %" in tiles
    assert any("What to notice" in i.value for i in at.info)


def test_layer_toggles_change_what_the_field_draws():
    at = open_app(PAGE)
    field = _specs(at)["Real vs generated points over D's view"]
    assert {t["type"] for t in field["data"]} == {"heatmap", "scatter"}
    at.button_group(key="pg:layers").set_value(["real", "manifold"]).run()
    field = _specs(at)["Real vs generated points over D's view"]
    names = [t.get("name") for t in field["data"]]
    assert names == ["G's manifold", "real data"]


def test_choosing_grid25_restarts_the_run_on_grid25_and_keeps_it_training():
    at = open_app(PAGE)
    run = session_run(at, SLOT)
    run.start()
    assert wait_for(lambda: run.snapshot().step >= 2)
    at.run()
    at.button_group(key="pg:dataset").set_value("grid25").run()
    assert not at.exception
    snap = run.snapshot()
    assert snap.dataset_name == "grid25" and snap.config == get_preset("grid25").config  # a fresh grid25 run
    assert snap.is_active  # it was training, so it goes on training on the new data
    assert at.session_state["_gan_runs"].presets[SLOT] == "grid25"  # the sidebar's preset follows
    assert at.selectbox(key=f"{SLOT}:preset-picker").value == "grid25"
    assert re.fullmatch(r"\d+/25", _metrics(at)[COVERAGE_LABEL])  # the grid has 25 modes
    assert any("restarted at step 0" in i.value for i in at.info)
    at.run()  # a later rerun must not switch it back
    assert run.snapshot().dataset_name == "grid25" and run.snapshot().is_active


def test_moons_keeps_the_networks_and_swaps_only_the_data():
    at = open_app(PAGE)
    run = session_run(at, SLOT)
    before = run.config
    at.button_group(key="pg:dataset").set_value("moons").run()
    assert run.snapshot().dataset_name == "moons"
    assert run.config.replace(dataset="ring8") == before
    tiles = _metrics(at)
    assert tiles["Modes covered"] == "—"  # no modes to count: the JS tile stands in, in nats
    assert tiles["JS divergence"] == "—" or tiles["JS divergence"].endswith(" nats")


def test_uploading_a_csv_trains_on_those_points_and_a_bad_one_says_why():
    at = open_app(PAGE)
    run = session_run(at, SLOT)
    at.button_group(key="pg:dataset").set_value("custom").run()
    assert run.snapshot().dataset_name == "ring8"  # choosing "your own points" alone changes nothing
    at.file_uploader(key="pg:upload").upload("bad.csv", b"x,y\n1,2\n3,oops\n", "text/csv").run()
    assert not at.exception
    assert "line 3" in at.error[0].value and "bad.csv" in at.error[0].value
    assert run.snapshot().dataset_name == "ring8"

    at.file_uploader(key="pg:upload").upload("circle.csv", CSV.encode(), "text/csv").run()
    assert not at.error
    snap = run.snapshot()
    assert (snap.dataset_name, snap.config.dataset, snap.step) == ("custom", "custom", 0)
    assert run.trainer.dataset.data.shape == (30, 2)
    assert any("30 points" in i.value for i in at.info)


PAGE_BAD_CSVS = [
    ("empty.csv", b"", "empty"),
    ("columns.csv", b"1,2\n3,4,5\n", "expected 2 columns"),
    ("nan.csv", b"1,2\nnan,4\n", "NaN or infinite"),
    ("binary.csv", b"\xff\xfe\x00\x01", "not UTF-8"),
    ("million.csv", b"0.5,0.25\n" * 300_000, "too many points"),
]


@pytest.mark.parametrize("name, data, message", PAGE_BAD_CSVS, ids=[n for n, _, _ in PAGE_BAD_CSVS])
def test_bad_csv_uploads_show_the_reason_and_the_run_keeps_its_data(name, data, message):
    at = open_app(PAGE)
    run = session_run(at, SLOT)
    at.button_group(key="pg:dataset").set_value("custom").run()
    at.file_uploader(key="pg:upload").upload(name, data, "text/csv").run()
    assert not at.exception
    assert message in at.error[0].value and name in at.error[0].value
    assert run.snapshot().dataset_name == "ring8"
    run.step_once("both")  # the run still trains on its last good data
    assert run.snapshot().step == 1


def test_typed_points_train_the_run_and_too_few_points_are_refused():
    at = open_app(PAGE)
    run = session_run(at, SLOT)
    at.button_group(key="pg:dataset").set_value("custom").run()
    at.text_area(key="pg:points").set_value("1,1\n2,2\n").run()
    at.button(key="pg:use-points").click().run()
    assert "at least 8 points" in at.error[0].value
    assert run.snapshot().dataset_name == "ring8"
    at.text_area(key="pg:points").set_value(heart_points_text()).run()
    at.button(key="pg:use-points").click().run()
    assert run.snapshot().dataset_name == "custom" and not at.error
    assert at.button_group(key="pg:dataset").value == "custom"


def test_live_training_fills_charts_and_metric_tiles():
    at = open_app(PAGE)
    run = session_run(at, SLOT)
    run.start()
    assert wait_for(lambda: run.snapshot().step >= 5 and run.snapshot().metric_history["step"].size >= 2)
    at.run()
    assert not at.exception
    specs = _specs(at)
    assert len(_charts(at)) == 6
    assert {
        "Losses: discriminator vs generator",
        "Discriminator accuracy",
        "What D says",
        "Modes covered (k/8) and %HQ",
        "Real vs fake: JS (nats)",
    } <= set(specs)
    accuracy = specs["Discriminator accuracy"]
    assert any(s.get("y0") == 0.5 and s["line"]["dash"] == "dash" for s in accuracy["layout"]["shapes"])
    assert {t["name"] for t in specs["Modes covered (k/8) and %HQ"]["data"]} >= {
        MODE_COVERAGE.label,
        "high-quality samples (%)",
    }
    divergence = specs["Real vs fake: JS (nats)"]  # with the floor a perfect G reads (issue 13 item 7)
    js_floor = run.snapshot().views["floors"]["js_grid"]
    assert any(sh["y0"] == pytest.approx(js_floor) for sh in divergence["layout"]["shapes"])
    tiles = _metrics(at)
    assert int(tiles["Step"].replace(",", "")) >= 5
    assert re.fullmatch(r"\d/8", tiles[COVERAGE_LABEL])
    assert re.fullmatch(r"\d+(\.\d)?%", tiles["High-quality %"])
    assert re.fullmatch(r"\d+%", tiles["D accuracy"])


def test_architecture_change_restarts_at_step_0_with_a_notice():
    at = open_app(PAGE)
    run = session_run(at, SLOT)
    run.start()
    assert wait_for(lambda: run.snapshot().step >= 100, timeout=60)
    at.run()
    before = run.snapshot().step
    g_layers = [s for s in at.slider if s.label == "G hidden layers"][0]
    assert g_layers.value == run.config.g_layers
    new = 1 if run.config.g_layers != 1 else 2
    g_layers.set_value(new)
    [b for b in at.button if b.label == "Apply and restart"][0].click().run()
    assert not at.exception
    assert run.config.g_layers == new
    # restarted (back below where it was; a loaded machine may train a few steps meanwhile), still training
    assert run.snapshot().step < min(before, 50) and run.snapshot().is_active
    assert any("Architecture changed (g_layers): the run restarted at step 0" in i.value for i in at.info)
    assert [s for s in at.slider if s.label == "G hidden layers"][0].value == new


# --- helpers -------------------------------------------------------------------------------------
def test_apply_architecture_changes_nothing_when_nothing_differs_and_refuses_other_fields():
    run = TrainingRun(get_preset("ring8").config)
    run.step_once("both")
    assert apply_architecture(run, g_layers=run.config.g_layers) == []
    assert run.snapshot().step == 1
    with pytest.raises(ValueError, match="not an architecture setting"):
        apply_architecture(run, lr_g=0.1)
    with pytest.raises(ValueError, match="g_width"):
        apply_architecture(run, g_width=0)
    assert apply_architecture(run, noise="uniform", activation="tanh") == ["activation", "noise"]
    assert run.snapshot().step == 0 and run.config.noise == "uniform"
    assert run.mode_count == 8


def test_every_figure_the_pages_send_passes_plotly_validation():
    """The pages skip plotly's (slow) validation at runtime; this is where it still happens."""
    run = TrainingRun(get_preset("ring8").config)
    for _ in range(3):
        run.step_once("both")
    snap = run.snapshot()
    figures = [
        points_over_arrows(playground.playground_figure(snap.views["real"], snap.samples, snap.views)),
        curves.loss_figure(snap.history),
        curves.accuracy_figure(snap.history),
        curves.d_outputs_figure(snap.history, True),
        quality.modes_figure(snap.metric_history, 8),
        quality.divergence_figure(snap.metric_history),
        theme.empty_figure("press start", "Losses"),
    ]
    for figure in figures:
        go.Figure(figure)  # raises on an invalid property
    names = [t.get("name", "") for t in figures[0]["data"]]
    assert names.index("generated") > [i for i, n in enumerate(names) if n.startswith("G's gradient")][0]


def test_a_full_server_queues_the_run_and_the_page_says_where_it_stands():
    """Every training slot taken by other students: the run waits, the sidebar says so (its place,
    that runs take turns), and it trains by itself once a slot frees up."""
    from classroom.slots import default_scheduler

    sched = default_scheduler()
    others = [object() for _ in range(sched.capacity)]
    try:
        assert all(sched.request(o) == 0 for o in others)
        at = open_app(PAGE)
        run = session_run(at, SLOT)
        run.start()
        at.run()
        assert not at.exception
        text = " ".join(e.value for e in at.sidebar.info) + " " + " ".join(c.value for c in at.sidebar.caption)
        assert "server is busy" in text and "yours is next" in text, text
        assert f"{sched.capacity} of {sched.capacity} training slots busy · 1 queued" in text, text
        assert "turns" in text
        assert run.snapshot().step == 0
    finally:
        for o in others:
            sched.release(o)
    assert wait_for(lambda: run.snapshot().step > 0), run.snapshot().status
    run.pause()


def test_pages_refresh_fast_only_while_a_run_trains():
    """Waiting runs do not rerun their charts (30 waiting pages starved the 2 training runs)."""
    from types import SimpleNamespace

    from ui.controls import live_mode

    def runs(*statuses):
        return [SimpleNamespace(snapshot=lambda s=s: SimpleNamespace(status=s)) for s in statuses]

    assert live_mode(runs("running", "queued")) == "training"
    assert live_mode(runs("queued", "paused")) == "waiting"
    assert live_mode(runs("paused", "idle")) is None


def test_the_playground_and_the_lab_call_the_same_modes_covered(monkeypatch):
    """Issue 13 item 6: one run read 8/8 on the playground (a mode with one good sample) and 6/8 in
    the lab (20 per 2,500). Both pages now show metrics.MODE_COVERAGE, the rule in the tile's label
    and help, VEEGAN's looser count in the help."""
    from dataclasses import replace

    scores = {"modes_covered": 8.0, "modes_covered_strict": 6.0, "hq_fraction": 0.9, "js_grid": 0.05}
    snapshot = TrainingRun.snapshot
    monkeypatch.setattr(TrainingRun, "snapshot", lambda self: replace(snapshot(self), metrics=dict(scores)))
    shown = {}
    for page in (PAGE, "app_pages/mode_collapse.py"):
        at = open_app(page)
        tiles = [m for m in at.metric if m.label == COVERAGE_LABEL]
        assert tiles, [m.label for m in at.metric]
        shown[page] = {m.value for m in tiles}
        assert all(m.delta == COVERAGE_RULE and "20 per 2,500" in COVERAGE_RULE for m in tiles)  # the rule, shown
        assert all("20 of the 2,500" in m.help and "VEEGAN" in m.help and "8/8" in m.help for m in tiles)
    assert shown == {PAGE: {"6/8"}, "app_pages/mode_collapse.py": {"6/8"}}
