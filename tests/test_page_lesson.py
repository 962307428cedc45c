"""A whole lesson through AppTest (issue 27): the teacher picks a lesson file and moves the class on,
students predict before they run, the teacher reveals; and a reload or a second tab keeps who is who.

Each AppTest is one browser tab; a `Browser` is the cookie jar its tabs share. AppTest has no browser,
so the jar is what the app's pass keeper (ui.identity.keep) asked the browser to store, handed back
the way Streamlit hands a new session its cookies (ui.identity.browser_cookies)."""

from __future__ import annotations

import json

import pytest
from apptest_utils import open_app, session_run
from streamlit.testing.v1 import AppTest

from classroom import board as board_module
from classroom import identity as identity_module
from classroom import live_lesson as live_module
from classroom.lesson_plan import LESSONS_ENV
from tests.test_lesson_plan import GOOD
from ui import identity as ui_identity

KEY = "lesson-teacher-key-4242"
BOARD, PLAYGROUND = "app_pages/board.py", "app_pages/playground.py"
COURSE = "lessons/gan-course.toml"


class Browser:
    """The cookies one browser keeps for the app: every tab it opens (a reload is one) starts with them."""

    jar_in_use: dict[str, str] = {}

    def __init__(self) -> None:
        self.cookies: dict[str, str] = {}

    def open(self, page: str | None = None, teacher_key: str | None = None) -> AppTest:
        Browser.jar_in_use = self.cookies
        at = open_app()
        if teacher_key is not None:
            at.query_params["teacher"] = teacher_key
            at.run()
        if page is not None:
            at.switch_page(page).run()
        return self.keep(at)

    def keep(self, at: AppTest) -> AppTest:
        """Store what the page's pass keeper wrote (run after every click that may earn a pass)."""
        assert not at.exception, [e.value for e in at.exception]
        for element in at.get("bidi_component"):
            if element.proto.component_name == ui_identity.COMPONENT_NAME:
                data = json.loads(element.proto.json)
                data = json.loads(data) if isinstance(data, str) else data
                self.cookies.update({c["name"]: c["value"] for c in data["cookies"]})
        return at


@pytest.fixture(autouse=True)
def fresh_class(monkeypatch):
    board_module.default_board.reset()
    live_module.default_live_lesson.reset()
    identity_module.default_roster.reset()
    monkeypatch.setattr(board_module, "MIN_REPORT_INTERVAL", 0.0)
    monkeypatch.setattr(live_module, "MIN_REPORT_INTERVAL", 0.0)
    monkeypatch.setenv("GAN_EXPLAINER_TEACHER_KEY", KEY)
    monkeypatch.delenv(LESSONS_ENV, raising=False)
    monkeypatch.setattr(ui_identity, "browser_cookies", lambda: Browser.jar_in_use)
    yield
    for made in (board_module.default_board, live_module.default_live_lesson, identity_module.default_roster):
        made.reset()


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def start_course(teacher: AppTest, lesson: str = COURSE) -> None:
    teacher.sidebar.radio(key="lesson:choice").set_value(lesson).run()
    teacher.sidebar.button(key="lesson:btn:start").click().run()
    assert not teacher.exception


def predict(at: AppTest, choice: int, nickname: str | None = None) -> None:
    radio = next(r for r in at.radio if r.key.startswith("lesson:pick:"))
    radio.set_value(choice)
    if nickname is not None:
        at.text_input(key="lesson:nickname").set_value(nickname)
    at.button(key="lesson:btn:commit").click().run()
    assert not at.exception


def class_with_ada() -> tuple[AppTest, Browser]:
    """A teacher who started the course, and Ada's browser, which predicted choice 1 and kept its pass."""
    teacher = Browser().open(teacher_key=KEY)
    start_course(teacher)
    ada = Browser()
    tab = ada.open()
    predict(tab, 1, nickname="Ada")
    ada.keep(tab)
    return teacher, ada


