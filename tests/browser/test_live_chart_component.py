"""The live-chart component's JavaScript (ui/plotly_component.py) in a bare page, without a
server: the mount/update/unmount sequences Streamlit produces, at a speed a test can force.

The classroom CI run caught "Cannot read properties of undefined (reading '_rehover')": a chart
unmounted (Plotly.purge) while its Plotly.react was still drawing. These tests replay that.
Where plotly.js is loaded from is checked on pages at made-up URLs (Playwright answers every
request), with a stand-in plotly.js: the real one is served and drawn in tests/browser/test_base_path.py.
"""

from __future__ import annotations

import pytest

from ui.plotly_component import JS, URL_PATH, ensure_plotly_js

pytestmark = pytest.mark.browser

# The component is an ES module; as a classic script its default export becomes a global.
SCRIPT = JS.replace("export default function", "window.gxLiveChart = function", 1)

# Mount, update and unmount in every order, unmounting while a redraw is in flight (after a few
# microtask turns Plotly.react has started and not finished), then wait for the charts to settle.
CHURN = """async (rounds) => {
  const parent = document.getElementById('host');
  const tick = () => Promise.resolve();
  let last = null;
  for (let i = 0; i < rounds; i++) {
    const fig = JSON.stringify({data: [{type: 'scatter', y: [1, 2, i]}],
                                layout: {title: {text: 'round ' + i}, xaxis: {title: {text: 'step'}}}});
    const cleanup = window.gxLiveChart({data: fig, parentElement: parent});
    if (i % 3 === 0) { await tick(); await tick(); await tick(); cleanup(); }
    else if (i % 3 === 1) { await new Promise((r) => setTimeout(r, 15)); last = cleanup; }
    if (i % 7 === 6 && last) { last(); last = null; }
  }
  // A final mount that stays, as a page does after its last rerun.
  const fig = JSON.stringify({data: [{type: 'scatter', y: [7, 8, 9]}], layout: {title: {text: 'final'}}});
  window.gxLiveChart({data: fig, parentElement: parent});
  await new Promise((r) => setTimeout(r, 1500));
  const divs = parent.querySelectorAll('div.gx-live-chart');
  const d = divs[0];
  return {divs: divs.length, title: d.layout && d.layout.title.text,
          y: d._fullData ? Array.from(d._fullData[0].y) : null};
}"""


@pytest.fixture
def chart_page(page, request):
    page.set_content("<html><body><div id='host' style='width:640px'></div></body></html>")
    page.add_script_tag(path=str(ensure_plotly_js()))
    page.add_script_tag(content=SCRIPT)
    return page, request.node.page_errors  # uncaught and console errors (tests/browser/conftest.py)


def test_unmounting_a_chart_mid_redraw_raises_nothing_and_the_newest_figure_wins(chart_page):
    page, errors = chart_page
    result = page.evaluate(CHURN, 30)
    assert errors == [], errors
    assert result == {"divs": 1, "title": "final", "y": [7, 8, 9]}, result


def test_an_update_redraws_the_same_div_and_an_identical_figure_is_not_redrawn(chart_page):
    page, errors = chart_page
    result = page.evaluate("""async () => {
      const parent = document.getElementById('host');
      const settle = () => new Promise((r) => setTimeout(r, 400));
      const fig = (y) => JSON.stringify({data: [{type: 'scatter', y: y}], layout: {title: {text: 't'}}});
      window.gxLiveChart({data: fig([1, 2]), parentElement: parent});
      await settle();
      const div = parent.querySelector('div.gx-live-chart');
      let redraws = 0;
      div.on('plotly_afterplot', () => { redraws += 1; });
      window.gxLiveChart({data: fig([1, 2]), parentElement: parent});  // unchanged: no redraw
      await settle();
      const unchanged = redraws;
      window.gxLiveChart({data: fig([3, 4, 5]), parentElement: parent});
      await settle();
      return {same: parent.querySelector('div.gx-live-chart') === div, unchanged: unchanged,
              changed: redraws, y: Array.from(div._fullData[0].y)};
    }""")
    assert errors == [], errors
    assert result["same"] and result["unchanged"] == 0 and result["changed"] >= 1, result
    assert result["y"] == [3, 4, 5]


