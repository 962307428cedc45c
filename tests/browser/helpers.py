"""What a user sees, read from the DOM: the status line, charts, images, exceptions."""

from __future__ import annotations

import re
from contextlib import contextmanager

from benchmarks.browser import address
from benchmarks.common import wait_until as _wait_until

__all__ = ["address"]  # the live address bar: poll it, never `page.url` (see benchmarks.browser.address)

APP = "[data-testid='stApp']"
SIDEBAR = "[data-testid='stSidebar']"

# The Overview is the default page: it lives at "/" (Streamlit answers /overview with "Page not found").
PAGES = {
    "overview": "",
    "playground": "playground",
    "image-gan": "image-gan",
    "inside": "inside",
    "latent-space": "latent-space",
    "mode-collapse": "mode-collapse",
    "theory": "theory",
}
# Plotly charts each page shows while training (every one must have data: no blank charts).
CHARTS = {
    "overview": 2,
    "playground": 6,
    "image-gan": 5,
    "inside": 4,
    "latent-space": 0,
    "mode-collapse": 3,
    "theory": 4,
}


def wait_idle(page, timeout: float = 60_000) -> None:
    """Connected, and no full script run in progress (what Streamlit's own e2e tests wait for)."""
    page.wait_for_selector(APP, timeout=timeout)
    page.wait_for_function(
        f"""() => {{ const a = document.querySelector("{APP}");
                 return a && a.getAttribute('data-test-connection-state') === 'CONNECTED'
                        && a.getAttribute('data-test-script-state') === 'notRunning'; }}""",
        timeout=timeout,
    )


def open_page(page, url: str) -> None:
    page.goto(url)
    wait_idle(page)
    page.wait_for_selector(f"{SIDEBAR} >> text=/step [0-9]/", timeout=60_000)


def status(page) -> str:
    return page.locator(SIDEBAR).inner_text()


def step(page) -> int:
    match = re.search(r"step ([\d,]+)", status(page))
    assert match, status(page)
    return int(match.group(1).replace(",", ""))


def wait_until(predicate, timeout: float = 30.0, interval: float = 0.2):
    """Poll a condition; returns its last value (truthy on success)."""
    return _wait_until(predicate, timeout, interval)


def exceptions(page) -> list[str]:
    return [e.inner_text() for e in page.locator("[data-testid='stException']").all()]


def click_sidebar_button(page, name: str) -> None:
    """Click, then wait for the rerun the click causes to finish (so the next action does not
    land on a button that is being replaced)."""
    page.locator(SIDEBAR).get_by_role("button", name=name).first.click()
    page.wait_for_timeout(100)  # let the click's rerun begin before waiting for it to end
    wait_idle(page)


_SETTLED = """async (details, want) => {
    // Five animation frames in a row with the expander in the wanted state and none of its
    // finite animations running (a spinner's endless one does not count). Streamlit starts the
    // height animation a frame after the click, so one calm frame proves nothing.
    const deadline = performance.now() + 10000;
    for (let calm = 0; calm < 5; ) {
        if (performance.now() > deadline) throw new Error("the expander did not settle in 10 s");
        await new Promise(r => requestAnimationFrame(r));
        const busy = details.getAnimations({ subtree: true }).some(a =>
            a.playState === "running" && isFinite(a.effect.getComputedTiming().endTime));
        calm = details.open === want && !busy ? calm + 1 : 0;
    }
}"""


def set_expander(scope, title: str, open: bool = True) -> None:
    """Open (or fold) the expander titled `title` as a person would, and return once it has stopped
    moving. Streamlit animates an expander's height for about 0.4 s; a button clicked inside it
    while it grows can have its mousedown and mouseup land on different elements (Playwright scrolls
    the still-clipped button into view and the layout moves under the pointer), and the browser
    then sends the click to their common parent: the button never hears it. A stress run of the
    board's teacher panel lost 2 clicks of 60 that way (the DOM's click event landed on the panel's
    inner <div>). `scope`: the page, or a locator such as the sidebar."""
    summary = scope.locator("[data-testid='stExpander'] details > summary").filter(has_text=title).first
    details = summary.locator("xpath=..")
    if details.evaluate("d => d.open") != open:
        summary.click()
    details.evaluate(_SETTLED, open)


