import pytest

from classroom.slots import Scheduler, default_capacity, default_turn_seconds


def test_fifo_admission_and_release():
    s = Scheduler(2)
    a, b, c, d = object(), object(), object(), object()
    assert s.request(a) == 0 and s.request(b) == 0
    assert s.request(c) == 1 and s.request(d) == 2
    assert s.request(d) == 2  # asking again does not jump the queue
    s.release(a)
    assert s.request(d) == 2  # c is first in line, d must wait
    assert s.request(c) == 0
    assert s.request(d) == 1
    s.release(b)
    assert s.request(d) == 0
    assert s.active_count == 2 and s.queued_count == 0


def test_capacity_from_environment(monkeypatch):
    monkeypatch.setenv("GAN_EXPLAINER_MAX_TRAINING", "3")
    assert default_capacity() == 3
    monkeypatch.setenv("GAN_EXPLAINER_MAX_TRAINING", "zero")
    with pytest.raises(ValueError, match="whole number"):
        default_capacity()
    monkeypatch.delenv("GAN_EXPLAINER_MAX_TRAINING")
    assert default_capacity() >= 2


def test_turns_end_only_when_someone_waits():
    s = Scheduler(1, turn_seconds=10)
    a, b = object(), object()
    assert s.request(a) == 0
    assert not s.turn_over(a, 60)  # nobody waits: a keeps training
    assert s.request(b) == 1
    assert not s.turn_over(a, 5)  # its turn is not over yet
    assert s.turn_over(a, 10)
    assert s.requeue(a) == 2  # back of the line
    assert s.request(b) == 0 and s.request(a) == 1
    assert not s.turn_over(a, 60)  # a queued run has no turn to give up


def test_turns_can_be_switched_off():
    s = Scheduler(1, turn_seconds=None)
    a, b = object(), object()
    s.request(a), s.request(b)
    assert not s.turn_over(a, 1e9)


def test_turn_length_from_environment(monkeypatch):
    monkeypatch.setenv("GAN_EXPLAINER_TURN_SECONDS", "45")
    assert default_turn_seconds() == 45
    monkeypatch.setenv("GAN_EXPLAINER_TURN_SECONDS", "0")
    assert default_turn_seconds() is None
    for bad in ("soon", "-5", "nan", "inf"):
        monkeypatch.setenv("GAN_EXPLAINER_TURN_SECONDS", bad)
        with pytest.raises(ValueError, match="GAN_EXPLAINER_TURN_SECONDS"):
            default_turn_seconds()
    monkeypatch.delenv("GAN_EXPLAINER_TURN_SECONDS")
    assert default_turn_seconds() == 30


class _Run:
    """A stand-in for a TrainingRun (which the scheduler may hold weakly)."""


def test_a_reserved_run_trains_at_once_while_students_queue_and_keeps_its_slot():
    """Issue 15: the teacher's projected run never waits behind the class, and turns never take
    its slot; the students keep every shared slot."""
    s = Scheduler(2, turn_seconds=10, reserved=1)
    students = [_Run() for _ in range(6)]
    assert [s.request(r) for r in students] == [0, 0, 1, 2, 3, 4]
    teacher = _Run()
    s.reserve(teacher)
    assert s.request(teacher) == 0  # never queued
    assert s.active_count == 2 and s.reserved_active_count == 1 and s.queued_count == 4
    assert not s.turn_over(teacher, 1e6)  # never turned out by turns, although 4 wait
    assert s.turn_over(students[0], 10)  # the students still take turns
    s.release(teacher)
    assert s.reserved_active_count == 0 and s.active_count == 2  # its slot was its own


def test_teacher_runs_beyond_the_reserved_pool_go_first_in_line():
    s = Scheduler(1, reserved=1)
    student_a, student_b = _Run(), _Run()
    assert s.request(student_a) == 0 and s.request(student_b) == 1
    t1, t2 = _Run(), _Run()
    s.reserve(t1), s.reserve(t2)
    assert s.request(t1) == 0
    assert s.request(t2) == 1  # ahead of the waiting student
    assert s.request(student_b) == 2
    s.release(student_a)
    assert s.request(t2) == 0 and s.request(student_b) == 1


def test_a_queued_run_marked_as_the_teachers_gets_a_reserved_slot_at_its_next_request():
    s = Scheduler(1, reserved=1)
    a, b = _Run(), _Run()
    s.request(a), s.request(b)
    assert s.request(b) == 1
    s.reserve(b)
    assert s.request(b) == 0 and s.queued_count == 0


def test_reserved_pool_size_from_environment(monkeypatch):
    from classroom.slots import default_reserved

    monkeypatch.setenv("GAN_EXPLAINER_TEACHER_SLOTS", "3")
    assert default_reserved() == 3
    for bad in ("many", "-1"):
        monkeypatch.setenv("GAN_EXPLAINER_TEACHER_SLOTS", bad)
        with pytest.raises(ValueError, match="GAN_EXPLAINER_TEACHER_SLOTS"):
            default_reserved()
    monkeypatch.delenv("GAN_EXPLAINER_TEACHER_SLOTS")
    assert default_reserved() == 2


def test_a_run_marked_while_it_trains_moves_to_the_reserved_pool_and_frees_its_shared_slot():
    s = Scheduler(1, turn_seconds=1, reserved=1)
    teacher, student = _Run(), _Run()
    assert s.request(teacher) == 0 and s.request(student) == 1
    s.reserve(teacher)
    assert s.reserved_active_count == 1 and s.active_count == 0
    assert not s.turn_over(teacher, 100)
    assert s.request(student) == 0
