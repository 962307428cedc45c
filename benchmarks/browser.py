"""A live app server and headless Chromium as plain functions (mirrors tests/browser/conftest.py).

`Server` starts `streamlit run app.py` on a free loopback port exactly as the browser tests
do and always shuts it down; `chromium()` launches Debian's Chromium through Playwright (never
Playwright's own download). `StepRecorder` watches the status line from inside the page with a
MutationObserver, so the benchmark reads the server's step counter at every refresh without
polling the page (polling would itself take CPU from the training thread it measures).
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from benchmarks.common import ROOT, log, wait_until
from benchmarks.procfs import cpu_seconds

# The same Chromium and flags as tests/browser/conftest.py.
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORT = {"width": 1600, "height": 900}
# What the streaming benchmark watches at: issue 26's laptop, a 1400x1000 window (the Image GAN's
# grids, the tops of its loss and accuracy charts and the sidebar's status line in view).
LAPTOP_VIEWPORT = {"width": 1400, "height": 1000}
SIDEBAR = "[data-testid='stSidebar']"
MAIN = "[data-testid='stMain']"


class BrowserUnavailable(RuntimeError):
    """Playwright or Chromium is missing: the browser benchmarks cannot run here."""


def find_chromium() -> str | None:
    env = os.environ.get("CHROMIUM_PATH")
    for path in ([env] if env else []) + list(CHROMIUM_CANDIDATES):
        if path and Path(path).exists():
            return path
    return shutil.which("chromium")


def browser_missing_reason() -> str | None:
    """Why the browser benchmarks cannot run, or None when they can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if find_chromium() is None:
        return "no Chromium found (apt-get install -y chromium)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.read().decode().strip() == "ok"
    except OSError:
        return False


# --- the app server -------------------------------------------------------------------------------
class Server:
    """`streamlit run app.py` on a free loopback port (see tests/browser/conftest.py)."""

    def __init__(
        self,
        root: Path = ROOT,
        log_path: Path | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 90.0,
        options: dict[str, str] | None = None,
    ) -> None:
        self.root = Path(root)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.extra_env = {"GAN_EXPLAINER_MAX_TRAINING": "4", "PYTHONUNBUFFERED": "1", **(env or {})}
        self.timeout = timeout
        # Extra `streamlit run` config options, e.g. {"runner.postScriptGC": "false"}, for A/B runs.
        self.options = dict(options or {})
        self.proc: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def start(self) -> Server:
        if self.log_path is not None:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "w")
        else:
            self._log = open(os.devnull, "w")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(self.root / "app.py"),
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
                "--browser.gatherUsageStats",
                "false",
            ]
            + [arg for name, value in self.options.items() for arg in (f"--{name}", str(value))],
            cwd=self.root,
            env=dict(os.environ, **self.extra_env),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + self.timeout
        while not healthy(self.url):
            if self.proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"streamlit exited with {self.proc.returncode}; see {self.log_path}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"streamlit did not become healthy within {self.timeout:.0f} s")
            time.sleep(0.2)
        return self

    def stop(self) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
            except ProcessLookupError:
                pass
        self._log.close()

    def wait_quiet(self, threshold: float = 0.05, window: float = 1.0, timeout: float = 60.0) -> float:
        """Wait until the server uses < `threshold` of a core over `window` s (no run trains).
        Returns the last measured CPU fraction."""
        deadline = time.monotonic() + timeout
        while True:
            c0 = cpu_seconds(self.pid)
            time.sleep(window)
            frac = (cpu_seconds(self.pid) - c0) / window
            if frac < threshold or time.monotonic() > deadline:
                if frac >= threshold:
                    log(f"warning: the server still uses {frac:.0%} of a core after {timeout:.0f} s")
                return frac

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


@contextmanager
def start_server(**kwargs) -> Iterator[Server]:
    server = Server(**kwargs)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@contextmanager