def plot_points(page) -> list[int]:
    """Number of points in the first trace of every Plotly chart on the page."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd =>
              (gd._fullData && gd._fullData.length && gd._fullData[0].x) ? gd._fullData[0].x.length : 0)"""
    )


def chart_sizes(page) -> list[int]:
    """Data points drawn in each Plotly chart on the page (all traces: x, z or values, as Plotly
    decoded them; the raw figure holds base64 arrays). A chart that exists but shows nothing (0)
    is the blank chart a student would see."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).map(gd =>
              (gd._fullData || []).reduce((n, t) => n + ((t.x || t.z || t.values || []).length || 0), 0))"""
    )


@contextmanager
def whole_page_in_view(page, width: int = 1600, max_height: int = 4000):
    """Grow the window to the page's height (Streamlit scrolls inside its main block, so
    full_page screenshots stop at the window), then put it back. Live charts below the fold
    redraw only once they are in view (ui/plotly_component.py): this is how a test looks at
    every chart at once, as a student scrolling down would see each one."""
    height = page.evaluate(
        """() => { const m = document.querySelector("[data-testid='stMain']");
                  return m ? m.scrollHeight : document.body.scrollHeight; }"""
    )
    old = page.viewport_size
    page.set_viewport_size({"width": width, "height": int(min(max(height, 900), max_height))})
    try:
        yield page
    finally:
        page.set_viewport_size(old)


def screenshot_whole_page(page, path: str, width: int = 1600, max_height: int = 4000) -> None:
    with whole_page_in_view(page, width, max_height):
        page.wait_for_timeout(1500)  # Plotly's resize and one live refresh
        page.screenshot(path=path)


def image_sources(page) -> list[str]:
    return page.evaluate(
        """() => Array.from(document.querySelectorAll(
             "[data-testid='stImage'] img, [data-testid='stMainBlockContainer'] img")).map(i => i.src)"""
    )


def server_threads(page) -> int:
    match = re.search(r"(\d+) training threads", status(page))
    assert match, status(page)
    return int(match.group(1))


def live_chart_states(page) -> list[str]:
    """What each in-place live chart (ui/plotly_component.py) shows: "drawn" (plotly.js drew a
    plot in it), its one-line error message (plotly.js could not load), or "blank"."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('div.gx-live-chart')).map(div => {
              const error = div.querySelector('.gx-live-chart-error');
              if (error) return error.textContent;
              return div.querySelector('.main-svg') ? 'drawn' : 'blank'; })"""
    )


