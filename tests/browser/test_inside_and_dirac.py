"""Issue 25 in a real browser: Inside G and D on digits and Fashion-MNIST and the Dirac GAN on the
Theory page, each opened by the link a teacher would put on a slide, live, at a projector's
1280×720 and 1024×768 with nothing cut off (screenshots for docs/). What looking inside costs
training is measured by benchmarks/inside.py."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import _streamlit_server, _watch_for_errors
from tests.browser.helpers import (
    APP,
    address,
    click_sidebar_button,
    exceptions,
    image_sources,
    layout_problems,
    open_page,
    set_expander,
    status,
    step,
    wait_idle,
    wait_until,
    whole_page_in_view,
)

pytestmark = pytest.mark.browser

SIZES = ((1280, 720), (1024, 768))
SECTION = "G and D, layer by layer (live)"


def _main(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def _look_at_both_sizes(page, screenshot_dir, name: str) -> list[str]:
    """Layout problems at both projector sizes (controls at the window's size, chart texts with the
    whole page in view), and a whole-page screenshot at each."""
    problems = []
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_timeout(700)
        problems += [f"{width}x{height}: {p}" for p in layout_problems(page) if "chart text" not in p]
        with whole_page_in_view(page, width=width):
            page.wait_for_timeout(2000)  # charts below the fold redraw once in view
            problems += [f"{width}x{height}, whole page: {p}" for p in layout_problems(page)]
            page.screenshot(path=str(screenshot_dir / f"{name}-{width}.png"))
    return problems


@pytest.mark.parametrize(
    "preset, pause_at, z",
    [("digits", 1000, 5), ("fashion", 2000, 3)],
    ids=["digits", "fashion"],
)
def test_inside_g_and_d_opens_from_its_link_and_pauses_at_the_step_it_names(
    browser, app_url, screenshot_dir, fashion_mnist, preset, pause_at, z
):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    open_page(page, f"{app_url}/inside?preset={preset}&z={z}&pause_at={pause_at}")
    assert not exceptions(page), exceptions(page)
    assert f"Training pauses itself at step {pause_at:,}" in _main(page)
    click_sidebar_button(page, "▶ Start")
    assert wait_until(lambda: step(page) > 20, timeout=60), status(page)
    before = image_sources(page)
    assert wait_until(lambda: image_sources(page) != before, timeout=30)  # the tiles move with training
    # The walk is the live section's own refresh (once a second), which can come after the tiles' first move.
    heading = f"noise vector #{z} → image (G as it trains"
    assert wait_until(lambda: heading in _main(page) and "The same pixels" in _main(page), timeout=30), _main(page)
    main = _main(page)
    side = 28 if preset == "fashion" else 8
    assert f"image (tanh) → 1×{side}×{side}" in main and f"ConvTranspose2d → 1×{side}×{side}" in main
    # The link's step: the run pauses itself exactly there, and the page says so.
    assert wait_until(lambda: "paused" in status(page) and step(page) == pause_at, timeout=300), status(page)
    wait_idle(page)
    assert f"Paused at step {pause_at:,}" in _main(page)
    assert f"step {pause_at:,})" in _main(page)  # the walk on screen is G at that step
    problems = _look_at_both_sizes(page, screenshot_dir, f"inside-{preset}")
    assert not exceptions(page), exceptions(page)
    assert problems == [], "\n".join(problems)
    context.close()


def test_the_dirac_gan_opens_from_its_link_and_spirals_out(browser, app_url, screenshot_dir):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    open_page(page, f"{app_url}/theory?dirac=1&dirac_update=simultaneous&dirac_h=0.2")
    page.wait_for_selector(f"{APP} >> text=Convex is not enough.", timeout=60_000)
    titles = "() => Array.from(document.querySelectorAll('.js-plotly-plot .gtitle')).map(t => t.textContent)"
    assert wait_until(lambda: any("h = 0.2" in t for t in page.evaluate(titles)), timeout=30)  # the link's h

    def distance() -> float:
        match = re.search(r"distance to the equilibrium ([\d.]+)", _main(page))
        return float(match.group(1)) if match else float("nan")

    start = distance()
    page.locator(APP).get_by_role("button", name="▶ Play").click()
    assert wait_until(lambda: distance() > 1.5 * start, timeout=90), distance()  # simultaneous: spiral out
    page.locator(APP).get_by_role("button", name="⏸ Pause").click()
    wait_idle(page)
    assert wait_until(lambda: "dirac_h=0.2" in address(page) and "dirac=1" in address(page), timeout=10), address(page)
    problems = _look_at_both_sizes(page, screenshot_dir, "theory-dirac")
    page.set_viewport_size({"width": 1280, "height": 720})
    with whole_page_in_view(page, width=1280):
        page.wait_for_timeout(1500)
        section = page.locator("[data-testid='stMain'] [data-testid='stExpander']").first
        section.screenshot(path=str(screenshot_dir / "theory-dirac.png"))
    assert not exceptions(page), exceptions(page)
    assert problems == [], "\n".join(problems)
    context.close()


def test_closing_the_section_stops_drawing_the_walk_and_training_goes_on(browser, app_url):
    """What benchmarks/inside.py toggles to measure the walk's cost (steps/s open vs closed): the
    header closes and opens the live section in a real browser while the run trains."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    open_page(page, f"{app_url}/inside?preset=digits")
    click_sidebar_button(page, "▶ Start")
    assert wait_until(lambda: "layer by layer: noise vector #0" in _main(page), timeout=60), _main(page)
    for want_open in (False, True):
        wait_idle(page)
        set_expander(page, SECTION, open=want_open)
        wait_idle(page)
        assert wait_until(lambda w=want_open: ("look=0" in address(page)) != w, timeout=30), address(page)
        before = step(page)
        assert wait_until(lambda b=before: step(page) > b + 20, timeout=60), status(page)  # it trains on
        shown = wait_until(lambda w=want_open: ("layer by layer: noise vector" in _main(page)) == w, timeout=30)
        assert shown, _main(page)
    click_sidebar_button(page, "⏸ Pause")
    assert not exceptions(page), exceptions(page)
    context.close()


