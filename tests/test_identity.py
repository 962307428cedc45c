"""Who is who across reloads (issue 27): passes the server signs, and nicknames nobody can take."""

from __future__ import annotations

import pytest

from classroom import identity as identity_module
from classroom.board import Board, BoardError, make_challenge
from classroom.identity import PASS_SECONDS, STUDENT, TEACHER, Roster, Signer


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_pass_reads_back_as_issued_and_carries_no_secret():
    signer = Signer(b"k" * 32)
    token = signer.issue(TEACHER, "owner-1")
    found = signer.read(token)
    assert found is not None and (found.role, found.owner, found.nickname) == (TEACHER, "owner-1", "")
    assert "k" * 8 not in token and len(token) < 200


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # the signature altered
        lambda t: "eyJyIjoidGVhY2hlciJ9" + t[t.index(".") :],  # another payload, the old signature
        lambda t: t + ".x",
        lambda t: "",
        lambda t: "x" * 5000,
        lambda t: "not-a-pass",
    ],
)
def test_an_altered_or_made_up_pass_is_refused(change):
    signer = Signer(b"k" * 32)
    assert signer.read(change(signer.issue(STUDENT, "owner-1", "Ada"))) is None


def test_a_pass_from_another_server_process_or_past_its_time_is_refused():
    clock = Clock()
    signer = Signer(b"k" * 32, clock=clock)
    token = signer.issue(TEACHER, "owner-1")
    assert Signer(b"j" * 32, clock=clock).read(token) is None  # a restarted server: a new secret
    assert Signer().read(token) is None  # a random one, as a server makes
    clock.now += PASS_SECONDS - 1
    assert signer.read(token) is not None
    clock.now += 2
    assert signer.read(token) is None


def test_a_nickname_belongs_to_one_browser():
    roster = Roster()
    assert roster.claim(" Ada   L ", "owner-1") == "Ada L"
    with pytest.raises(BoardError, match="taken"):
        roster.claim("ada l", "owner-2")
    assert roster.claim("Ada L", "owner-1") == "Ada L"  # the same browser gets it back
    assert roster.renew("Ada L", "owner-1") and not roster.renew("Ada L", "owner-2")
    roster.claim("Bo", "owner-1")  # a browser has one nickname: the old one is free again
    assert roster.claim("Ada L", "owner-2") == "Ada L"
    with pytest.raises(BoardError, match="2 to 20"):
        roster.claim("x", "owner-3")  # the class board's rules


def test_the_roster_is_bounded_and_lets_old_claims_lapse(monkeypatch):
    monkeypatch.setattr(identity_module, "MAX_NICKNAMES", 3)
    clock = Clock()
    roster = Roster(clock=clock)
    for i in range(3):
        roster.claim(f"Student {i}", f"owner-{i}")
    with pytest.raises(BoardError, match="full"):
        roster.claim("Late", "owner-9")
    clock.now += PASS_SECONDS + 1  # their passes have expired: room for a new class
    assert roster.claim("Late", "owner-9") == "Late"


def test_a_student_who_joins_the_board_again_from_the_same_browser_gets_their_place_back():
    board = Board()
    board.open(make_challenge("ring8-collapse", ("lr_g",)))
    token = board.join("Ada", owner="owner-1")
    assert board.join("ADA", owner="owner-1") == token
    assert board.token_for("owner-1") == token and board.token_for("owner-2") is None
    with pytest.raises(BoardError, match="taken"):
        board.join("Ada", owner="owner-2")
    with pytest.raises(BoardError, match="taken"):
        board.join("Ada")  # a session without a browser pass cannot take it either
