"""Streamlit helpers for the Overview and 2D playground pages: live charts updated in place,
metric tiles, and the actions that replace a run's data or architecture (each restarts the run at
step 0).
"""
from __future__ import annotations

import math
import time
from typing import Callable, Sequence

import numpy as np
import plotly
import plotly.io
import streamlit as st
from plotly.basedatatypes import BaseFigure

from gan_core.config import TrainConfig
from gan_core.data import Dataset, parse_points_csv, points_dataset
from gan_core.presets import PRESETS
from gan_core.runner import Snapshot, TrainingRun

from .state import LIVE_REFRESH_SECONDS, load_preset, session_runs

try:  # plotly's own numpy -> base64 typed-array encoder (what validation would have done)
    from _plotly_utils.utils import convert_to_base64
except ImportError:  # pragma: no cover - plotly moved it; plain JSON lists still work
    def convert_to_base64(obj: dict) -> None:
        return None

ARCHITECTURE_FIELDS = ("g_layers", "g_width", "d_layers", "d_width", "noise_dim", "noise", "activation")


# --- charts -------------------------------------------------------------------------------------
# Why not plain st.plotly_chart for live charts: Streamlit 1.67 derives a plotly chart's element id
# from its content, so every refresh mounts a *new* chart in the browser (streamlit PR #16052
# changes this). The new chart is blank until Plotly has drawn it, so live charts blink twice a
# second (measured on the 2-core box under load: the field was blank in 10 of 20 screenshots),
# uirevision cannot keep a zoom, and the browser redraws everything from scratch. `chart` instead
# mounts a small st.components.v2 element per key, in the page's own DOM (no iframe), that keeps
# one Plotly instance and updates it with Plotly.react (20 of 20 screenshots drawn).
# plotly.js comes from the plotly package itself (offline), served by a v1 component folder.
_CHART_JS = """
const PLOTLY_URL = "__PLOTLY_URL__";
function loadPlotly() {
  if (window.Plotly) return Promise.resolve(window.Plotly);
  if (!window.__ganExplainerPlotly) {
    window.__ganExplainerPlotly = new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = new URL(PLOTLY_URL, document.baseURI).href;
      script.onload = () => resolve(window.Plotly);
      script.onerror = () => { window.__ganExplainerPlotly = null; reject(new Error("plotly.js did not load")); };
      document.head.appendChild(script);
    });
  }
  return window.__ganExplainerPlotly;
}
export default function (component) {
  const { data, parentElement } = component;
  let plot = parentElement.querySelector(".gan-live-chart");
  if (!plot) {
    plot = document.createElement("div");
    plot.className = "gan-live-chart";
    plot.style.width = "100%";
    parentElement.appendChild(plot);
  }
  const figure = JSON.parse(data);
  const font = getComputedStyle(document.body).fontFamily;  // the app's font, as st.plotly_chart uses
  figure.layout.font = Object.assign({family: font}, figure.layout.font || {});
  plot.style.height = (figure.layout.height || 450) + "px";
  loadPlotly().then((Plotly) => Plotly.react(plot, figure.data, figure.layout,
                                            {responsive: true, displaylogo: false}));
}
"""


def _declare_live_chart():
    """The live-chart component, or None (then `chart` falls back to st.plotly_chart)."""
    try:
        import hashlib
        import shutil
        import tempfile
        from pathlib import Path

        import streamlit.components.v1 as components_v1
        import streamlit.components.v2 as components_v2

        plotly_js = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
        tag = hashlib.sha1(f"{plotly.__version__}-{plotly_js.stat().st_size}".encode()).hexdigest()[:10]
        folder = Path(tempfile.gettempdir()) / f"gan-explainer-plotly-js-{tag}"
        if not (folder / "plotly.min.js").exists():
            staging = Path(tempfile.mkdtemp(prefix="gan-explainer-plotly-js-"))
            shutil.copyfile(plotly_js, staging / "plotly.min.js")
            (staging / "index.html").write_text("<!doctype html><title>plotly.js</title>", encoding="utf-8")
            try:
                staging.rename(folder)  # atomic: two servers starting at once cannot half-write it
            except OSError:
                shutil.rmtree(staging, ignore_errors=True)
        server = components_v1.declare_component("gan_explainer_plotly_js", path=str(folder))
        js = _CHART_JS.replace("__PLOTLY_URL__", f"component/{server.name}/plotly.min.js")
        return components_v2.component("gan_explainer_live_chart", js=js, isolate_styles=False)
    except Exception:  # pragma: no cover - an older/newer Streamlit without these APIs
        return None


