"""Real-browser fixtures: a live `streamlit run app.py` server and headless Debian Chromium.

The server starts on a free loopback port, the fixture waits for /_stcore/health, and it is
always shut down (also when a test fails). Playwright drives the system Chromium: its own
browser download cannot work offline. Under CI (CI=true) a missing browser fails the suite
instead of skipping it, so a broken install can never turn the browser tests green.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from benchmarks.browser import CHROMIUM_ARGS, address, find_chromium, free_port, healthy

ROOT = Path(__file__).resolve().parents[2]
TEACHER_KEY = "browser-test-teacher-key"  # the servers' teacher key (issue 15); never on a page or in a log
SCREENSHOTS = Path(os.environ.get("GAN_EXPLAINER_SCREENSHOTS", ROOT / "test-artifacts" / "screenshots"))


def _missing(reason: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"browser tests cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)


@contextmanager
def _streamlit_server(base_path: str = "", log_name: str = "server.log", env: dict[str, str] | None = None):
    """`streamlit run app.py` on a free loopback port, under `base_path` (--server.baseUrlPath)
    if one is given; yields the app's URL, base path included."""
    port = free_port()
    prefix = base_path.strip("/")  # Streamlit strips the slashes, too (url_util.make_url_path)
    url = f"http://127.0.0.1:{port}" + (f"/{prefix}" if prefix else "")
    options = ["--server.baseUrlPath", base_path] if base_path else []
    (ROOT / "test-artifacts").mkdir(exist_ok=True)
    log = open(ROOT / "test-artifacts" / log_name, "w")
    env = dict(
        os.environ,
        GAN_EXPLAINER_MAX_TRAINING="4",
        GAN_EXPLAINER_TEACHER_KEY=TEACHER_KEY,
        PYTHONUNBUFFERED="1",
        **(env or {}),
    )
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--server.fileWatcherType",
            "none",
            "--browser.gatherUsageStats",
            "false",
            *options,
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        while not healthy(url):
            if proc.poll() is not None:
                pytest.fail(f"streamlit exited with {proc.returncode}; see test-artifacts/{log_name}")
            if time.monotonic() > deadline:
                pytest.fail("streamlit did not become healthy within 90 s")
            time.sleep(0.2)
        yield url
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="session")
def app_url():
    with _streamlit_server() as url:
        yield url


BASE_PATH = "gan"


@pytest.fixture(scope="module")
def app_url_under_base_path():
    """The app served under a path, as behind a school's reverse proxy or a JupyterHub server
    proxy: `<origin>/gan/` (only for the module that asks: a second server costs CPU)."""
    with _streamlit_server(BASE_PATH, log_name="server-base-path.log") as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[test]')")
    path = find_chromium()
    if path is None:
        _missing("no Chromium found (apt-get install -y chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


def _watch_for_errors(pg) -> list[str]:
    """Uncaught errors and console errors of the page (a chart that throws while drawing shows no
    exception box: only this sees it). Failed requests are left out: the console's copy of them
    says less than the test's own checks."""
    errors: list[str] = []
    pg.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    pg.on(
        "console",
        lambda msg: (
            msg.type == "error"
            and not msg.text.startswith("Failed to load resource")
            and errors.append(f"console: {msg.text[:300]}")
        ),
    )
    return errors


def _failed(request) -> bool:
    report = getattr(request.node, "rep_call", None)
    return report is not None and report.failed


def _show_at_failure(request, pages: dict[str, Any]) -> None:
    """Print what each page still shows (address, sidebar, main area) and save its screenshot: a CI
    log then says what the user saw, not only which locator timed out."""
    failed = ROOT / "test-artifacts" / "failures"
    failed.mkdir(parents=True, exist_ok=True)
    for label, pg in pages.items():
        try:
            print(f"--- page {label} at failure: {address(pg)}")
            for part in ("stSidebar", "stMain"):
                text = pg.locator(f"[data-testid='{part}']").inner_text(timeout=5_000)
                print(f"[{part}] {text[:3000]}")
            pg.screenshot(path=str(failed / f"{request.node.name}-{label}.png"), full_page=True)
        except Exception as exc:  # the page may be gone: say so, keep the test's own failure
            print(f"(could not read page {label}: {exc})")


@pytest.fixture(autouse=True)
def _what_the_pages_showed_on_failure(request):
    """A failed test that opened its own browser contexts never reached their `close()`: show what
    their pages still show, then close them (the `page` fixture shows and closes its own)."""
    yield
    if not _failed(request) or "browser" not in request.fixturenames:
        return
    contexts = list(request.getfixturevalue("browser").contexts)
    _show_at_failure(request, {f"{n}.{m}": pg for n, c in enumerate(contexts) for m, pg in enumerate(c.pages)})
    for context in contexts:
        context.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1600, "height": 900})
    pg = context.new_page()
    errors = _watch_for_errors(pg)
    request.node.page_errors = errors  # for a test that checks them itself, mid-test
    yield pg
    report = getattr(request.node, "rep_call", None)
    if _failed(request):  # what the user saw when it went wrong
        _show_at_failure(request, {"fixture": pg})
    context.close()
    if report is not None and report.passed:  # a test that passed still fails on a page error
        assert errors == [], f"the page logged errors: {errors}"


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    print(f"\nscreenshots: {SCREENSHOTS}")
    return SCREENSHOTS