def test_the_live_section_survives_many_openings_and_closings_on_a_busy_server(browser):
    """Streamlit 1.67 could lose the element after a timed fragment when a click's full rerun crossed
    the fragment's own reruns on a busy server (ui/fragments.py): the section's expander vanished
    from the page, or the page died ("'setIn' cannot be called on an ElementNode"). With three other
    runs training in the same server, as in a classroom, the section is closed and opened 30 times;
    it must be there every time, with no page error. The server must also draw or drop the walk each
    time; on such a busy server it sometimes keeps the section's old state (the address says `look=0`
    while the section is open and empty), a separate race found by this test and not fixed yet: the
    test then ends as xfail, naming the toggles. A server of its own: four runs train at once."""
    with _streamlit_server(log_name="server-busy.log") as url:
        contexts = [browser.new_context(viewport={"width": 1280, "height": 720}) for _ in range(4)]
        for context in contexts[1:]:
            other = context.new_page()
            open_page(other, f"{url}/playground?preset=ring8")
            click_sidebar_button(other, "▶ Start")
        page = contexts[0].new_page()
        errors = _watch_for_errors(page)
        open_page(page, f"{url}/inside?preset=digits")
        click_sidebar_button(page, "▶ Start")
        assert wait_until(lambda: "layer by layer: noise vector #0" in _main(page), timeout=60), _main(page)
        unfollowed = []
        for n in range(30):
            want_open = n % 2 == 1
            set_expander(page, SECTION, open=want_open)  # times out if the section is gone
            if not wait_until(lambda w=want_open: ("layer by layer: noise vector" in _main(page)) == w, timeout=30):
                unfollowed.append((n, want_open, address(page)))  # the server did not draw (or drop) the walk
        assert not errors, errors
        assert not exceptions(page), exceptions(page)
        for context in contexts:
            context.close()
    if unfollowed:  # a separate race, not yet fixed: reported as such instead of passing in silence
        pytest.xfail(f"known race: the server kept the section's old state after toggles {unfollowed}")
