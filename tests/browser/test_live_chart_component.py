"""The live-chart component's JavaScript (ui/plotly_component.py) in a bare page, without a
server: the mount/update/unmount sequences Streamlit produces, at a speed a test can force.

The classroom CI run caught "Cannot read properties of undefined (reading '_rehover')": a chart
unmounted (Plotly.purge) while its Plotly.react was still drawing. These tests replay that.
"""

from __future__ import annotations

import pytest

from ui.plotly_component import JS, ensure_plotly_js

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