def open_links(at: AppTest) -> list[str]:
    """The experiment links the banner offers, as the address bar will show them ("" is the home page)."""
    return [
        f"{p.proto.page}?{p.proto.query_string}" for p in at.get("page_link") if "Open the experiment" in p.proto.label
    ]


# --- the lesson files ---------------------------------------------------------------------------------
def test_the_teacher_picks_from_every_lesson_file_and_sees_what_is_wrong_with_the_broken_ones(tmp_path, monkeypatch):
    (tmp_path / "good.toml").write_text(GOOD)
    (tmp_path / "broken.toml").write_text(GOOD.replace('title = "Accuracy"', 'title = "Accuracy'))
    (tmp_path / "no-answer.toml").write_text(GOOD.replace('answer = 2\nexplain = "Towards', 'explain = "Towards'))
    monkeypatch.setenv(LESSONS_ENV, str(tmp_path))
    teacher = Browser().open(teacher_key=KEY)
    picker = teacher.sidebar.radio(key="lesson:choice")
    assert picker.options[0].startswith("How a GAN learns, in six experiments (6 steps")
    assert any("Two steps (2 steps" in o for o in picker.options)
    errors = [e.value for e in teacher.sidebar.error]
    assert any(e.startswith(f"{tmp_path / 'broken.toml'}, line 15: not valid TOML") for e in errors), errors
    assert any(f"{tmp_path / 'no-answer.toml'}, line 14: step 2: no 'answer'" in e for e in errors), errors
    assert len(errors) == 2  # the good files give no message

    start_course(teacher, str(tmp_path / "good.toml"))  # a teacher's own file runs like the shipped one
    student = Browser().open()
    assert "What do G's points do while D trains?" in texts(student)
    assert not [r for r in student.sidebar.radio if r.key == "lesson:choice"]  # students start nothing
    assert not student.sidebar.error  # nor see the teacher's file problems


# --- the class follows the teacher ---------------------------------------------------------------------
def test_students_predict_first_then_open_the_experiment_and_the_teacher_reveals():
    teacher = Browser().open(teacher_key=KEY)
    nobody = Browser().open(PLAYGROUND)
    assert "step 1 of 6" not in texts(nobody)  # no lesson yet: no banner
    start_course(teacher)
    ada, bo = Browser(), Browser()
    ada_tab = ada.open(PLAYGROUND)
    assert "step 1 of 6: **Two networks take turns**" in texts(ada_tab)
    assert "What do G's purple points do during D's step?" in texts(ada_tab)
    assert open_links(ada_tab) == []  # the question first: no experiment before a prediction
    ada_tab.button(key="lesson:btn:commit").click().run()
    assert "Pick one of the answers first." in [w.value for w in ada_tab.warning]
    predict(ada_tab, 1, nickname="Ada")
    ada.keep(ada_tab)
    assert "Your prediction: **They stay exactly where they are**" in texts(ada_tab)
    assert open_links(ada_tab) == ["?walk=1"]  # the step's link: the Overview, walk-through on
    bo_tab = bo.open()
    predict(bo_tab, 0, nickname="Bo")
    assert not [b for b in bo_tab.button if b.key == "lesson:btn:commit"]  # one prediction per step

    teacher.run()  # the teacher sees how the class voted, before anybody sees the answer
    assert "**2** predictions in (2 students in this lesson so far)." in texts(teacher)
    votes = [p.proto.text for p in teacher.get("progress")]
    assert votes[0].endswith("They move towards the green real points · **1**")
    assert votes[1].endswith("They stay exactly where they are · **1**") and not votes[1].startswith("✅")
    ada_tab.run()
    assert not ada_tab.get("progress")  # the students do not see the votes before the reveal

    teacher.button(key="lesson:btn:reveal").click().run()
    ada_tab.run()
    bo_tab.run()
    assert "✅ You predicted it: **They stay exactly where they are**." in texts(ada_tab)
    assert "You predicted *They move towards the green real points*; the app shows" in texts(bo_tab)
    assert any("G is frozen" in m for m in texts(bo_tab).split("\n"))
    assert [p.proto.text for p in bo_tab.get("progress")][1].startswith("✅ 2.")

    teacher.button(key="lesson:btn:next").click().run()
    ada_tab.run()
    assert "step 2 of 6: **D's accuracy**" in texts(ada_tab) and open_links(ada_tab) == []
    predict(ada_tab, 1)  # Ada has her nickname: no field this time
    assert open_links(ada_tab) == ["playground?preset=ring8"]
    teacher.run()
    assert "**1** predictions in" in texts(teacher)


