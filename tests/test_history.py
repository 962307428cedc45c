import numpy as np

from gan_core.runs.history import DecimatingHistory


def test_history_stays_bounded_and_covers_the_whole_run():
    h = DecimatingHistory(("step", "loss"), capacity=64)
    for i in range(1, 100_001):
        h.append((i, float(i % 7)))
    a = h.arrays()
    assert len(h) <= 64
    assert a["step"][0] < 2000 and a["step"][-1] > 95_000  # from the start to the end
    assert np.all(np.diff(a["step"]) > 0)
    assert abs(a["loss"].mean() - 3.0) < 0.1  # averaging keeps the mean honest


def test_arrays_are_copies():
    h = DecimatingHistory(("step",), capacity=8)
    h.append((1.0,))
    a = h.arrays()
    a["step"][0] = 99
    assert h.arrays()["step"][0] == 1.0
