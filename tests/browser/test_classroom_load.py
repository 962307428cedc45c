"""The classroom load script (benchmarks/classroom.py) on a small class: it runs, and it shows
that runs take turns end to end: three students on one training slot all get to train."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_three_students_on_one_slot_all_train_in_turns_and_leave_nothing(browser, tmp_path):
    from benchmarks.browser import Server
    from benchmarks.classroom import measure, server_env
    from ui.state import WAITING_REFRESH_SECONDS

    with Server(log_path=tmp_path / "server.log", env=server_env(cap=1, turn=3)) as server:
        payload = measure(browser, server, sessions=3, seconds=24)
    r = payload["results"]
    print(payload["table"])
    assert r["errors"] == 0 and r["exceptions_on_pages"] == 0, r["error_messages"]
    assert r["connections_closed"] == 0
    # One slot, 3 s turns: every student's run trains within the window, not only the first.
    assert r["sessions_that_trained"] == 3, [p["steps_in_window"] for p in r["per_session"]]
    # Queued pages keep refreshing their status (queue position) every WAITING_REFRESH_SECONDS
    # (2 s, so ~0.5/s nominal): no page goes stale, even the ones still waiting.
    slowest = min(p["refreshes"] for p in r["per_session"])
    assert slowest >= r["window_s"] / (3 * WAITING_REFRESH_SECONDS), [p["refreshes"] for p in r["per_session"]]
    # Every session closed: the server's own count of training threads is back to 0.
    assert r["after_close"] and r["after_close"]["threads"] == 0 and r["after_close"]["busy"] == 0, r["after_close"]
