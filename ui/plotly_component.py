"""Live charts updated in place: one <div> per chart, redrawn with Plotly.react.

st.plotly_chart in Streamlit 1.67 re-creates a chart whose figure changed (see ui/charts.py):
the browser rebuilds the whole plot twice a second, zoom is lost, and Chromium spends up to a
core per page doing it. This component keeps the div and hands each new figure to
Plotly.react, which diffs and redraws only what changed and keeps zoom (uirevision).

Plotly.js itself is the copy that ships with the plotly Python package, served by Streamlit's
static file serving (works offline), loaded once per browser tab. Its URL is relative to the
page, as Streamlit's own index.html loads its bundle (`./static/js/...`): Streamlit 1.67 puts
every page at `<base>/` or `<base>/<url_path>` (st.Page forbids a "/" in url_path), so
`./app/static/` is the app's static route under any `server.baseUrlPath`, and behind a proxy
that strips or rewrites the prefix (JupyterHub's server proxy) as well. A chart whose library
cannot load says so in one line where the chart would be, instead of staying blank.

A chart that is scrolled out of view, or in a hidden tab, keeps only the newest figure and draws
it the moment it comes into view: nobody sees those redraws, and on a 2-core laptop the browser
shares the cores with training (at 1600x900 the Image GAN page's four charts are below the fold;
skipping them took Chromium from 0.56 to 0.45 cores, BENCHMARKS.md). A chart's first figure is
always drawn, so no chart is ever blank. The same goes for a chart of which only the band above its
plot shows (its title and legend, at the bottom edge of the window: the Image GAN's loss and
accuracy charts at 1400x1000): it redraws when that band's text changes, and the moment any of its
plot scrolls into view; the lines that moved meanwhile are out of sight (issue 26).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import plotly
import streamlit as st

from ui.figure_json import figure_json

ROOT = Path(__file__).resolve().parents[1]
STATIC_JS = ROOT / "static" / "plotly.min.js"
URL_PATH = "app/static/plotly.min.js"
COMPONENT_NAME = "gan_explainer_live_chart"


def ensure_plotly_js() -> Path:
    """Copy plotly.min.js from the installed plotly package into ./static (once per version)."""
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not STATIC_JS.exists() or STATIC_JS.stat().st_size != source.stat().st_size:
        STATIC_JS.parent.mkdir(exist_ok=True)
        tmp = STATIC_JS.with_suffix(".tmp")
        shutil.copyfile(source, tmp)
        tmp.replace(STATIC_JS)  # never a half-written file for a browser to load
    return STATIC_JS


JS = (
    r"""
// A failed load is retried with a later figure, at most every RETRY_MS: a wrong URL would
// otherwise cost a request and a console error per chart twice a second.
const RETRY_MS = 10000;

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const s = document.createElement('script');
    s.src = url;
    s.onload = () => (window.Plotly ? resolve(window.Plotly) : reject(new Error('no Plotly in ' + url)));
    s.onerror = () => { s.remove(); reject(new Error('could not load ' + url)); };
    document.head.appendChild(s);
  });
}

function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  const last = window.__gxPlotlyLoad;
  if (last && !(last.failedAt && Date.now() - last.failedAt >= RETRY_MS)) return last.promise;
  const url = new URL('./%s', document.baseURI).href;
  const load = {failedAt: null};
  load.promise = loadScript(url).catch(() => {
    load.failedAt = Date.now();
    const message = 'Chart library (plotly.js) could not load from ' + url + ': charts cannot draw.';
    console.error(message);
    throw new Error(message);
  });
  window.__gxPlotlyLoad = load;
  return load.promise;
}

// The one line a user sees in place of a chart that cannot draw.
function showFailure(div, message) {
  let line = div.querySelector('.gx-live-chart-error');
  if (!line) {
    line = document.createElement('p');
    line.className = 'gx-live-chart-error';
    line.style.cssText = 'margin: 0; padding: 0.5rem 0.75rem; border-radius: 0.5rem; '
      + 'background: #ffecec; color: #7d353b; overflow-wrap: anywhere;';
    div.appendChild(line);
  }
  line.textContent = message;
}

