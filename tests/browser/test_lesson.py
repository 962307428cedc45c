"""Issue 27: a whole lesson. The teacher starts the shipped lesson; three students, each in their own
browser, predict before they run; the teacher sees the votes, reveals, and moves the class on, for
three steps. In the middle a student and the teacher reload, and the teacher opens a second tab:
nobody loses who they are, and a student's running experiment is not interrupted by the banner.
Screenshots for docs/."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import ROOT, TEACHER_KEY
from tests.browser.helpers import (
    SIDEBAR,
    address,
    click_sidebar_button,
    exceptions,
    layout_problems,
    set_expander,
    status,
    step,
    wait_idle,
    wait_until,
)

pytestmark = pytest.mark.browser

BANNER = ".st-key-lesson-banner"
STUDENTS = ("Ana", "Ben", "Cleo")  # not the board test's: a nickname stays taken on the shared server
# Step by step, the choice each student predicts (the right one, from lessons/gan-course.toml, is marked).
PREDICTIONS = (
    ("They stay exactly where they are", "They stay exactly where they are", "They move towards the green real points"),
    ("It rises at first, then sinks back towards 50 %", "It climbs to 100 % and stays there: D wins", None),
    ("About ten times smaller", "About the same as with the non-saturating loss", "About ten times smaller"),
)
QUESTIONS = ("What do G's purple points do", "What does D's overall accuracy do?", "How does G's gradient norm")


def banner_text(page) -> str:
    """The banner's text, or "" without one, read in one step: counting it first and reading it
    after raced the lesson's end (the banner went in between, and the read waited 30 s for it)."""
    return page.evaluate("(sel) => document.querySelector(sel)?.innerText ?? ''", BANNER)


def predict(page, choice: str, nickname: str | None = None) -> None:
    banner = page.locator(BANNER)
    banner.get_by_text(choice, exact=True).click()
    if nickname is not None:
        banner.get_by_label(re.compile("Your nickname")).fill(nickname)
        banner.get_by_label(re.compile("Your nickname")).press("Tab")  # the field commits its value
    banner.get_by_role("button", name="Lock in my prediction").click()
    assert wait_until(lambda: "Your prediction:" in banner_text(page), timeout=20), banner_text(page)


def teacher_sees(page, answered: int) -> bool:
    return f"{answered} predictions in" in banner_text(page)


def end_lesson(teacher) -> None:
    sidebar = teacher.locator(SIDEBAR)
    set_expander(sidebar, "🧑‍🏫 Lesson")  # the box folds away while a lesson runs
    sidebar.get_by_role("button", name="End the lesson").click()
    assert wait_until(lambda: banner_text(teacher) == "", timeout=20)