def test_a_chart_out_of_view_or_in_a_hidden_tab_waits_and_draws_the_newest_figure_when_seen(chart_page):
    """Nobody sees redraws of a chart scrolled out of view or in a background tab, so it keeps
    only the newest figure and draws it when it shows again; its first figure always draws."""
    page, errors = chart_page
    result = page.evaluate("""async () => {
      const parent = document.getElementById('host');
      document.body.insertBefore(Object.assign(document.createElement('div'), {style: 'height: 3000px'}), parent);
      window.scrollTo(0, 0);
      const settle = () => new Promise((r) => setTimeout(r, 400));
      const fig = (y) => JSON.stringify({data: [{type: 'scatter', y: y}], layout: {title: {text: 't'}}});
      const shown = () => Array.from(parent.querySelector('div.gx-live-chart')._fullData[0].y);
      window.gxLiveChart({data: fig([1]), parentElement: parent});
      await settle();
      const first = shown();  // drawn although out of view: never a blank chart
      window.gxLiveChart({data: fig([2]), parentElement: parent});
      window.gxLiveChart({data: fig([3]), parentElement: parent});
      await settle();
      const offscreen = shown();
      parent.scrollIntoView();
      await settle();
      const scrolledTo = shown();
      Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
      document.dispatchEvent(new Event('visibilitychange'));
      window.gxLiveChart({data: fig([4]), parentElement: parent});
      await settle();
      const hiddenTab = shown();
      Object.defineProperty(document, 'hidden', {configurable: true, get: () => false});
      document.dispatchEvent(new Event('visibilitychange'));
      await settle();
      return {first, offscreen, scrolledTo, hiddenTab, back: shown()};
    }""")
    assert errors == [], errors
    assert result == {"first": [1], "offscreen": [1], "scrolledTo": [3], "hiddenTab": [3], "back": [4]}, result


# Enough of Plotly for the component: react "draws" by writing the figure's y into the div.
FAKE_PLOTLY = """window.Plotly = {
  react: (div, data) => { div.dataset.drawn = JSON.stringify(data[0].y); return Promise.resolve(div); },
  purge: () => {},
};"""
MOUNT = """async (y) => {
  window.gxLiveChart({data: JSON.stringify({data: [{type: 'scatter', y: y}], layout: {}}),
                      parentElement: document.getElementById('host')});
  await new Promise((r) => setTimeout(r, 300));
  const div = document.querySelector('div.gx-live-chart');
  const error = div.querySelector('.gx-live-chart-error');
  return error ? error.textContent : div.dataset.drawn || 'blank';
}"""


def _serve_app_pages(page, plotly_found: list[bool]) -> list[str]:
    """Answer every http://gx.test request: plotly.js (the stand-in, or a 404 while
    plotly_found[0] is False) and, for any other path, a page holding the component. Returns
    the plotly.js URLs the page asked for."""
    asked: list[str] = []

    def answer(route):
        url = route.request.url
        if url.endswith("/plotly.min.js"):
            asked.append(url)
            if plotly_found[0]:
                route.fulfill(status=200, content_type="text/javascript", body=FAKE_PLOTLY)
            else:
                route.fulfill(status=404, body="not found")
        else:
            route.fulfill(status=200, content_type="text/html", body="<div id='host' style='width:640px'></div>")

    page.route("http://gx.test/**", answer)
    return asked


def test_plotly_js_is_loaded_from_the_apps_own_path_on_every_kind_of_page_url(page, request):
    """Streamlit puts a page at <base>/ or <base>/<page>; plotly.js is at <base>/app/static/ for
    any base path: none, --server.baseUrlPath, or a proxy's prefix the server never sees."""
    asked = _serve_app_pages(page, [True])
    cases = {
        "http://gx.test/": "http://gx.test",
        "http://gx.test/playground?preset=ring8-collapse": "http://gx.test",
        "http://gx.test/gan/": "http://gx.test/gan",
        "http://gx.test/gan/theory": "http://gx.test/gan",
        "http://gx.test/school/gan/image-gan#top": "http://gx.test/school/gan",
        "http://gx.test/user/ada/proxy/8501/mode-collapse": "http://gx.test/user/ada/proxy/8501",
    }
    for page_url, base in cases.items():
        page.goto(page_url)
        page.add_script_tag(content=SCRIPT)
        assert page.evaluate(MOUNT, [1, 2]) == "[1,2]", page_url
        assert asked[-1] == f"{base}/{URL_PATH}", page_url
    assert len(asked) == len(cases)
    assert request.node.page_errors == [], request.node.page_errors


