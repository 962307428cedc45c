"""The class's lesson on every page (classroom.live_lesson): predict, then run, then hear why.

A banner above the page shows the step the teacher is on. A student sees its question first; once
they have committed to a prediction, the button that opens the experiment; once the teacher reveals
the answer, the right one, how the class voted and the explanation. The teacher sees the votes come
in before revealing, and moves the class on; the teacher's sidebar starts a lesson from a file
(classroom.lesson_plan: lessons/ and GAN_EXPLAINER_LESSONS).

The banner is a fragment that refreshes itself (one look at the lesson under a lock: cheap), so a
step the teacher moves to reaches every page without rerunning the page: a running experiment's
charts go on. Its buttons rerun only the banner.
"""

from __future__ import annotations

import streamlit as st

from classroom.lesson_plan import Lesson, Library, Step, lesson_folders, load_lessons
from classroom.live_lesson import LessonView, LiveLesson, default_live_lesson
from ui import identity, teacher
from ui.fragments import refreshing
from ui.pages import BY_URL
from ui.urls import check_link

LESSON_REFRESH_SECONDS = 2.0  # a step the teacher moves to reaches every page within 2 s
KEY_NICK, KEY_NOTE, KEY_CHOICE = "lesson:nickname", "lesson:note", "lesson:choice"
NEW_PASS = "lesson:new-pass"  # a nickname taken in the banner: the browser must store its pass


def live() -> LiveLesson:
    return default_live_lesson()


def library() -> Library:
    """Every lesson file, read afresh (a teacher's edit shows at the next click; a few small files)."""
    return load_lessons(lesson_folders(), check_link)


# --- the teacher's sidebar ---------------------------------------------------------------------------
def _start(key: str) -> None:
    lesson = library().get(key)
    if lesson is not None:
        live().start(lesson)


def _describe(lesson: Lesson | None) -> str:
    return f"{lesson.title} ({len(lesson.steps)} steps · {lesson.key})" if lesson else "?"


def teacher_panel() -> None:
    """Start a lesson for the class (teacher only): the lesson files, and what is wrong with any."""
    if not teacher.is_teacher():
        return
    view = live().view()
    with st.expander("🧑‍🏫 Lesson", expanded=view.lesson is None):
        lib = library()
        if lib.lessons:
            # A radio, not a select box: a lesson's title wraps instead of being cut off in the sidebar.
            keys = [lesson.key for lesson in lib.lessons]
            key = st.radio("Lesson plan", keys, format_func=lambda k: _describe(lib.get(k)), key=KEY_CHOICE)
            st.button(
                "Start the lesson" if view.lesson is None else "Start it again from step 1",
                on_click=_start,
                args=(key,),
                key="lesson:btn:start",
                type="primary" if view.lesson is None else "secondary",
                help="Every student's page shows step 1's question; earlier predictions are forgotten.",
            )
        else:
            st.caption("No lesson files found: see README, “Teaching a lesson”.")
        for error in lib.errors:
            st.error(str(error), icon="⚠️")
        if view.lesson is not None:
            st.button("End the lesson", on_click=live().end, key="lesson:btn:end")


# --- the banner --------------------------------------------------------------------------------------
def _open_button(step: Step) -> None:
    page = BY_URL[step.page]
    st.page_link(page.path, label=f"Open the experiment: {page.title}", icon="▶️", query_params=dict(step.params))


def _votes(view: LessonView, step: Step, show_right: bool) -> None:
    total = max(view.answered, 1)
    for i, (choice, n) in enumerate(zip(step.choices, view.counts)):
        mark = "✅ " if show_right and i == step.answer else ""
        st.progress(n / total, text=f"{mark}{i + 1}. {choice} · **{n}**")


def _commit(run: int, index: int) -> None:
    """Lock in this browser's prediction (taking its nickname first, if it has none)."""
    choice = st.session_state.get(f"lesson:pick:{run}:{index}")
    note = None
    if choice is None:
        note = "Pick one of the answers first."
    elif identity.nickname() is None:
        note = identity.claim(st.session_state.get(KEY_NICK, ""))
        st.session_state[NEW_PASS] = note is None
    if note is None:
        note = live().answer(identity.owner() or "", index, int(choice))
    st.session_state[KEY_NOTE] = (run, index, note)  # said about this step only


def _predict(view: LessonView, step: Step) -> None:
    st.radio(
        "Your prediction",
        list(range(len(step.choices))),
        format_func=lambda i: step.choices[i],
        index=None,
        key=f"lesson:pick:{view.run}:{view.index}",
    )
    if identity.nickname() is None:
        st.text_input("Your nickname in class (2–20 letters or digits; not your real name)", key=KEY_NICK, max_chars=20)
    st.button("Lock in my prediction", on_click=_commit, args=(view.run, view.index), key="lesson:btn:commit")
    st.caption("Commit first, then run it: the experiment opens once your prediction is in.")


def _teacher_view(view: LessonView, step: Step) -> None:
    st.markdown(f"**{view.answered}** predictions in ({view.students} students in this lesson so far).")
    _votes(view, step, show_right=view.revealed)
    if view.revealed:
        st.markdown(step.explain)
    back, reveal, forward = st.columns(3)
    back.button("◀ Back", on_click=live().move, args=(-1,), key="lesson:btn:back", disabled=view.index == 0)
    reveal.button("Reveal the answer", on_click=live().reveal, key="lesson:btn:reveal", disabled=view.revealed)
    forward.button(
        "Next step ▶", on_click=live().move, args=(1,), key="lesson:btn:next", type="primary", disabled=view.last
    )
    _open_button(step)


def _student_view(view: LessonView, step: Step) -> None:
    mine = live().prediction(identity.owner(), view.index)
    if view.revealed:
        if mine is None:
            st.markdown(f"The app shows: **{step.choices[step.answer]}**.")
        elif mine == step.answer:
            st.markdown(f"✅ You predicted it: **{step.choices[step.answer]}**.")
        else:
            st.markdown(f"You predicted *{step.choices[mine]}*; the app shows **{step.choices[step.answer]}**.")
        _votes(view, step, show_right=True)
        st.markdown(step.explain)
        _open_button(step)
    elif mine is None:
        _predict(view, step)
    else:
        st.markdown(f"Your prediction: **{step.choices[mine]}**. Now run it, and see whether it happens.")
        _open_button(step)
    run, index, note = st.session_state.get(KEY_NOTE) or (None, None, None)
    if note and (run, index) == (view.run, view.index):
        st.warning(note, icon="ℹ️")


def _banner() -> None:
    if st.session_state.pop(NEW_PASS, False):
        # The pass keeper (ui.identity.keep) is drawn by full runs only: one now, so a reload finds the pass.
        st.rerun(scope="app")
    view = live().view()
    step = view.step
    if view.lesson is None or step is None:
        return
    with st.container(border=True, key="lesson-banner"):
        who = f" · you are **{identity.nickname()}**" if identity.nickname() and not teacher.is_teacher() else ""
        st.markdown(
            f"📚 **{view.lesson.title}** · step {view.index + 1} of {len(view.lesson.steps)}: **{step.title}**{who}"
        )
        st.markdown(f"#### {step.question}")
        if teacher.is_teacher():
            _teacher_view(view, step)
        else:
            _student_view(view, step)


def banner() -> None:
    """The lesson's banner at the top of the page: nothing while no lesson runs."""
    refreshing(_banner, LESSON_REFRESH_SECONDS)
