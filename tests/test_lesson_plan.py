"""Lesson plans as files (issue 27): what a teacher writes, and the one clear message a broken file
gets, naming its line; the other lessons still load."""

from __future__ import annotations

from pathlib import Path

import pytest

from classroom.lesson_plan import (
    LESSONS_DIR,
    LESSONS_ENV,
    LessonError,
    lesson_folders,
    load_lessons,
    parse_lesson,
    split_link,
)
from ui.urls import check_link

GOOD = '''title = "Two steps"

[[step]]
title = "Take turns"
link = "overview?walk=1"
question = "What do G's points do while D trains?"
choices = ["Move", "Stay"]
answer = 2
explain = """
G is frozen.
answer = 1 (a line inside the explanation, not a key)
"""

[[step]]
title = "Accuracy"
link = "http://class-server:8501/playground?preset=ring8&lr_g=0.0002"
question = "Where does D's accuracy go?"
choices = ["100 %", "50 %", "0 %"]
answer = 2
explain = "Towards a coin toss."
'''


def parse(text: str) -> object:
    return parse_lesson(text, "mine.toml", check_link)


def error(text: str) -> LessonError:
    with pytest.raises(LessonError) as caught:
        parse(text)
    return caught.value


def test_a_good_lesson_reads_as_its_steps_with_their_links():
    lesson = parse(GOOD)
    assert lesson.title == "Two steps" and len(lesson.steps) == 2
    first, second = lesson.steps
    assert (first.page, first.params, first.answer, first.line) == ("overview", (("walk", "1"),), 1, 3)
    assert first.explain.endswith("not a key)")
    assert second.page == "playground" and dict(second.params) == {"preset": "ring8", "lr_g": "0.0002"}
    assert second.choices == ("100 %", "50 %", "0 %") and second.answer == 1


def test_a_toml_syntax_error_names_its_line():
    broken = GOOD.replace('title = "Accuracy"', 'title = "Accuracy')
    found = error(broken)
    assert found.line == 15 and "not valid TOML" in str(found) and str(found).startswith("mine.toml, line 15: ")


def test_a_missing_answer_names_its_step_and_line():
    found = error(GOOD.replace('answer = 2\nexplain = "Towards', 'explain = "Towards'))
    assert found.line == 14  # the step's [[step]] line: the key is not there to point at
    assert "step 2: no 'answer'" in found.problem and "1 to 3" in found.problem


@pytest.mark.parametrize(
    "old, new, line, words",
    [
        ('answer = 2\nexplain = "Towards', 'answer = 4\nexplain = "Towards', 19, "1 to 3"),
        ('choices = ["Move", "Stay"]', 'choices = ["Move"]', 7, "2 to 4 answers"),
        ('choices = ["Move", "Stay"]', 'choices = ["Move", "Move"]', 7, "say the same"),
        ('link = "overview?walk=1"', 'link = "overvue?walk=1"', 5, "opens no page"),
        ('link = "overview?walk=1"', 'link = "overview?walk=maybe"', 5, "walk="),
        ("&lr_g=0.0002", "&lr_g=fast", 16, "lr\\_g must be a number"),
        ("&lr_g=0.0002", "&lr_g=0.0002&lr_g=0.001", 16, "sets lr_g twice"),
        ('question = "Where', 'qestion = "Where', 17, "unknown key 'qestion'"),
        ('title = "Two steps"', 'titel = "Two steps"', 1, "unknown key 'titel'"),
        ('explain = "Towards a coin toss."', 'explain = ""', 20, "'explain' must be some text"),
    ],
)
def test_each_mistake_gets_one_message_at_its_line(old, new, line, words):
    assert old in GOOD
    found = error(GOOD.replace(old, new))
    assert found.line == line, str(found)
    assert words in found.problem, str(found)


def test_a_lesson_without_steps_is_refused():
    assert "no steps" in error('title = "Empty"\n').problem


def test_links_are_read_as_the_app_writes_them():
    assert split_link("?walk=1") == ("", {"walk": "1"})
    assert split_link("./mode-collapse?pairing=dsteps&dataset=grid25") == (
        "mode-collapse",
        {"pairing": "dsteps", "dataset": "grid25"},
    )
    assert split_link("http://192.168.1.5:8501/gan/theory?loss=minimax") == ("theory", {"loss": "minimax"})
    with pytest.raises(ValueError, match="not a link"):
        split_link("javascript:alert(1)")


def test_a_broken_file_does_not_stop_the_others(tmp_path: Path, monkeypatch):
    (tmp_path / "a-good.toml").write_text(GOOD)
    (tmp_path / "b-broken.toml").write_text(GOOD.replace('title = "Accuracy"', 'title = "Accuracy'))
    (tmp_path / "c-no-answer.toml").write_text(GOOD.replace('answer = 2\nexplain = "Towards', 'explain = "Towards'))
    (tmp_path / "notes.txt").write_text("not a lesson")
    monkeypatch.setenv(LESSONS_ENV, str(tmp_path))
    assert lesson_folders() == [LESSONS_DIR, tmp_path]
    library = load_lessons(lesson_folders(), check_link)
    keys = [lesson.key for lesson in library.lessons]
    assert "lessons/gan-course.toml" in keys and str(tmp_path / "a-good.toml") in keys
    assert [(Path(e.source).name, e.line) for e in library.errors] == [("b-broken.toml", 15), ("c-no-answer.toml", 14)]


def test_a_folder_that_is_not_there_is_said_once(tmp_path: Path):
    library = load_lessons([tmp_path / "missing"], check_link)
    assert library.lessons == () and "no such folder" in str(library.errors[0])


def test_the_shipped_lesson_loads_without_a_problem():
    library = load_lessons([LESSONS_DIR], check_link)
    assert library.errors == ()
    course = library.get("lessons/gan-course.toml")
    assert course is not None and len(course.steps) == 6
    assert [s.page for s in course.steps] == [
        "overview",
        "playground",
        "theory",
        "mode-collapse",
        "image-gan",
        "latent-space",
    ]


def test_the_readme_example_is_a_lesson_the_app_reads():
    readme = (LESSONS_DIR.parent / "README.md").read_text(encoding="utf-8")
    example = readme.split("```toml\n", 1)[1].split("```", 1)[0]
    lesson = parse_lesson(example, "README.md", check_link)
    assert lesson.steps[0].page == "mode-collapse" and lesson.steps[0].answer == 0