_live_chart = _declare_live_chart()


class _Prevalidated(BaseFigure):
    """A gan_core.viz figure dict in a BaseFigure costume.

    `st.plotly_chart(dict)` runs `go.Figure(**dict)`, which validates every property in Python:
    ~30 ms for the playground figure, ~5 ms per line chart, 2x a second while a training thread
    waits for the GIL. A BaseFigure is taken as already validated and only its `to_dict()` is
    used, so this skips that cost; the viz figures are checked against plotly's schema in tests.
    """

    def __init__(self, figure: dict) -> None:  # no super().__init__: nothing to build
        self._figure = figure

    def to_dict(self) -> dict:
        return self._figure


def chart(figure: dict, key: str, height: int | None = None) -> None:
    """Show a viz figure dict, updated in place on every refresh (see above). Numpy arrays go as
    compact base64 and plotly's Python-side validation is skipped (tests validate the viz
    figures instead); the fallback is st.plotly_chart."""
    if height is not None:
        figure["layout"]["height"] = height
    if _live_chart is not None:
        _live_chart(key=key, data=figure_json(figure))
    else:
        convert_to_base64(figure)
        st.plotly_chart(_Prevalidated(figure), width="stretch", key=key, config={"displaylogo": False})


def points_over_arrows(figure: dict) -> dict:
    """Draw G's gradient arrows under the point clouds (with 96 arrows on top, an early G's small
    blob of fake points is hidden behind orange), and outline the purple fake points in dark
    purple: on the purple "fake" side of D's map they are otherwise hard to see on a projector."""
    for trace in figure["data"]:
        if trace.get("name") == "generated" and "marker" in trace:
            trace["marker"] = {**trace["marker"], "line": {"color": "#2d1a4d", "width": 1}}
    data = figure["data"]
    is_arrow = [str(t.get("name", "")).startswith("G's gradient") for t in data]
    if any(is_arrow):
        arrows = [t for t, a in zip(data, is_arrow) if a]
        rest = [t for t, a in zip(data, is_arrow) if not a]
        first_points = next((i for i, t in enumerate(rest) if t.get("mode") == "markers"), len(rest))
        figure["data"] = rest[:first_points] + arrows + rest[first_points:]
    return figure


def retitle(figure: dict, title: str, top: int | None = None, legend_y: float | None = None) -> dict:
    """A shorter title, no subtitle, and room for a legend that wraps: for a narrow column."""
    figure["layout"]["title"]["text"] = title
    figure["layout"]["title"].pop("subtitle", None)
    if top is not None:
        figure["layout"]["margin"]["t"] = top
    if legend_y is not None:
        figure["layout"]["legend"]["y"] = legend_y
    return figure


def live_every(runs: Sequence[TrainingRun], body: Callable[[], None], every: float) -> None:
    """`ui.controls.live` at a slower pace, for charts whose curves creep (quality metrics):
    fewer refreshes leave more CPU and GIL to the training thread."""
    active = any(r.snapshot().is_active for r in runs)

    def fragment() -> None:
        body()
        if active and not any(r.snapshot().is_active for r in runs):
            st.rerun()

    st.fragment(fragment, run_every=max(every, LIVE_REFRESH_SECONDS) if active else None)()


def figure_json(figure: dict) -> str:
    """The figure as the JSON text the live-chart component receives (arrays as base64)."""
    convert_to_base64(figure)
    return plotly.io.to_json(figure, validate=False)


def history_rows(snap: Snapshot) -> int:
    steps = snap.history.get("step") if snap.history else None
    return 0 if steps is None else int(np.size(steps))


# --- numbers ------------------------------------------------------------------------------------
def n_modes(run: TrainingRun) -> int:
    """How many modes the run's data has (0 for shapes and user points)."""
    mixture = run.trainer.dataset.mixture
    return 0 if mixture is None or run.trainer.dataset.kind != "2d" else int(np.atleast_2d(mixture.centers).shape[0])