// Every Plotly call on a div goes through one promise chain: Plotly.react finishes
// asynchronously, and a purge while it is still drawing throws inside plotly.js (an unmount
// during a redraw showed up as "Cannot read properties of undefined (reading '_rehover')").
function enqueue(div, op) {
  div.__gxQueue = (div.__gxQueue || Promise.resolve()).then(op).catch((err) => {
    console.error('live chart:', err);
  });
  return div.__gxQueue;
}

// Titles and centred notes wrap onto more lines in a narrow chart (a 1024x768 projector, a column
// beside another) instead of running off its edge: Plotly never wraps them itself. The text is
// measured as it will be drawn, the top margin (and the chart) grow by the added lines.
const FONT_FAMILY = '"Source Sans", "Source Sans Pro", sans-serif';

function textWidth(text, size, weight) {
  const ctx = textWidth.ctx || (textWidth.ctx = document.createElement('canvas').getContext('2d'));
  ctx.font = `${weight} ${size}px ${FONT_FAMILY}`;
  return ctx.measureText(String(text).replace(/<[^>]+>/g, '')).width;
}

function wrapLines(text, size, weight, width) {
  const lines = [];
  for (const paragraph of String(text).split(/<br\s*\/?>/i)) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      const longer = line ? line + ' ' + word : word;
      if (line && textWidth(longer, size, weight) > width) {
        lines.push(line);
        line = word;
      } else {
        line = longer;
      }
    }
    lines.push(line);
  }
  return lines;
}

function fitTexts(layout, width, data) {
  if (!(width > 0)) return;
  const base = (layout.font && layout.font.size) || 12;
  const margin = layout.margin || (layout.margin = {});
  let added = 0;
  let titleShift = 0;  // px: Plotly centres a title's extra lines on its anchor, so a top-anchored one moves up
  const title = layout.title;
  if (title && typeof title === 'object') {
    const left = (typeof title.x === 'number' ? title.x : 0.5) * width;
    const room = title.xanchor === 'left' ? width - left - 12 : width - 24;
    for (const part of [title, title.subtitle]) {
      if (!part || typeof part !== 'object' || !part.text) continue;
      const size = (part.font && part.font.size) || (part === title ? base * 1.2 : base);
      const before = String(part.text).split(/<br\s*\/?>/i).length;
      const lines = wrapLines(part.text, size, part === title ? 600 : 400, room);
      if (lines.length > before) {
        part.text = lines.join('<br>');
        added += (lines.length - before) * size * 1.3;
        if (part === title) titleShift = (lines.length - before) * size * 0.65 + 4;
      }
    }
  }
  const left = margin.l === undefined ? 80 : margin.l;
  const plotWidth = width - left - (margin.r === undefined ? 80 : margin.r);
  for (const note of layout.annotations || []) {
    if (note.showarrow !== false || !note.text) continue;
    const size = (note.font && note.font.size) || base;
    if (note.xref === 'paper' && note.yref === 'paper') {  // notes centred on the plot ("press start...")
      note.text = wrapLines(note.text, size, 400, Math.max(plotWidth, 80) - 8).join('<br>');
      continue;
    }
    // A label at a data position (a marked value): wrap it to the room on its side of that position.
    const axis = layout[(note.xref || 'x').replace(/^x/, 'xaxis')];
    if (!axis || !Array.isArray(axis.range) || axis.type === 'log' || typeof note.x !== 'number') continue;
    const [r0, r1] = axis.range;
    const px = left + ((note.x - r0) / (r1 - r0)) * plotWidth + (note.xshift || 0);
    const room = note.xanchor === 'left' ? width - px - 6 : note.xanchor === 'right' ? px - 6
      : 2 * Math.min(px, width - px) - 6;
    if (room > 40 && textWidth(note.text, size, 400) > room) {
      note.text = wrapLines(note.text, size, 400, room).join('<br>');
    }
  }
  // A legend above the plot wraps onto more rows in a narrow chart: room for them, too, or the
  // rows cover the title and the top of the plot.
  const legend = layout.legend;
  if (layout.showlegend !== false && legend && legend.orientation === 'h' && legend.yanchor === 'bottom'
      && typeof legend.y === 'number' && legend.y >= 1) {
    const size = (legend.font && legend.font.size) || base;
    const names = (data || []).filter((t) => t && t.name && t.showlegend !== false
      && !['heatmap', 'contour', 'histogram2d'].includes(t.type)).map((t) => String(t.name));
    // Each entry: its text, the symbol, padding and the gap to the next. Entries that do not fit on one
    // line go into a grid as wide as the widest entry (that is how Plotly wraps a horizontal legend).
    const items = names.map((name) => textWidth(name, size, 400) + 50);
    const room = plotWidth;  // Plotly wraps a legend at the plot's width
    let rows = 1;
    if (items.length && items.reduce((a, b) => a + b, 0) > room) {
      const perRow = Math.max(1, Math.floor(room / Math.max(...items)));
      rows = Math.ceil(items.length / perRow);
    }
    if (rows > 1) added += (rows - 1) * size * 1.45;
  }
  if (added > 0) {
    margin.t = (margin.t === undefined ? 100 : margin.t) + Math.ceil(added);
    if (typeof layout.height === 'number') layout.height += Math.ceil(added);
  }
  if (titleShift && title.yanchor === 'top' && title.yref === 'container' && typeof title.y === 'number'
      && typeof layout.height === 'number') {
    title.y -= titleShift / layout.height;
  }
}