def launch_chromium() -> Iterator[object]:
    """A headless Debian Chromium driven by Playwright (raises BrowserUnavailable)."""
    reason = browser_missing_reason()
    if reason:
        raise BrowserUnavailable(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def new_page(browser, viewport: dict[str, int] | None = None) -> Iterator[object]:
    """A fresh browser context (= a fresh Streamlit session) and one page in it."""
    context = browser.new_context(viewport=viewport or VIEWPORT)
    try:
        yield context.new_page()
    finally:
        context.close()


# --- reading the page -----------------------------------------------------------------------------
STEP_RE = re.compile(r"step ([\d,]+)")

_RECORDER_JS = """
() => {
  if (window.__gb) return;
  const stepRe = /step ([\\d,]+)/g;
  const gb = window.__gb = {status: [], main: [], lastText: null, lastMain: -1e9, observer: null};
  const sidebarSteps = () => {
    const sb = document.querySelector("%(sidebar)s");
    if (!sb) return null;
    const text = sb.textContent;
    const steps = [];
    for (const m of text.matchAll(stepRe)) steps.push(parseInt(m[1].replace(/,/g, ''), 10));
    return steps.length ? steps : null;
  };
  gb.read = sidebarSteps;
  gb.observer = new MutationObserver((records) => {
    const now = performance.now();
    const sb = document.querySelector("%(sidebar)s");
    const main = document.querySelector("%(main)s");
    let inSidebar = false, inMain = false;
    for (const r of records) {
      if (!inSidebar && sb && sb.contains(r.target)) inSidebar = true;
      else if (!inMain && main && main.contains(r.target)) inMain = true;
      if (inSidebar && inMain) break;
    }
    if (inSidebar) {
      const steps = sidebarSteps();
      const key = steps ? steps.join(',') : null;
      if (key !== null && key !== gb.lastText) {
        gb.lastText = key;
        // One refresh may update the runs' status lines in separate DOM batches: changes less
        // than 100 ms apart are one refresh (keep its final value and time).
        const last = gb.status.length ? gb.status[gb.status.length - 1] : null;
        if (last && now - last[0] < 100) { last[0] = now; last[1] = steps; } else gb.status.push([now, steps]);
      }
    }
    // main-area re-renders, merged when less than 100 ms apart: one entry per refresh
    if (inMain) { if (now - gb.lastMain > 100) gb.main.push(now); gb.lastMain = now; }
  });
  gb.observer.observe(document.body, {subtree: true, childList: true, characterData: true,
                                      attributes: true, attributeFilter: ['src']});
}
""" % {"sidebar": SIDEBAR, "main": MAIN}


class StepRecorder:
    """Records, inside the page, (time, [step of each run]) whenever the status line changes."""

    def __init__(self, page) -> None:
        self.page = page
        page.evaluate(_RECORDER_JS)

    def reset(self) -> float:
        """Forget what was recorded; returns the page clock (ms)."""
        return self.page.evaluate("() => { window.__gb.status = []; window.__gb.main = []; return performance.now(); }")

    def read(self) -> dict:
        return self.page.evaluate(
            "() => ({now: performance.now(), status: window.__gb.status, main: window.__gb.main})"
        )

    def current_steps(self) -> list[int] | None:
        return self.page.evaluate("() => window.__gb.read()")


def rate_from_records(status: list, main: list, t_start: float, t_end: float) -> dict:
    """Training rate and refresh rates from StepRecorder records inside [t_start, t_end] (ms).

    steps/s = (total step at the last change - at the first change) / (time between them):
    both ends are moments a fresh server value arrived, so no refresh-interval error."""
    inside = [(t, sum(steps)) for t, steps in status if t_start <= t <= t_end]
    out = {"status_updates": len(inside), "window_s": (t_end - t_start) / 1000}
    if len(inside) >= 2 and inside[-1][0] > inside[0][0]:
        (ta, sa), (tb, sb) = inside[0], inside[-1]
        out["steps_per_s"] = (sb - sa) / ((tb - ta) / 1000)
        out["steps"] = sb - sa
    else:
        out["steps_per_s"] = float("nan")
        out["steps"] = 0
    span = out["window_s"]
    out["status_refresh_per_s"] = len(inside) / span if span > 0 else float("nan")
    main_inside = [t for t in main if t_start <= t <= t_end]
    out["main_refresh_per_s"] = len(main_inside) / span if span > 0 else float("nan")
    return out


def address(page) -> str:
    """The page's address bar as it is now. Polling `page.url` between sleeps reads a stale URL:
    Playwright's sync API updates it only while a Playwright call runs, so a page that rewrote its
    query string (history.replaceState) after the last call looks unchanged for as long as one
    polls (the cause of CI's "lost click" failures on 2 busy cores)."""
    return page.evaluate("() => location.href")


def sidebar_text(page) -> str:
    return page.locator(SIDEBAR).inner_text()


def sidebar_steps(page) -> list[int]:
    return [int(s.replace(",", "")) for s in STEP_RE.findall(sidebar_text(page))]


def wait_idle(page, timeout: float = 60_000) -> None:
    from tests.browser.helpers import wait_idle as _wait_idle

    _wait_idle(page, timeout)


def open_app_page(page, url: str) -> None:
    """Open `url` and wait until the sidebar shows a step counter (tests.browser.helpers.open_page)."""
    from tests.browser.helpers import open_page

    open_page(page, url)


def click_sidebar_button(page, name: str) -> None:
    from tests.browser.helpers import click_sidebar_button as _click

    _click(page, name)


def pause_and_wait(page, server: Server | None = None) -> None:
    """Press ⏸ Pause if it is there, and wait until the server stops training."""
    try:
        button = page.locator(SIDEBAR).get_by_role("button", name="⏸ Pause")
        if button.count():
            click_sidebar_button(page, "⏸ Pause")
    except Exception as exc:  # the page may be gone; the idle check below still guards
        log(f"warning: could not press pause: {exc}")
    if server is not None:
        server.wait_quiet()


def start_training(page, server: Server, path: str) -> StepRecorder:
    """Open /path, press ▶ Start and wait until training has really begun; returns the page's
    step recorder (installed before the click, so no step is missed)."""
    open_app_page(page, f"{server.url}/{path}")
    recorder = StepRecorder(page)
    click_sidebar_button(page, "▶ Start")
    if not wait_until(lambda: sum(recorder.current_steps() or [0]) > 0, 60, 0.2):
        raise RuntimeError(f"/{path}: training did not start within 60 s: {sidebar_text(page)!r}")
    return recorder