# Everything a projector at 1280x720 or 1024x768 would cut: text ending in an ellipsis, a box whose
# content is clipped or scrolls sideways out of sight, a control or text beyond the window's right
# edge, and chart texts (titles, notes, legends, axis titles) running past their chart.
LAYOUT_PROBLEMS_JS = r"""
() => {
  const problems = [];
  const vw = document.documentElement.clientWidth;
  const text = (el) => ((el.innerText || el.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 50))
    || el.getAttribute('aria-label') || el.tagName;
  const shown = (el) => {  // drawn, and not a screen-reader-only box
    const r = el.getBoundingClientRect();
    if (!(r.width > 0 && r.height > 0)) return false;
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      if (cs.display === 'none' || cs.visibility === 'hidden' || cs.clipPath === 'inset(50%)') return false;
    }
    return true;
  };
  const skipped = '.js-plotly-plot, svg, [data-testid="stDataFrame"], [data-testid="stCode"], pre, '
    + '[data-testid="stToast"], [data-testid="stTooltipContent"]';
  const scrollers = "[data-testid='stSidebarContent'], [data-testid='stSidebarUserContent'], [data-testid='stMain']";
  const controls = "button, input, textarea, [role='slider'], [role='radio'], [role='checkbox'], [role='switch'], "
    + "label, [data-testid='stMetricValue'], h1, h2, h3, h4, h5, p, li";
  for (const root of document.querySelectorAll("[data-testid='stMain'], [data-testid='stSidebar']")) {
    for (const el of root.querySelectorAll('*')) {
      if (el.closest(skipped)) continue;
      const cs = getComputedStyle(el);
      const over = el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 2;
      if (!over || !shown(el)) continue;
      if (cs.textOverflow === 'ellipsis') {
        problems.push(`truncated: "${text(el)}"`);
      } else if (['auto', 'scroll', 'hidden', 'clip'].includes(cs.overflowX) && !el.matches(scrollers)) {
        problems.push(`cut off (${cs.overflowX}, ${el.scrollWidth} > ${el.clientWidth} px): "${text(el)}"`);
      }
    }
    for (const el of root.querySelectorAll(controls)) {
      if (el.closest('.js-plotly-plot, svg') || !shown(el)) continue;
      const r = el.getBoundingClientRect();
      if (r.right > vw + 1 || r.left < -1) {
        problems.push(`outside the window (${Math.round(r.left)}..${Math.round(r.right)} of ${vw} px): "${text(el)}"`);
      }
    }
  }
  const chartTexts = '.gtitle, .gtitle-subtitle, .annotation-text, .g-xtitle text, .g-ytitle text, .legendtext, '
    + '.cbtitle text';
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    if (!shown(gd)) continue;
    const box = gd.getBoundingClientRect();
    for (const t of gd.querySelectorAll(chartTexts)) {
      const r = t.getBoundingClientRect();
      // (a text's box holds the font's whole ascent: a title 2 px above the top still shows whole)
      const out = r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 3 || r.bottom > box.bottom + 3;
      if (r.width && out) {
        problems.push(`chart text outside its chart: "${text(t)}"`);
      }
    }
    // A legend that wrapped onto more rows than its chart made room for covers the title or the plot.
    const overlap = (a, b) => a.width > 0 && b.width > 0 && a.left < b.right - 2 && b.left < a.right - 2
      && a.top < b.bottom - 2 && b.top < a.bottom - 2;
    const legend = gd.querySelector('.legend .bg') || gd.querySelector('.legend');
    const title = gd.querySelector('.gtitle');
    const plot = gd.querySelector('.draglayer .nsewdrag');
    if (legend) {
      const l = legend.getBoundingClientRect();
      if (title && overlap(l, title.getBoundingClientRect())) {
        problems.push(`chart text: a legend covers the title "${text(title)}"`);
      }
      if (plot && overlap(l, plot.getBoundingClientRect())) {
        problems.push(`chart text: a legend covers the plot of "${title ? text(title) : 'a chart'}"`);
      }
    }
  }
  // Charts keep to their own place on the page: none spills over what follows it or over another.
  const charts = Array.from(document.querySelectorAll('.js-plotly-plot'))  // (a chart 0 px high is one)
    .filter((gd) => gd.querySelector('svg.main-svg') && shown(gd.querySelector('svg.main-svg')));
  charts.forEach((gd, i) => {
    const svg = gd.querySelector('svg.main-svg');
    const place = gd.closest("[data-testid='stElementContainer']");
    if (svg && place && svg.getBoundingClientRect().bottom > place.getBoundingClientRect().bottom + 2) {
      const name = text(gd.querySelector('.gtitle') || gd);
      problems.push(`chart text: a chart spills out of its place on the page (${name})`);
    }
    for (const other of charts.slice(i + 1)) {
      const a = gd.getBoundingClientRect();
      const b = other.getBoundingClientRect();
      if (a.left < b.right - 2 && b.left < a.right - 2 && a.top < b.bottom - 2 && b.top < a.bottom - 2) {
        problems.push('chart text: two charts overlap');
      }
    }
  });
  return [...new Set(problems)];
}
"""


def layout_problems(page) -> list[str]:
    return page.evaluate(LAYOUT_PROBLEMS_JS)