def _finite(value) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def metric_tiles(snap: Snapshot, modes: int) -> None:
    """Modes covered k/N, %HQ (always together: %HQ alone rewards collapse), D accuracy, step."""
    m = snap.metrics
    c1, c2, c3, c4 = st.columns(4)
    if modes and _finite(m.get("modes_covered")):
        c1.metric("Modes covered", f"{m['modes_covered']:.0f}/{modes}",
                  help=f"Modes with at least one good sample (the papers' rule). Strict count "
                       f"(≥ 20 per 2,500 samples): {m.get('modes_covered_strict', 0):.0f}/{modes}.")
        hq = m.get("hq_fraction")
        c2.metric("High-quality %", (f"{100 * hq:.0f}%" if hq >= 0.1 else f"{100 * hq:.1f}%") if _finite(hq) else "—",
                  help="Samples within 3 std of a mode centre. Read it next to modes covered: "
                       "a collapsed G that hits one mode perfectly scores ~100%.")
    else:
        c1.metric("Modes covered", "—", help="This data has no separate modes to count: watch JS/KL instead.")
        js = m.get("js_grid")
        c2.metric("JS divergence", f"{js:.3f}" if _finite(js) else "—",
                  help="Jensen–Shannon divergence between real and generated points on a grid; 0 = same.")
    acc = snap.last.acc if snap.last is not None else None
    c3.metric("D accuracy", f"{acc:.0%}" if _finite(acc) else "—",
              help="How often D tells real from fake on the last batch. 50% = it cannot tell them apart.")
    c4.metric("Step", f"{snap.step:,}", help=f"Full iterations so far ({snap.d_updates:,} D updates, "
                                              f"{snap.g_updates:,} G updates).")


# --- actions that restart the run ---------------------------------------------------------------
def _restart(run: TrainingRun, config: TrainConfig, dataset: Dataset | None, was_active: bool) -> None:
    run.reset(config, dataset)
    if was_active:
        run.start()


def switch_dataset(slot: str, run: TrainingRun, name: str) -> str:
    """Train on built-in data `name` from step 0. Where a preset for that data exists (keeping a
    `-collapse` choice), load it so the sidebar's preset matches; otherwise keep the network and
    hyperparameters and swap only the data. Returns what happened, in words. (Call it from a
    widget callback: it sets the sidebar's preset picker, which is drawn later in the run.)"""
    was_active = run.snapshot().is_active
    preset = session_runs().presets.get(slot, "")
    candidates = ([f"{name}-collapse"] if preset.endswith("-collapse") else []) + [name]
    for candidate in candidates:
        if candidate in PRESETS:
            load_preset(slot, candidate, start=was_active)
            # The picker (app.py, key "<slot>:preset-picker") would otherwise come back with the
            # browser's old value and switch the run straight back. The URL's ?preset= is left
            # alone: ui.urls re-applies a changed one with a reset that does not restart.
            st.session_state[f"{slot}:preset-picker"] = candidate
            return f"Data changed to {name}: loaded the “{candidate}” preset and restarted at step 0."
    _restart(run, run.config.replace(dataset=name), None, was_active)
    return f"Data changed to {name}: same networks and settings, restarted at step 0."


def train_on_points(run: TrainingRun, data: bytes | str) -> Dataset:
    """Parse x,y rows (CSV bytes or typed text) and restart `run` on them as dataset "custom".
    Raises ValueError with a message for the user; the run is untouched then."""
    points = parse_points_csv(data)
    dataset = points_dataset(points)
    _restart(run, run.config.replace(dataset="custom"), dataset, run.snapshot().is_active)
    return dataset


def apply_architecture(run: TrainingRun, **changes) -> list[str]:
    """Restart `run` at step 0 with new network settings; returns the fields that changed
    (none: nothing happens). Raises ValueError (nothing changes) for invalid values."""
    unknown = sorted(set(changes) - set(ARCHITECTURE_FIELDS))
    if unknown:
        raise ValueError(f"not an architecture setting: {', '.join(unknown)}")
    new = run.config.replace(**changes)
    changed = new.restart_fields(run.config)
    if changed:
        _restart(run, new, None, run.snapshot().is_active)  # reset keeps the run's data (also "custom")
    return changed


def pause_and_settle(run: TrainingRun, message: str = "", timeout: float = 1.0) -> None:
    """Pause and wait until the worker has finished its last chunk, so the next snapshot is
    the state a one-off step starts from (a before/after comparison needs that)."""
    run.pause(message)
    deadline = time.monotonic() + timeout
    version = run.snapshot().version
    while time.monotonic() < deadline:
        time.sleep(0.05)
        now = run.snapshot().version
        if now == version:
            return
        version = now


def heart_points_text(n: int = 48) -> str:
    """Example points for the 'your own points' box: a heart outline, one 'x,y' per line."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    x = 16 * np.sin(t) ** 3 / 8
    y = (13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)) / 8
    return "x,y\n" + "\n".join(f"{a:.2f},{b:.2f}" for a, b in zip(x, y))
