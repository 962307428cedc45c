import pytest

from gan_core.scheduler import Scheduler, default_capacity


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
