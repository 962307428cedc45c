import pytest

from gan_core.scheduler import Scheduler, default_capacity, default_turn_seconds


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