def test_a_chart_whose_plotly_js_cannot_load_says_so_and_draws_once_it_can(page, request):
    """A blank space explains nothing: the chart shows one line saying what failed (and the
    console says it once, not per chart or per refresh); a later figure retries after RETRY_MS."""
    found = [False]
    asked = _serve_app_pages(page, found)
    page.goto("http://gx.test/gan/playground")
    page.add_script_tag(content=SCRIPT)
    message = f"Chart library (plotly.js) could not load from http://gx.test/gan/{URL_PATH}: charts cannot draw."
    assert page.evaluate(MOUNT, [1]) == message
    assert page.locator(".gx-live-chart-error").is_visible()
    assert page.evaluate(MOUNT, [2]) == message  # a refresh within RETRY_MS: no new request
    errors = request.node.page_errors
    assert errors == [f"console: {message}"], errors
    assert len(asked) == 1, asked
    errors.clear()  # expected: the page fixture fails a test on any console error left

    found[0] = True
    page.evaluate("() => { const now = Date.now; Date.now = () => now() + 10000; }")  # RETRY_MS later
    assert page.evaluate(MOUNT, [3]) == "[3]"
    assert page.locator(".gx-live-chart-error").count() == 0
    assert len(asked) == 2 and errors == [], (asked, errors)


DRAW_BOTH = """async ([plain, compact]) => {
  const host = document.getElementById('host');
  const drawn = [];
  for (const text of [plain, compact]) {
    const div = document.createElement('div');
    div.style.width = '640px';
    host.appendChild(div);
    const fig = JSON.parse(text);
    await Plotly.react(div, fig.data, fig.layout);
    const plain = (v) => (v && v.length !== undefined && typeof v !== 'string') ? Array.from(v, plain) : v;
    drawn.push({
      data: div._fullData.map((t) => ({x: plain(t.x), y: plain(t.y), z: plain(t.z)})),
      paths: Array.from(div.querySelectorAll('path.js-line, path.point, image')).map(
        (p) => p.getAttribute('d') || p.getAttribute('href').length),
    });
  }
  return drawn;
}"""


@pytest.mark.parametrize("name", ["playground", "loss", "digits_quality"])
def test_plotly_draws_the_compact_json_as_it_draws_plotlys_own(chart_page, name):
    """Typed arrays (ui/figure_json.py) decode to the numbers the plain JSON lists, and a NaN still
    breaks a line: every trace's data and every drawn line, point and heatmap image are the same."""
    import numpy as np
    import plotly.io as pio
    from figure_checks import all_figures

    from ui.figure_json import figure_json

    page, errors = chart_page
    fig = all_figures()[name]
    if name == "loss":  # a gap: the line must break at NaN, as it does at null
        fig["data"][0]["y"] = np.asarray(fig["data"][0]["y"], dtype=np.float64).copy()
        fig["data"][0]["y"][10:14] = np.nan
    plain, compact = page.evaluate(DRAW_BOTH, [pio.to_json(fig, validate=False), figure_json(fig)])
    assert compact == plain
    assert plain["paths"]
    assert errors == [], errors


def test_a_chart_showing_only_its_title_band_redraws_when_that_band_changes_or_its_plot_shows(chart_page):
    """At the bottom edge of the window only a chart's title and legend may show (the Image GAN's loss
    and accuracy charts at 1400x1000): moved lines are out of sight, so they wait, as an off-screen
    chart's do; a changed title redraws at once; scrolling the plot into view draws the newest."""
    page, errors = chart_page
    result = page.evaluate("""async () => {
      const parent = document.getElementById('host');
      document.body.insertBefore(Object.assign(document.createElement('div'), {style: 'height: 3000px'}), parent);
      const settle = () => new Promise((r) => setTimeout(r, 400));
      const fig = (y, title) => JSON.stringify({data: [{type: 'scatter', y: y, name: 'D loss'}],
        layout: {title: {text: title}, height: 300, margin: {t: 90, b: 40}}});
      window.gxLiveChart({data: fig([1], 'losses'), parentElement: parent});
      await settle();
      const div = parent.querySelector('div.gx-live-chart');
      const shown = () => [Array.from(div._fullData[0].y), div._fullLayout.title.text];
      // Scroll so that only the chart's top 40 px (inside its 90 px title band) are in the window.
      window.scrollTo(0, div.getBoundingClientRect().top + window.scrollY - window.innerHeight + 40);
      await settle();
      window.gxLiveChart({data: fig([2], 'losses'), parentElement: parent});
      await settle();
      const bandOnly = shown();
      window.gxLiveChart({data: fig([3], 'losses at step 3'), parentElement: parent});
      await settle();
      const newTitle = shown();
      window.gxLiveChart({data: fig([4], 'losses at step 3'), parentElement: parent});
      await settle();
      window.scrollBy(0, 150);  // now part of the plot shows
      await settle();
      return {bandOnly, newTitle, plotInView: shown()};
    }""")
    assert errors == [], errors
    assert result == {
        "bandOnly": [[1], "losses"],
        "newTitle": [[3], "losses at step 3"],
        "plotInView": [[4], "losses at step 3"],
    }, result