# --- reloads ---------------------------------------------------------------------------------------------
def test_a_reload_or_a_second_tab_keeps_the_teacher_and_never_shows_the_key():
    laptop = Browser()
    teacher = laptop.open(teacher_key=KEY)
    assert "teacher" not in teacher.query_params
    assert set(laptop.cookies) == {"gx_teacher"} and KEY not in json.dumps(laptop.cookies)
    start_course(teacher)
    for tab in (laptop.open(), laptop.open(BOARD)):  # a reload, then a second tab on the class board
        assert tab.sidebar.radio(key="lesson:choice")  # the lesson controls: still the teacher's
        assert [b for b in tab.button if b.key == "lesson:btn:next"]
        assert KEY not in texts(tab) and KEY not in json.dumps(dict(tab.query_params))
    assert [e for e in laptop.open(BOARD).expander if "Run a challenge" in e.label]
    forged = Browser()
    forged.cookies["gx_teacher"] = laptop.cookies["gx_teacher"][:-3] + "abc"
    assert not [b for b in forged.open().button if b.key == "lesson:btn:next"]  # an altered pass: a student
    assert not [b for b in Browser().open().button if b.key == "lesson:btn:next"]  # another browser: a student


def test_a_reload_keeps_a_students_nickname_prediction_and_place_on_the_board():
    teacher, ada = class_with_ada()
    assert set(ada.cookies) == {"gx_student"}

    reloaded = ada.open()
    assert "you are **Ada**" in texts(reloaded)
    assert "Your prediction: **They stay exactly where they are**" in texts(reloaded)
    assert not [r for r in reloaded.radio if r.key.startswith("lesson:pick:")]  # nothing to answer twice

    thief = Browser().open()
    predict(thief, 0, nickname="ada")
    assert "“ada” is taken: pick another nickname." in [w.value for w in thief.warning]
    teacher.run()
    assert "**1** predictions in" in texts(teacher)

    # The class board: Ada joins under her lesson nickname; a reload finds her place and her run.
    teacher.switch_page(BOARD).run()
    teacher.button(key="board:btn:open").click().run()
    board_tab = ada.open(BOARD)
    assert "You join as **Ada**." in texts(board_tab)
    board_tab.button(key="FormSubmitter:board:join-Join the challenge").click().run()
    assert "#### Your run, **Ada**" in texts(board_tab)
    again = ada.open(BOARD)
    assert "#### Your run, **Ada**" in texts(again)  # back in, without joining again
    assert board_module.default_board().view().students == 1
    assert session_run(again, "board").config == board_module.default_board().view().challenge.config
    second_tab = ada.open(BOARD)
    assert "#### Your run, **Ada**" in texts(second_tab)
    assert board_module.default_board().view().students == 1
    other = Browser().open(BOARD)
    other.text_input(key="board:nickname").set_value("ADA")
    other.button(key="FormSubmitter:board:join-Join the challenge").click().run()
    assert any("taken" in e.value for e in other.error)


def test_a_pass_from_an_earlier_server_is_ignored(monkeypatch):
    _, ada = class_with_ada()
    assert "you are **Ada**" in texts(ada.open())  # the same server: back as Ada
    identity_module.default_signer.reset()  # a restarted server signs with a new secret
    identity_module.default_roster.reset()
    back = ada.open()
    assert "you are **Ada**" not in texts(back)  # asked for a nickname and a prediction again
    assert [r for r in back.radio if r.key.startswith("lesson:pick:")] and back.text_input(key="lesson:nickname")
