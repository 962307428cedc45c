"""The lesson the class follows (issue 27): the teacher moves it, every student predicts once per step
before the reveal, and the counts are what the class chose."""

from __future__ import annotations

from classroom import live_lesson as live_module
from classroom.lesson_plan import Lesson, Step
from classroom.live_lesson import LiveLesson


def lesson(steps: int = 3) -> Lesson:
    return Lesson(
        "test.toml",
        "A test lesson",
        "",
        tuple(Step(f"Step {i}", "overview", (), f"Q{i}?", ("a", "b", "c"), 1, "Because.", 1) for i in range(steps)),
    )


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        self.now += 10.0  # every call a while later: no answer is held back by the rate limit
        return self.now


def test_the_class_predicts_the_teacher_reveals_and_moves_on():
    live = LiveLesson(clock=Clock())
    assert live.answer("o1", 0, 0) == "No lesson is running." and live.view().lesson is None
    live.start(lesson())
    assert live.answer("o1", 0, 1) is None
    assert live.answer("o2", 0, 1) is None
    assert live.answer("o3", 0, 2) is None
    view = live.view()
    assert view.counts == (0, 2, 1) and view.answered == 3 and view.students == 3 and not view.revealed
    assert "counts once" in live.answer("o1", 0, 2)  # a prediction is a commitment
    assert live.prediction("o1", 0) == 1 and live.prediction("o9", 0) is None
    live.reveal()
    assert live.view().revealed
    assert "closed" in live.answer("o4", 0, 1)  # nobody predicts after the answer is out
    live.move(1)
    view = live.view()
    assert view.index == 1 and view.counts == (0, 0, 0) and not view.revealed
    assert "moved" in live.answer("o1", 0, 1)  # an answer that crossed "Next step" is not counted
    assert live.answer("o1", 1, 5) == "That is not one of the choices."
    live.move(5)
    assert live.view().index == 2 and live.view().last
    live.move(-1)
    assert live.view().index == 1
    live.move(-1)
    assert live.view().revealed and live.view().counts == (0, 2, 1)  # step 1 is as the class left it


def test_a_new_start_forgets_the_predictions_and_end_stops_the_lesson():
    live = LiveLesson(clock=Clock())
    live.start(lesson())
    live.answer("o1", 0, 1)
    run = live.view().run
    live.start(lesson())
    assert live.view().counts == (0, 0, 0) and live.view().run == run + 1
    live.end()
    assert live.view().lesson is None and live.view().step is None


def test_one_answer_per_second_per_student_and_a_bounded_class(monkeypatch):
    now = [0.0]
    live = LiveLesson(clock=lambda: now[0])
    live.start(lesson())
    assert live.answer("o1", 0, 0) is None
    live.reveal()
    live.move(1)
    now[0] += 0.5
    assert "One answer at a time" in live.answer("o1", 1, 0)
    now[0] += 1.0
    assert live.answer("o1", 1, 0) is None
    monkeypatch.setattr(live_module, "MAX_STUDENTS", 2)
    assert live.answer("o2", 1, 0) is None
    assert "full" in live.answer("o3", 1, 0)
