"""Lesson plans as files: an ordered list of steps, each a link to a page of the app set up for an
experiment, a question the class answers before running it, and the explanation shown after.

A lesson is a TOML file a teacher can copy and edit (lessons/*.toml, and the folder that
GAN_EXPLAINER_LESSONS names):

    title = "How a GAN learns"
    about = "One lesson hour, six experiments."     # optional

    [[step]]
    title = "Two networks take turns"
    link = "overview?walk=1"                         # a page and its settings, as 📋 Copy link gives them
    question = "You press ① Train D once. What do G's purple points do?"
    choices = ["Move towards the real points", "Stay where they are"]   # 2 to 4
    answer = 2                                        # the right choice, counting from 1
    explain = "G is frozen while D learns: ..."

A file that cannot be used gets one message naming its line (the TOML reader's for a syntax error;
the offending key's, or its step's, for a missing or wrong value); the other files still load.
Whether a link's page and settings exist is the app's rule (ui.urls): the loader is handed a checker.
Pure Python, no Streamlit.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: the same reader, before it joined the standard library
    import tomli as tomllib  # type: ignore[no-redef]

LESSONS_DIR = Path(__file__).resolve().parents[1] / "lessons"
LESSONS_ENV = "GAN_EXPLAINER_LESSONS"  # a folder of the teacher's own lesson files
MIN_CHOICES, MAX_CHOICES = 2, 4
MAX_STEPS = 30
MAX_FILE_BYTES = 64 * 1024
MAX_CHARS = {"title": 120, "about": 600, "link": 600, "question": 400, "choice": 160, "explain": 2000}
LESSON_KEYS = ("title", "about", "step")
STEP_KEYS = ("title", "link", "question", "choices", "answer", "explain")
OPTIONAL = ("about",)

# The app's rule for a link: given the link's page (its last path segment, "" for the home page) and
# parameters, return the page's url_path, or raise ValueError with the end of a sentence.
LinkCheck = Callable[[str, dict[str, str]], str]


class LessonError(ValueError):
    """A lesson file that cannot be used, with the line to look at."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        self.source, self.line, self.problem = source, line, problem
        where = f"{source}, line {line}" if line else source
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True)
class Step:
    title: str
    page: str  # the url_path of the page the link opens (ui.pages)
    params: tuple[tuple[str, str], ...]  # the link's settings, in its order
    question: str
    choices: tuple[str, ...]
    answer: int  # the right choice, counting from 0
    explain: str
    line: int  # where the step starts in its file


@dataclass(frozen=True)
class Lesson:
    key: str  # the file it came from: unique, and what a teacher recognises
    title: str
    about: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Library:
    """Every lesson that loaded, and one error per file that did not."""

    lessons: tuple[Lesson, ...]
    errors: tuple[LessonError, ...]

    def get(self, key: str) -> Lesson | None:
        return next((lesson for lesson in self.lessons if lesson.key == key), None)


# --- where a key is written --------------------------------------------------------------------------
_HEADER = re.compile(r"^\s*\[\[\s*step\s*\]\]")
_TABLE = re.compile(r"^\s*\[")
_KEY = re.compile(r"""^\s*["']?([A-Za-z0-9_-]+)["']?\s*=""")


def _key_lines(text: str) -> tuple[dict[str, int], list[int], list[dict[str, int]]]:
    """(top-level key -> line, the line of each [[step]], each step's key -> line). Lines inside a
    multi-line string are skipped, so an explanation quoting `answer = 2` is not taken for a key."""
    top: dict[str, int] = {}
    headers: list[int] = []
    steps: list[dict[str, int]] = []
    open_quote: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if open_quote is None:
            if _HEADER.match(line):
                headers.append(number)
                steps.append({})
            elif not _TABLE.match(line) and (match := _KEY.match(line)):
                (steps[-1] if steps else top).setdefault(match.group(1), number)
        for quote in ('"""', "'''"):
            if open_quote in (None, quote) and line.count(quote) % 2 == 1:
                open_quote = None if open_quote == quote else quote
    return top, headers, steps


# --- reading one file --------------------------------------------------------------------------------
def split_link(text: str) -> tuple[str, dict[str, str]]:
    """(page, parameters) of a link as written in a lesson: `playground?lr_g=2e-4`, `/mode-collapse?...`,
    `?walk=1` (the home page) or a whole address `http://<server>:8501/theory?loss=minimax`."""
    parts = urlsplit(text.strip())
    if parts.scheme and parts.scheme not in ("http", "https"):
        raise ValueError(f"is not a link to a page of the app ({parts.scheme}: links are not)")
    segments = [s for s in parts.path.split("/") if s not in ("", ".")]
    params: dict[str, str] = {}
    for name, value in parse_qsl(parts.query, keep_blank_values=True):
        if name in params:
            raise ValueError(f"sets {name} twice")
        params[name] = value
    return (segments[-1] if segments else ""), params


