"""The Class board page through AppTest (issue 15): the teacher opens a challenge, students join
with a nickname, train within the rules, and appear on the board; close and clear."""

from __future__ import annotations

import pytest
from apptest_utils import open_app, session_run
from streamlit.testing.v1 import AppTest

from classroom import board as board_module
from gan_core.presets import PRESETS

BOARD = "app_pages/board.py"
KEY = "board-teacher-key-99"


@pytest.fixture(autouse=True)
def fresh_board(monkeypatch):
    board_module.default_board.reset()
    monkeypatch.setattr(board_module, "MIN_REPORT_INTERVAL", 0.0)  # every AppTest rerun reports
    monkeypatch.setenv("GAN_EXPLAINER_TEACHER_KEY", KEY)
    yield
    board_module.default_board.reset()


def teacher() -> AppTest:
    at = open_app()
    at.query_params.clear()
    at.query_params["teacher"] = KEY
    at.switch_page(BOARD).run()
    assert not at.exception
    return at


def student(nickname: str | None = None) -> AppTest:
    at = open_app(BOARD)
    if nickname is not None:
        at.text_input(key="board:nickname").set_value(nickname)
        at.button(key="FormSubmitter:board:join-Join the challenge").click().run()
        assert not at.exception
    return at


def test_without_the_teacher_key_nobody_can_open_a_challenge():
    at = student()
    assert not [e for e in at.expander if "Run a challenge" in e.label]
    assert any("No challenge is open" in i.value for i in at.info)
    assert any("Join the class challenge" in c.value for c in at.sidebar.caption)  # no run yet
    assert "board" not in at.session_state["_gan_runs"].runs


def test_a_class_plays_a_challenge_on_the_board():
    t = teacher()
    t.selectbox(key="board:preset").set_value("ring8-collapse")
    t.multiselect(key="board:allowed").set_value(["lr_g", "lr_d", "d_steps"])
    t.button(key="board:btn:open").click().run()
    assert any("reach 8/8 modes changing only lr_g, lr_d and d_steps" in m.value for m in t.markdown)

    bad = student("x")
    assert any("2 to 20" in e.value for e in bad.error)
    ada = student("Ada")
    assert not ada.error
    run = session_run(ada, "board")
    assert run.config == PRESETS["ring8-collapse"].config
    # Allowed controls are live; the others are shown but locked.
    assert not ada.sidebar.select_slider(key="board:lr_g").disabled
    assert ada.sidebar.selectbox(key="board:loss").disabled
    assert ada.sidebar.number_input(key="board:seed").disabled
    taken = student("ADA")
    assert any("taken" in e.value for e in taken.error)

    ada.sidebar.slider(key="board:d_steps").set_value(3).run()
    for _ in range(5):  # five evaluations, one per step by hand: a result that held four of them
        run.step_once("both", times=20)
        ada.run()
    entries = board_module.default_board().view().entries
    assert len(entries) == 1 and entries[0].nickname == "Ada" and dict(entries[0].settings)["d_steps"] == 3

    t.run()  # the teacher's board shows the table and the chart
    table = t.table[0].value
    assert list(table["Nickname"]) == ["Ada"] and "d_steps 3" in table["Settings"][0]
    assert any(str(e.proto.id).endswith("board:chart") for e in t.get("bidi_component"))

    t.button(key="board:btn:close").click().run()
    ada.run()
    assert any("closed" in w.value for w in ada.warning) or board_module.default_board().view().is_open is False
    late = student()
    assert not list(late.get("form"))  # no joining a closed challenge
    t.button(key="board:btn:clear").click().run()
    ada.run()
    assert any("No challenge is open" in i.value for i in ada.info)
    assert any("Join the class challenge" in c.value for c in ada.sidebar.caption)