// What shows of a chart whose plot is out of view but whose top band is not: its title and legend.
function headerKey(fig) {
  const layout = fig.layout || {};
  const above = (layout.annotations || []).filter((a) => a.yref === 'paper' && a.y > 1);  // notes in the band
  return JSON.stringify([layout.title, layout.legend, layout.showlegend, above,
                         (fig.data || []).map((t) => [t.name, t.showlegend, t.legendgroup])]);
}

// Only the band above the plot is in view: the drawn figure's top margin holds all that shows.
function headerOnly(div) {
  const margin = div._fullLayout && div._fullLayout.margin;
  return div.__gxSeenBelow !== undefined && margin !== undefined && div.__gxSeenBelow <= margin.t;
}

function pendingHeader(div) {
  if (div.__gxHeaderOf !== div.__gxPending) {
    div.__gxHeaderOf = div.__gxPending;
    div.__gxPendingHeader = headerKey(JSON.parse(div.__gxPending));
  }
  return div.__gxPendingHeader;
}

function draw(Plotly, div) {
  const text = div.__gxPending;
  const width = Math.round(div.clientWidth);
  if (text === undefined || (text === div.__gxDrawn && width === div.__gxWidth) || !div.isConnected) return undefined;
  if (div.__gxDrawn !== undefined && width === div.__gxWidth && headerOnly(div)
      && pendingHeader(div) === div.__gxDrawnHeader) return undefined;  // nothing that shows would change
  div.__gxDrawn = text;
  div.__gxWidth = width;
  const failure = div.querySelector('.gx-live-chart-error');  // plotly.js loaded on a later try
  if (failure) failure.remove();
  const fig = JSON.parse(text);
  div.__gxDrawnHeader = headerKey(fig);
  const layout = fig.layout || {};
  // The app's font and text colour, as st.plotly_chart's theme would set them.
  layout.font = Object.assign({family: '"Source Sans", "Source Sans Pro", sans-serif', color: '#31333F'},
                              layout.font || {});
  if (layout.title && typeof layout.title === 'object') {
    layout.title.font = Object.assign({weight: 600}, layout.title.font || {});
  }
  for (const name of Object.keys(layout)) {  // axis titles at tick size, like the theme's
    const axis = layout[name];
    if (/^[xy]axis\d*$/.test(name) && axis && axis.title && typeof axis.title === 'object') {
      axis.title.font = Object.assign({size: 14}, axis.title.font || {});
    }
  }
  fitTexts(layout, width, fig.data);
  return Plotly.react(div, fig.data, layout, {displaylogo: false, responsive: true});
}