def parse_lesson(text: str, source: str, check_link: LinkCheck) -> Lesson:
    """The lesson in `text` (the contents of the file `source`), or LessonError naming the line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = getattr(exc, "lineno", None)
        match = re.search(r"\(at line (\d+), column \d+\)", str(exc))
        if line is None and match:
            line = int(match.group(1))
        message = re.sub(r"\s*\(at line \d+, column \d+\)", "", str(exc).split("\n")[0]) or "not valid TOML"
        raise LessonError(source, line, f"not valid TOML: {message}") from None
    top_lines, headers, step_lines = _key_lines(text)

    def fail(problem: str, key: str | None = None, step: int | None = None) -> LessonError:
        if step is None:
            line = top_lines.get(key or "", 1 if key is None else None)
        else:
            here = step_lines[step] if step < len(step_lines) else {}
            line = here.get(key or "") or (headers[step] if step < len(headers) else None)
        return LessonError(source, line, problem)

    for key in data:
        if key not in LESSON_KEYS:
            raise fail(f"unknown key {key!r}: a lesson has {', '.join(LESSON_KEYS)}", key)
    title = _text(data, "title", fail)
    about = _text(data, "about", fail) if "about" in data else ""
    raw_steps = data.get("step")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise fail("no steps: add one [[step]] table per step", "step")
    if len(raw_steps) > MAX_STEPS:
        raise fail(f"{len(raw_steps)} steps: a lesson has at most {MAX_STEPS}", None, MAX_STEPS)
    steps = tuple(_step(i, raw, fail, check_link, headers) for i, raw in enumerate(raw_steps))
    return Lesson(source, title, about, steps)


def _text(table: dict[str, Any], key: str, fail: Callable[..., LessonError], step: int | None = None) -> str:
    where = f"step {step + 1}: " if step is not None else ""
    if key not in table:
        raise fail(f"{where}no {key!r}", None, step) if step is not None else fail(f"no {key!r}", None)
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{where}{key!r} must be some text in quotes", key, step)
    limit = MAX_CHARS[key]
    if len(value) > limit:
        raise fail(f"{where}{key!r} is {len(value)} characters long: at most {limit}", key, step)
    return value.strip()


def _step(i: int, raw: Any, fail: Callable[..., LessonError], check_link: LinkCheck, headers: list[int]) -> Step:
    if not isinstance(raw, dict):
        raise fail(f"step {i + 1} is not a [[step]] table", None, i)
    for key in raw:
        if key not in STEP_KEYS:
            raise fail(f"step {i + 1}: unknown key {key!r}: a step has {', '.join(STEP_KEYS)}", key, i)
    title = _text(raw, "title", fail, i)
    link = _text(raw, "link", fail, i)
    try:
        page, params = split_link(link)
        page = check_link(page, params)
    except ValueError as exc:
        raise fail(f"step {i + 1}: the link {link!r} {exc}", "link", i) from None
    question = _text(raw, "question", fail, i)
    choices = raw.get("choices")
    if "choices" not in raw:
        raise fail(f"step {i + 1}: no 'choices': list {MIN_CHOICES} to {MAX_CHOICES} answers to choose from", None, i)
    if not isinstance(choices, list) or not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
        raise fail(f"step {i + 1}: 'choices' must list {MIN_CHOICES} to {MAX_CHOICES} answers", "choices", i)
    if not all(isinstance(c, str) and c.strip() and len(c) <= MAX_CHARS["choice"] for c in choices):
        raise fail(
            f"step {i + 1}: every choice must be some text in quotes, at most {MAX_CHARS['choice']} characters",
            "choices",
            i,
        )
    choices = [c.strip() for c in choices]
    if len(set(choices)) < len(choices):
        raise fail(f"step {i + 1}: two choices say the same", "choices", i)
    if "answer" not in raw:
        raise fail(f"step {i + 1}: no 'answer': say which choice is right (1 to {len(choices)})", None, i)
    answer = raw["answer"]
    if isinstance(answer, bool) or not isinstance(answer, int) or not 1 <= answer <= len(choices):
        raise fail(f"step {i + 1}: 'answer' must be the number of the right choice, 1 to {len(choices)}", "answer", i)
    explain = _text(raw, "explain", fail, i)
    line = headers[i] if i < len(headers) else 1
    return Step(title, page, tuple(params.items()), question, tuple(choices), answer - 1, explain, line)


# --- every lesson --------------------------------------------------------------------------------------
def lesson_folders() -> list[Path]:
    """The shipped lessons/, then the folder GAN_EXPLAINER_LESSONS names (if set)."""
    extra = os.environ.get(LESSONS_ENV, "").strip()
    return [LESSONS_DIR] + ([Path(extra).expanduser()] if extra else [])


def load_lessons(folders: Iterable[Path], check_link: LinkCheck) -> Library:
    """Every *.toml lesson in `folders` (in name order); a file that fails is one error, not a crash."""
    lessons: list[Lesson] = []
    errors: list[LessonError] = []
    for folder in folders:
        if not folder.is_dir():
            errors.append(LessonError(str(folder), None, f"no such folder (set by {LESSONS_ENV})"))
            continue
        for path in sorted(folder.glob("*.toml")):
            source = str(path.relative_to(LESSONS_DIR.parent)) if path.is_relative_to(LESSONS_DIR.parent) else str(path)
            try:
                if path.stat().st_size > MAX_FILE_BYTES:
                    raise LessonError(source, None, f"larger than {MAX_FILE_BYTES // 1024} KiB: is it a lesson?")
                text = path.read_text(encoding="utf-8")
                lessons.append(parse_lesson(text, source, check_link))
            except LessonError as exc:
                errors.append(exc)
            except (OSError, UnicodeDecodeError) as exc:
                errors.append(LessonError(source, None, f"cannot be read ({type(exc).__name__})"))
    return Library(tuple(lessons), tuple(errors))
