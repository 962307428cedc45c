"""The app served under a path (`--server.baseUrlPath gan`), as behind a school's reverse proxy:
every page opens and its live charts draw. Before the fix the chart component asked for
plotly.js at `<origin>/app/static/` (a 404 under a base path) and every chart stayed blank.

One server and one visit per page, no training: the charts' first figures are enough to show
that plotly.js loaded from each page's own URL (nested ones included).
"""

from __future__ import annotations

import pytest

from tests.browser.helpers import (
    CHARTS,
    PAGES,
    address,
    exceptions,
    live_chart_states,
    open_page,
    screenshot_whole_page,
    wait_until,
)

pytestmark = pytest.mark.browser


def _all_drawn(page, at_least: int) -> bool:
    states = live_chart_states(page)
    return len(states) >= at_least and all(s == "drawn" for s in states)


def test_every_pages_live_charts_draw_under_a_base_path(page, app_url_under_base_path, screenshot_dir):
    base = app_url_under_base_path
    for name, path in PAGES.items():
        # The Overview as typed, without the trailing slash: the server redirects to <base>/.
        open_page(page, f"{base}/{path}" if path else base)
        assert address(page).split("?")[0] == f"{base}/{path}", address(page)
        assert not exceptions(page), (name, exceptions(page))
        assert not page.get_by_text("Page not found").count(), name
        assert wait_until(lambda n=CHARTS[name]: _all_drawn(page, n), timeout=30), (name, live_chart_states(page))
        if name == "playground":  # the page with the most charts, for a person to look at
            screenshot_whole_page(page, str(screenshot_dir / "base-path-playground.png"))