// Draw the newest figure unless nobody can see it: a chart scrolled out of view or in a hidden
// tab keeps it pending and draws it as soon as a pixel of it shows. __gxVisible is undefined
// until the observer first reports, so a new chart always draws once.
function schedule(div) {
  if (div.__gxVisible === false || document.hidden) return;
  loadPlotly().then(
    (Plotly) => enqueue(div, () => draw(Plotly, div)),
    (err) => showFailure(div, err.message),
  );
}

// Reported at every 2 %% of a chart's height that scrolls in or out, so a chart knows how far down
// its visible part reaches (a 300 px chart: to within 6 px).
const THRESHOLDS = Array.from({length: 51}, (_, i) => i / 50);

function observer() {
  if (!window.__gxObserver && window.IntersectionObserver) {
    window.__gxObserver = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const div = entry.target;
        div.__gxVisible = entry.isIntersecting;
        // How far below the chart's top its visible part reaches (px); undefined: all of it shows.
        const bottom = entry.intersectionRect.bottom - entry.boundingClientRect.top;
        div.__gxSeenBelow = entry.isIntersecting && bottom < entry.boundingClientRect.height - 1 ? bottom : undefined;
        if (entry.isIntersecting) schedule(div);
      }
    }, {threshold: THRESHOLDS});
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) document.querySelectorAll('div.gx-live-chart').forEach(schedule);
    });
  }
  return window.__gxObserver;
}

// After the window is resized (a projector, presentation mode's columns), every chart is drawn again
// once Plotly's own resize has settled: the titles re-wrap to the new width, and the figure's height
// comes back (Plotly's responsive resize drops the layout's height, which left a chart whose figure
// did not change, on a paused page, 0 px high with its plot spilling over the text below).
function redrawOnResize() {
  if (window.__gxResizeHooked) return;
  window.__gxResizeHooked = true;
  let timer;
  window.addEventListener('resize', () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      document.querySelectorAll('div.gx-live-chart').forEach((div) => {
        div.__gxDrawn = undefined;
        schedule(div);
      });
    }, 300);
  });
}

export default function(component) {
  const { data, parentElement } = component;
  let div = parentElement.querySelector('div.gx-live-chart');
  if (!div) {
    div = document.createElement('div');
    div.className = 'gx-live-chart';
    div.style.width = '100%%';
    parentElement.appendChild(div);
  }
  const seen = observer();
  if (seen && !div.__gxObserved) {
    div.__gxObserved = true;
    seen.observe(div);
  }
  redrawOnResize();
  div.__gxPending = data;  // only the newest figure matters if several arrive while one draws
  schedule(div);
  // On unmount: free Plotly's listeners (responsive charts hold a window resize handler), after
  // any redraw in flight; a later mount draws afresh.
  return () => {
    if (seen) seen.unobserve(div);
    div.__gxObserved = false;
    div.__gxVisible = undefined;
    enqueue(div, () => {
      div.__gxDrawn = undefined;
      if (window.Plotly) window.Plotly.purge(div);
    });
  };
}
"""
    % URL_PATH
)

_component = None
_unavailable = False


def _renderer():
    """The registered component, or None where plotly.js cannot be put in ./static (a read-only
    install): the caller then falls back to st.plotly_chart."""
    global _component, _unavailable
    if _component is None and not _unavailable:
        try:
            ensure_plotly_js()
        except OSError:
            _unavailable = True
            return None
        _component = st.components.v2.component(COMPONENT_NAME, js=JS, isolate_styles=False)
    return _component


def live_plotly(fig: dict, key: str, where=None) -> bool:
    """Draw `fig` (a figure dict from figures/) in a chart updated in place across reruns.
    False when the component is unavailable (nothing drawn)."""
    render = _renderer()
    if render is None:
        return False
    text = figure_json(fig)  # the figure st.plotly_chart would send, numpy arrays as typed arrays
    if where is not None:
        with where:
            render(data=text, key=key)
    else:
        render(data=text, key=key)
    return True
