"""The server's one board, lesson, scheduler, signer and roster: made on first use, shared by all.

A class shares one Streamlit server process, and every session must see the same class state, so each
of these is one object per process, made under a lock the first time a page asks (two sessions
opening at once must not make two boards).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class ServerWide(Generic[T]):
    """`get = ServerWide(Board)`; `get()` is the process's one Board."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._lock = threading.Lock()
        self._made: T | None = None

    def __call__(self) -> T:
        with self._lock:
            if self._made is None:
                self._made = self._factory()
            return self._made

    def reset(self) -> None:
        """Forget the object: the next call makes a new one (what a restarted server would have)."""
        with self._lock:
            self._made = None
