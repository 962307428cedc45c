"""Who is who in the class, across reloads: signed passes and the class's nicknames.

A browser session ends with a reload; the teacher's right to run the class and a student's nickname
must not. The server hands each a *pass*: a short token it signs with HMAC-SHA256 (role, a random
owner id, the nickname, an expiry time), kept by the browser (ui.identity) and shown back by every
new session of that browser. A pass carries no key: the teacher's pass says "teacher" and is good
until it expires, and only this server process, whose secret is random and never leaves its memory,
can make or check one. A server restart therefore ends every pass (the class's board and lesson are
gone by then too: both live in the server's memory).

The roster gives each nickname to one owner: a student who joins again with their nickname from
the same browser (the same owner) gets it back, and nobody else can take it. Nicknames follow the
class board's rules (classroom.board.check_nickname) and bounds. Pure Python, no Streamlit.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from classroom.board import MAX_STUDENTS, BoardError, check_nickname
from classroom.server_wide import ServerWide

PASS_SECONDS = 8 * 3600  # a school day: a pass from this morning is no good tomorrow
MAX_PASS_CHARS = 512  # longer is not a pass of ours: not even decoded
MAX_NICKNAMES = 4 * MAX_STUDENTS  # several classes on one server in a day
TEACHER, STUDENT = "teacher", "student"


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class Pass:
    role: str  # TEACHER or STUDENT
    owner: str  # random, secret: the one thing that says "this browser"
    nickname: str  # a student's nickname ("" for the teacher, or a student who has none yet)
    expires: float  # time.time() after which the pass is refused


class Signer:
    """Issues and checks passes with a secret of this process (random unless a test gives one)."""

    def __init__(self, secret: bytes | None = None, clock: Callable[[], float] = time.time) -> None:
        self._secret = secret if secret is not None else secrets.token_bytes(32)
        self._clock = clock

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._secret, payload.encode("ascii"), hashlib.sha256).digest())

    def issue(self, role: str, owner: str, nickname: str = "", seconds: float = PASS_SECONDS) -> str:
        body = {"r": role, "o": owner, "n": nickname, "e": int(self._clock() + seconds)}
        payload = _b64(json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode("ascii"))
        return f"{payload}.{self._mac(payload)}"

    def read(self, token: str | None) -> Pass | None:
        """The pass `token` carries, or None: not ours, altered, expired or malformed (never an error)."""
        if not token or len(token) > MAX_PASS_CHARS or token.count(".") != 1:
            return None
        payload, mac = token.split(".")
        try:
            if not hmac.compare_digest(mac.encode("ascii"), self._mac(payload).encode("ascii")):
                return None
            body = json.loads(_unb64(payload))
            found = Pass(str(body["r"]), str(body["o"]), str(body["n"]), float(body["e"]))
        except (ValueError, KeyError, TypeError, UnicodeError):
            return None
        if found.role not in (TEACHER, STUDENT) or not found.owner or self._clock() > found.expires:
            return None
        return found


def new_owner() -> str:
    return secrets.token_urlsafe(18)


class Roster:
    """Nickname -> owner, one nickname per owner, for the server's life (a claim not renewed for
    PASS_SECONDS lapses when room is needed). One lock: many sessions claim at once."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._clock = clock
        self._by_owner: dict[str, tuple[str, float]] = {}  # owner -> (nickname, last renewed)

    def claim(self, nickname: str, owner: str) -> str:
        """Give `nickname` to `owner` (their earlier nickname is released), or BoardError: invalid,
        another owner's, or the roster is full. Returns the nickname as it is shown."""
        name = check_nickname(nickname)
        with self._lock:
            now = self._clock()
            holder = self._owner_of(name)
            if holder is not None and not hmac.compare_digest(holder, owner):
                raise BoardError(f"“{name}” is taken: pick another nickname.")
            if owner not in self._by_owner and len(self._by_owner) >= MAX_NICKNAMES:
                self._by_owner = {o: v for o, v in self._by_owner.items() if now - v[1] < PASS_SECONDS}
                if len(self._by_owner) >= MAX_NICKNAMES:
                    raise BoardError(f"The class is full ({MAX_NICKNAMES} nicknames).")
            self._by_owner[owner] = (name, now)
            return name

    def renew(self, nickname: str, owner: str) -> bool:
        """A returning browser shows its pass: True if the nickname is (still, or again) its own."""
        try:
            self.claim(nickname, owner)
        except BoardError:
            return False
        return True

    def nickname(self, owner: str | None) -> str | None:
        with self._lock:
            entry = self._by_owner.get(owner or "")
            return entry[0] if entry else None

    def _owner_of(self, name: str) -> str | None:
        folded = name.casefold()
        return next((o for o, (n, _) in self._by_owner.items() if n.casefold() == folded), None)


default_signer = ServerWide(Signer)  # its secret lives as long as this process
default_roster = ServerWide(Roster)  # the class board and the lesson share its nicknames
