"""This browser's passes (classroom.identity) in Streamlit: the teacher's, and a student's nickname.

A reload or a second tab starts a new session; the passes carry who it is over. Each lives in a
cookie: `st.context.cookies` gives a new session the cookies its browser sent when it connected, so
the session knows who it is in its very first run, before anything is drawn (`restore`, called by
app.py). A small in-page component writes the cookie when the session earns a pass (`keep`): it holds
the signed pass, never the teacher key; it is scoped to the app's path, SameSite=Strict, Secure over
https, and expires with the pass. Script on the app's own pages could read it (it is written by
script, so not HttpOnly), as it could read anything those pages show.
"""

from __future__ import annotations

import time
from collections.abc import Mapping

import streamlit as st

from classroom.board import BoardError
from classroom.identity import STUDENT, TEACHER, Pass, default_roster, default_signer, new_owner

COOKIES = {TEACHER: "gx_teacher", STUDENT: "gx_student"}
PASSES, RESTORED = "_passes", "_passes_restored"  # session: role -> token; passes read back once
COMPONENT_NAME = "gan_explainer_pass_keeper"

JS = r"""
export default function(component) {
  const { data } = component;
  // The app's own path (the page's address without the page), so the pass reaches this app's
  // connection (<base>/_stcore/stream) and no other app on the same host.
  let path = window.location.pathname;
  if (data.page && path.endsWith('/' + data.page)) path = path.slice(0, path.length - data.page.length);
  if (!path.endsWith('/')) path += '/';
  const secure = window.location.protocol === 'https:' ? '; Secure' : '';
  for (const c of data.cookies) {
    const now = document.cookie.split('; ').find((p) => p.startsWith(c.name + '='));
    if (now === c.name + '=' + c.value) continue;
    document.cookie = c.name + '=' + c.value + '; Path=' + path + '; Max-Age=' + c.max_age
      + '; SameSite=Strict' + secure;
  }
}
"""

_component = None


def browser_cookies() -> Mapping[str, str]:
    """The cookies this session's browser sent when it connected (AppTest has none: tests replace this)."""
    return st.context.cookies


def _passes() -> dict[str, str]:
    return st.session_state.setdefault(PASSES, {})


def restore() -> None:
    """Once per session: take this browser's passes back from its cookies. A student's pass comes back
    only while its nickname is still its own (classroom.identity.Roster)."""
    if st.session_state.get(RESTORED):
        return
    st.session_state[RESTORED] = True
    cookies = browser_cookies()
    for role, name in COOKIES.items():
        token = cookies.get(name)
        found = default_signer().read(token)
        if found is None or found.role != role:
            continue
        if role == STUDENT and not default_roster().renew(found.nickname, found.owner):
            continue
        _passes()[role] = token


def current(role: str) -> Pass | None:
    """This session's pass for `role`, while it is valid (checked at every call: passes expire)."""
    return default_signer().read(_passes().get(role))


def issue(role: str, owner: str | None = None, nickname: str = "") -> Pass:
    """A new pass for this session (and, through `keep`, this browser)."""
    token = default_signer().issue(role, owner or new_owner(), nickname)
    _passes()[role] = token
    found = default_signer().read(token)
    assert found is not None
    return found


def owner() -> str | None:
    """This browser's student owner id: a secret that files its board entry and lesson predictions."""
    mine = current(STUDENT)
    return mine.owner if mine else None


def nickname() -> str | None:
    mine = current(STUDENT)
    return mine.nickname if mine else None


def claim(name: str) -> str | None:
    """Take the nickname `name` for this browser (the class board's rules). Returns what went wrong."""
    mine = current(STUDENT)
    who = mine.owner if mine else new_owner()
    try:
        shown = default_roster().claim(name, who)
    except BoardError as exc:
        return str(exc)
    issue(STUDENT, who, shown)
    return None


def keep(page_url: str) -> None:
    """Write this session's passes to the browser's cookies (a no-op when they are there already).
    `page_url`: the page's path as the address bar shows it ("" for the home page)."""
    global _component
    cookies = []
    for role, name in COOKIES.items():
        token, found = _passes().get(role), current(role)
        if token and found:
            cookies.append({"name": name, "value": token, "max_age": max(int(found.expires - time.time()), 1)})
    if not cookies:
        return
    if _component is None:
        _component = st.components.v2.component(COMPONENT_NAME, js=JS, isolate_styles=False)
    _component(data={"cookies": cookies, "page": page_url}, key="pass-keeper")