@pytest.fixture
def teacher_page(browser, app_url):
    """The teacher's tab; afterwards, pass or fail, the server's lesson is ended (the other browser
    tests share the server, and a banner would change their pages)."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{app_url}/?teacher={TEACHER_KEY}")
    wait_idle(page)
    yield page
    try:
        if banner_text(page):
            page.goto(app_url)  # the teacher's pass keeps the reloaded tab the teacher's
            wait_idle(page)
            end_lesson(page)
    finally:
        context.close()


def test_a_teacher_and_three_students_go_through_three_steps(browser, app_url, screenshot_dir, teacher_page):
    teacher = teacher_page
    assert TEACHER_KEY not in address(teacher)
    sidebar = teacher.locator(SIDEBAR)
    sidebar.get_by_role("button", name=re.compile("Start the lesson|Start it again from step 1")).click()
    assert wait_until(lambda: "step 1 of 6" in banner_text(teacher), timeout=20), banner_text(teacher)

    contexts, students = [], []
    for _ in STUDENTS:
        ctx = browser.new_context(viewport={"width": 1280, "height": 800})
        page = ctx.new_page()
        page.goto(app_url)
        wait_idle(page)
        assert wait_until(lambda p=page: QUESTIONS[0] in banner_text(p), timeout=20)
        assert page.get_by_role("link", name=re.compile("Open the experiment")).count() == 0  # question first
        contexts.append(ctx)
        students.append(page)
    students[0].screenshot(path=str(screenshot_dir / "lesson-question.png"))
    assert layout_problems(students[0]) == []  # the banner at 1280 px: nothing cut off

    # Ana starts the Overview's demo training: the lesson's banner must not interrupt it.
    click_sidebar_button(students[0], "▶ Start")
    assert wait_until(lambda: "training" in status(students[0]), timeout=30), status(students[0])

    for index, choices in enumerate(PREDICTIONS):
        for page, name, choice in zip(students, STUDENTS, choices):
            if choice is not None:
                predict(page, choice, nickname=name if index == 0 else None)
                assert page.get_by_role("link", name=re.compile("Open the experiment")).count() == 1
        answered = sum(c is not None for c in choices)
        if index == 1:  # in the middle of the lesson, Ben and the teacher reload their pages
            students[1].reload()
            wait_idle(students[1])
            assert wait_until(lambda: "you are Ben" in banner_text(students[1]), timeout=20), banner_text(students[1])
            assert f"Your prediction: {choices[1]}" in banner_text(students[1])  # not asked again
            teacher.reload()
            wait_idle(teacher)
            second = teacher.context.new_page()  # a second tab of the teacher's browser: the teacher's too
            second.goto(f"{app_url}/board")
            wait_idle(second)
            assert wait_until(lambda tab=second: "Next step" in banner_text(tab), timeout=20), banner_text(second)
            assert second.get_by_text("Run a challenge (teacher)").count() == 1
            second.close()
        # The votes as they come in, and the teacher's controls (also after the teacher's reload).
        assert wait_until(lambda n=answered: teacher_sees(teacher, n), timeout=20), banner_text(teacher)
        assert wait_until(lambda: "Next step" in banner_text(teacher), timeout=20), banner_text(teacher)
        votes = teacher.locator(BANNER).locator("[data-testid='stProgress']").all_inner_texts()
        for choice in {c for c in choices if c is not None}:
            expected = sum(c == choice for c in choices)
            assert any(
                v.startswith(tuple(f"{i}. {choice}" for i in range(1, 5))) and v.endswith(f"· {expected}")
                for v in votes
            ), votes
        if index == 0:
            teacher.screenshot(path=str(screenshot_dir / "lesson-teacher.png"))
            assert layout_problems(teacher) == []
        assert "✅" not in banner_text(students[2])  # nobody sees the answer before the reveal

        teacher.locator(BANNER).get_by_role("button", name="Reveal the answer").click()
        for page, choice in zip(students, choices):
            assert wait_until(lambda p=page: "✅" in banner_text(p), timeout=20), banner_text(page)
            if choice is not None and "✅ You predicted it" in banner_text(page):
                assert choice in banner_text(page)
        if index == 0:
            students[2].screenshot(path=str(screenshot_dir / "lesson-reveal.png"))
        if index < len(PREDICTIONS) - 1:
            teacher.locator(BANNER).get_by_role("button", name="Next step ▶").click()
            for page in students:
                assert wait_until(lambda p=page, q=QUESTIONS[index + 1]: q in banner_text(p), timeout=20)

    # Ana's experiment kept training through three steps of banners, on the same page, never reloaded.
    before = step(students[0])
    assert wait_until(lambda: step(students[0]) > before, timeout=20), status(students[0])
    # The step's button opens its experiment: the Theory page, saturating loss.
    students[2].get_by_role("link", name=re.compile("Open the experiment")).click()
    students[2].wait_for_selector("h1 >> text=Theory: the game a GAN plays", timeout=60_000)
    wait_idle(students[2])
    assert wait_until(lambda: "/theory?" in address(students[2]) and "loss=minimax" in address(students[2]), timeout=30)
    assert students[2].get_by_role("button", name=re.compile("Give D a head start")).count() == 1
    assert "step 3 of 6" in banner_text(students[2])

    for page in [teacher, *students]:
        assert not exceptions(page), exceptions(page)
    click_sidebar_button(students[0], "⏸ Pause")
    for ctx in contexts:
        ctx.close()
    assert all(TEACHER_KEY not in c["value"] for c in teacher.context.cookies())
    end_lesson(teacher)
    log = (ROOT / "test-artifacts" / "server.log").read_text()
    assert TEACHER_KEY not in log  # no log line carries the key
