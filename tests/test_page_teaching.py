"""Teaching with the app (issue 15), through AppTest: known states, links that reproduce the screen,
presentation mode, and the teacher's reserved training slot and key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from apptest_utils import open_app, session_run, wait_for
from streamlit.testing.v1 import AppTest

from classroom import slots as scheduler_module
from classroom.pairings import PAIRINGS
from classroom.slots import Scheduler
from gan_core.presets import PRESETS
from gan_core.runs.runner import TrainingRun
from gan_core.runs.snapshot import QUEUED, RUNNING
from ui.copy_link import COMPONENT_NAME
from ui.pages import PAGES

PLAYGROUND, LAB, THEORY, LATENT = (
    "app_pages/playground.py",
    "app_pages/mode_collapse.py",
    "app_pages/theory.py",
    "app_pages/latent_space.py",
)
KEY = "s3cret-teacher-key-1234"


def open_link(page: str, params: dict[str, str]) -> AppTest:
    """Open `page` as a student who clicked a link with `params` would."""
    at = open_app()
    at.query_params.clear()
    at.query_params.update(params)
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def link_warnings(at: AppTest) -> list[str]:
    return [w.value for w in at.warning if w.icon == "🔗"]


def weights(run: TrainingRun) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in run.trainer.generator.parameters()])


# --- 1. known states ------------------------------------------------------------------------------
def test_restore_preset_puts_every_setting_back_at_step_0():
    at = open_app(PLAYGROUND)
    run = session_run(at, "playground")
    preset = PRESETS["ring8"].config
    at.sidebar.select_slider(key="playground:lr_g").set_value(2e-4).run()
    at.sidebar.slider(key="playground:d_steps").set_value(4).run()
    at.sidebar.selectbox(key="playground:loss").set_value("least-squares").run()
    at.sidebar.button(key="playground:btn:new-seed").click().run()
    run.step_once("both", times=5)
    assert run.config != preset and run.snapshot().step == 5
    at.sidebar.button(key="playground:btn:restore-preset").click().run()
    assert not at.exception
    assert run.config == preset and run.snapshot().step == 0
    assert at.sidebar.select_slider(key="playground:lr_g").value == preset.lr_g  # the controls follow
    assert at.sidebar.slider(key="playground:d_steps").value == preset.d_steps
    assert at.sidebar.number_input(key="playground:seed").value == preset.seed
    assert dict(at.query_params) == {"preset": "ring8"}


def test_new_seed_draws_other_weights_keeps_the_settings_and_reset_says_what_it_keeps():
    at = open_app(PLAYGROUND)
    run = session_run(at, "playground")
    seed0 = weights(run)
    at.sidebar.select_slider(key="playground:lr_g").set_value(2e-4).run()
    run.step_once("both", times=3)
    at.sidebar.button(key="playground:btn:new-seed").click().run()
    assert not at.exception
    seed = run.config.seed
    assert seed != 0 and at.sidebar.number_input(key="playground:seed").value == seed
    assert run.snapshot().step == 0 and run.config.lr_g == pytest.approx(2e-4)  # settings kept
    assert not torch.equal(weights(run), seed0)
    assert at.query_params["seed"] == str(seed)
    at.sidebar.number_input(key="playground:seed").set_value(0).run()  # the seed control itself
    assert torch.equal(weights(run), seed0)  # same seed, same starting weights: the same race
    reset_help = at.sidebar.button(key="playground:btn:reset").help
    assert "same seed" in reset_help and "live changes included" in reset_help


def test_the_labs_seed_restarts_both_runs_on_one_seed():
    at = open_app(LAB)
    at.sidebar.button(key="lab-a:btn:new-seed").click().run()
    a, b = session_run(at, "lab-a"), session_run(at, "lab-b")
    assert a.config.seed == b.config.seed != 0
    assert at.pills(key="lab:pairing").value == "tuned"  # still the pairing, on another seed
    assert at.query_params["seed"] == str(a.config.seed)


# --- 2. the URL reproduces the screen --------------------------------------------------------------
def test_a_link_restores_a_lab_pairing_and_data():
    at = open_link(LAB, {"pairing": "dsteps", "dataset": "grid25", "seed": "7", "heatmap": "1"})
    a, b = session_run(at, "lab-a"), session_run(at, "lab-b")
    expected = tuple(c.replace(seed=7) for c in PAIRINGS["dsteps"].configs("grid25"))
    assert (a.config, b.config) == expected
    assert at.pills(key="lab:pairing").value == "dsteps"
    assert at.segmented_control(key="lab:dataset").value == "grid25"
    assert at.toggle(key="lab:heatmap").value is True
    assert link_warnings(at) == []
    assert dict(at.query_params) == {"pairing": "dsteps", "dataset": "grid25", "seed": "7", "heatmap": "1"}


def test_a_preset_link_on_the_lab_sets_both_runs_and_keeps_the_pairing():
    """?preset= on the lab used to replace run A only, breaking the pairing."""
    at = open_link(LAB, {"preset": "grid25-collapse", "pairing": "mbstd"})
    a, b = session_run(at, "lab-a"), session_run(at, "lab-b")
    assert (a.config, b.config) == PAIRINGS["mbstd"].configs("grid25")
    assert at.pills(key="lab:pairing").value == "mbstd"
    other = open_link(LAB, {"preset": "spiral"})
    assert any("spiral" in w and "lab compares" in w for w in link_warnings(other))
    assert at.pills(key="lab:pairing").value is not None


def test_a_click_that_races_the_address_bar_is_not_undone_by_the_old_link():
    """The browser may send a rerun with the query string it had before the page rewrote it (the
    click came first): that old link was applied already and must not be applied again."""
    at = open_link(LAB, {"pairing": "dsteps"})
    at.query_params.clear()
    at.query_params["pairing"] = "dsteps"  # the address bar as the first load left it
    at.segmented_control(key="lab:dataset").set_value("grid25").run()
    assert session_run(at, "lab-a").config.dataset == "grid25"
    assert at.segmented_control(key="lab:dataset").value == "grid25"


def test_a_link_restores_a_theory_choice():
    at = open_link(THEORY, {"preset": "gauss1d", "dataset": "bimodal1d", "loss": "minimax"})
    run = session_run(at, "theory")
    assert (run.config.dataset, run.config.loss) == ("bimodal1d", "minimax")
    assert at.segmented_control(key="theory-page:data").value == "bimodal1d"
    assert at.segmented_control(key="theory-page:loss").value == "minimax"
    assert at.sidebar.selectbox(key="theory:loss").value == "minimax"
    assert link_warnings(at) == []


def test_a_link_sets_the_image_pages_data():
    at = open_link("app_pages/image_gan.py", {"preset": "digits", "dataset": "shapes", "lr_d": "0.0002"})
    run = session_run(at, "images")
    assert run.config == PRESETS["digits"].config.replace(dataset="shapes", lr_d=2e-4)
    assert at.radio(key="images:dataset").value == "shapes"
    assert link_warnings(at) == []
    assert dict(at.query_params) == {"preset": "digits", "dataset": "shapes", "lr_d": "0.0002"}


def test_a_bad_parameter_among_good_ones_is_one_line_and_the_rest_applies():
    at = open_link(
        PLAYGROUND,
        {"preset": "ring8-collapse", "lr_g": "fast", "d_steps": "3", "frobnicate": "[x](http://x)", "show": "real"},
    )
    run = session_run(at, "playground")
    assert run.config == PRESETS["ring8-collapse"].config.replace(d_steps=3)
    assert at.pills(key="pg:layers").value == ["real"]
    warnings = link_warnings(at)
    assert len(warnings) == 2 and all("\n" not in w for w in warnings), warnings
    assert any(w.startswith("Ignored lr_g=") and "number" in w for w in warnings)
    assert any("frobnicate" in w and "](" not in w.replace("\\]\\(", "") for w in warnings)  # no link injected
    assert dict(at.query_params) == {"preset": "ring8-collapse", "d_steps": "3", "show": "real"}


def test_every_control_is_written_as_it_changes_and_the_link_reproduces_the_page():
    at = open_app(PLAYGROUND)
    at.segmented_control(key="pg:dataset").set_value("grid25").run()  # loads the grid25 preset
    at.sidebar.select_slider(key="playground:lr_g").set_value(2e-4).run()
    at.sidebar.select_slider(key="playground:lr_halflife").set_value(3000).run()  # grid25's is 2,000
    at.sidebar.toggle(key="playground:smoothed_view").set_value(True).run()
    at.pills(key="pg:layers").set_value(["real", "fake", "manifold"]).run()
    at.toggle(key="pg:arrows-to-scale").set_value(True).run()
    assert not at.exception
    params = dict(at.query_params)
    assert params["preset"] == "grid25"
    assert {"lr_g", "lr_halflife", "smoothed_view", "show", "arrows_to_scale"} <= set(params), params
    original = session_run(at, "playground").config
    again = open_link(PLAYGROUND, params)
    assert session_run(again, "playground").config == original
    assert session_run(again, "playground").snapshot().smoothed_view  # a view, not a setting, yet it travels
    assert again.pills(key="pg:layers").value == ["real", "fake", "manifold"]
    assert again.toggle(key="pg:arrows-to-scale").value is True
    assert link_warnings(again) == [] and dict(again.query_params) == params
    link = copy_link_data(again)
    assert link.startswith("./playground?") and "lr_halflife=3000" in link


def test_the_latent_pages_source_and_seeds_travel_in_the_link():
    at = open_app(LATENT)
    at.number_input(key="latent:seed-a").set_value(11).run()
    at.number_input(key="latent:seed-b").set_value(12).run()
    at.slider(key="latent:t").set_value(0.25).run()
    at.radio(key="latent:source").set_value("run").run()
    params = dict(at.query_params)
    assert {"seed_a": "11", "seed_b": "12", "t": "0.25", "source": "run"}.items() <= params.items()
    again = open_link(LATENT, params)
    assert again.number_input(key="latent:seed-a").value == 11
    assert again.radio(key="latent:source").value == "run"
    assert again.slider(key="latent:t").value == pytest.approx(0.25)
    bad = open_link(LATENT, {"seed_a": "-4", "source": "upload"})
    assert len(link_warnings(bad)) == 2 and bad.number_input(key="latent:seed-a").value == 1
    clothes = open_link(LATENT, {"source": "pretrained-fashion", "seed_a": "5"})  # the shipped clothes generator
    assert link_warnings(clothes) == [] and clothes.radio(key="latent:source").value == "pretrained-fashion"
    assert any("Fashion-MNIST clothes" in c.value for c in clothes.caption)


def test_presentation_mode_from_the_link_hides_server_internals_and_sizes_the_charts():
    at = open_link(PLAYGROUND, {"preset": "ring8", "present": "1", "hide": "loss,betas"})
    assert at.sidebar.toggle(key="present:toggle").value is True
    sidebar_text = " ".join(c.value for c in at.sidebar.caption)
    assert "training slots busy" not in sidebar_text
    assert not [s for s in at.sidebar.selectbox if s.key == "playground:loss"]  # hidden by the teacher
    assert at.sidebar.select_slider(key="playground:lr_g")  # the rest stays
    from apptest_utils import chart_figures

    title = chart_figures(at)["pg:field"]["layout"]["title"]["font"]["size"]
    assert title > 19 * 1.3
    assert dict(at.query_params)["present"] == "1" and dict(at.query_params)["hide"] == "loss,betas"
    at.sidebar.toggle(key="present:toggle").set_value(False).run()
    assert "training slots busy" in " ".join(c.value for c in at.sidebar.caption)
    assert "present" not in dict(at.query_params)


def copy_link_data(at: AppTest) -> str:
    (element,) = [e for e in at.get("bidi_component") if e.proto.component_name == COMPONENT_NAME]
    data = json.loads(element.proto.json)
    return (json.loads(data) if isinstance(data, str) else data)["link"]


# --- 4. the teacher first -------------------------------------------------------------------------
@pytest.fixture
def teacher_server(monkeypatch):
    """A server with a teacher key, 2 shared training slots, short turns, and 1 reserved slot."""
    monkeypatch.setenv("GAN_EXPLAINER_TEACHER_KEY", KEY)
    sched = Scheduler(2, turn_seconds=0.3, reserved=1)
    monkeypatch.setattr(scheduler_module.default_scheduler, "_made", sched)  # restored afterwards
    yield sched


def test_the_teacher_key_reserves_a_slot_while_four_student_runs_queue(teacher_server):
    small = PRESETS["ring8"].config.replace(g_width=16, d_width=16, batch_size=32)
    students = [TrainingRun(small, admission=teacher_server) for _ in range(6)]
    for run in students:
        run.start()
    assert wait_for(lambda: teacher_server.active_count == 2 and teacher_server.queued_count == 4)
    at = open_link(PLAYGROUND, {"teacher": KEY, "preset": "ring8"})
    assert "teacher" not in at.query_params  # gone from the address bar in the first run
    assert any("reserved slot" in c.value for c in at.sidebar.caption)
    at.sidebar.button(key="playground:btn:start").click().run()
    run = session_run(at, "playground")
    assert run.snapshot().status == RUNNING  # never queued
    turns = wait_for(lambda: sum(s.snapshot().message.startswith("Taking turns") for s in students) >= 2)
    assert turns  # the students take turns meanwhile...
    assert wait_for(lambda: run.snapshot().step > 0)
    assert run.snapshot().status == RUNNING and not run.snapshot().message  # ...the teacher keeps the slot
    # The six students share two slots (between two turns up to all six wait); the teacher has its own.
    assert teacher_server.queued_count >= 4 and teacher_server.active_count <= 2
    assert teacher_server.reserved_active_count == 1 and teacher_server.request(run) == 0
    # A student session without the key queues like everybody else.
    student = open_app(PLAYGROUND)
    student.sidebar.button(key="playground:btn:start").click().run()
    assert session_run(student, "playground").snapshot().status == QUEUED
    for r in students:
        r.stop()


def test_a_wrong_teacher_key_gets_no_slot_and_is_never_repeated(teacher_server):
    at = open_link(PLAYGROUND, {"teacher": "guess-" + KEY[:6]})
    assert "teacher" not in at.query_params
    (warning,) = link_warnings(at)
    assert "not accepted" in warning and "guess" not in warning
    assert not any("reserved slot" in c.value for c in at.sidebar.caption)


def _all_text(at: AppTest) -> str:
    """Everything the session's page sends to the browser: every element's protobuf, as text."""
    out = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


def test_the_teacher_key_is_absent_from_every_pages_output(teacher_server, caplog):
    at = open_link(PLAYGROUND, {"teacher": KEY})
    for page in PAGES:
        at.switch_page(page.path).run()
        assert not at.exception, page.path
        text = _all_text(at)
        assert "Presentation mode" in text and COMPONENT_NAME in text  # the walk sees sidebar and components
        assert "reserved slot" in text or page.url_path == "board", page.path  # the teacher's session
        assert KEY not in text, page.path
        assert KEY not in json.dumps(dict(at.query_params)), page.path
    assert KEY not in caplog.text  # nor in a log line (the browser test also reads the server's log)


def _readme_links() -> list[tuple[str, dict[str, str]]]:
    """Every page link the README documents (http://<server>:8501/<page>?...), as (page path, params)."""
    import re
    from urllib.parse import parse_qsl, urlsplit

    from ui.pages import BY_URL

    text = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    links = []
    for url in re.findall(r"http://<server>:8501/[^\s`)]*", text):
        parts = urlsplit(url.replace("<server>", "server"))
        params = dict(parse_qsl(parts.query))
        page = parts.path.strip("/")
        if "teacher" in params or not page:
            continue  # the teacher key's link is tested above
        links.append((BY_URL[page].path, params))
    return links


README_LINKS = _readme_links()


@pytest.mark.parametrize("page, params", README_LINKS, ids=[f"{p}?{q}" for p, q in README_LINKS])
def test_every_link_the_readme_documents_opens_that_screen(page, params):
    """Issue 23 item 3: each link in the README is applied without a complaint, and the address bar
    afterwards says the same (the screen it describes is the one on show)."""
    at = open_link(page, params)
    assert link_warnings(at) == []
    assert dict(at.query_params) == params
