"""The 2D playground in a real browser with its run training on a Ray cluster (issue 14).

A local 2-node cluster (1 CPU each, loopback, token auth) and `streamlit run app.py` with
GAN_EXPLAINER_RAY_ADDRESS pointing at it: the page looks and streams as on threads, the sidebar
counts the cluster's actors, and closing the tab ends the session's actor.
"""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import _streamlit_server
from tests.browser.helpers import click_sidebar_button, exceptions, open_page, plot_points, status, step, wait_until
from tests.ray_cluster import local_cluster, require_ray

pytestmark = [pytest.mark.browser, pytest.mark.ray, pytest.mark.timeout(420)]


@pytest.fixture(scope="module")
def ray_app_url():
    require_ray()
    with local_cluster() as (_, _, env):
        with _streamlit_server(log_name="server-ray.log", env=env) as url:
            yield url


def _actors(page) -> int:
    match = re.search(r"(\d+) training actors \((\d+) alive\)", status(page))
    assert match, status(page)
    return int(match.group(1))


def test_playground_streams_live_from_a_ray_actor(browser, ray_app_url, screenshot_dir):
    import ray

    context = browser.new_context(viewport={"width": 1600, "height": 900})
    page = context.new_page()
    open_page(page, f"{ray_app_url}/playground")
    assert "of 2 training slots busy" in status(page)  # the cluster's 2 CPUs are the slots
    points_before = plot_points(page)
    click_sidebar_button(page, "▶ Start")
    assert wait_until(lambda: step(page) > 0, timeout=150), status(page)
    seen = [step(page)]
    for _ in range(4):  # the picture keeps coming without a reload: every read is a later step
        assert wait_until(lambda: step(page) > seen[-1], timeout=30), status(page)
        seen.append(step(page))
    assert wait_until(lambda: max(plot_points(page) or [0]) > max(points_before or [0]), timeout=30)
    assert _actors(page) == 1 and "🟢 training" in status(page)
    assert exceptions(page) == []
    page.screenshot(path=str(screenshot_dir / "playground-ray.png"), full_page=False)
    click_sidebar_button(page, "⏸ Pause")
    assert wait_until(lambda: "paused" in status(page), timeout=30)
    context.close()  # the tab closes: its session's actor ends and its CPU comes back
    assert wait_until(lambda: ray.available_resources().get("CPU", 0) == 2, timeout=60)
