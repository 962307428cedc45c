"""Streamlit helpers for the Overview and 2D playground pages: live charts updated in place,
metric tiles, and the actions that replace a run's data or architecture (each restarts the run at
step 0).
"""

from __future__ import annotations

import math
import time

import numpy as np
import streamlit as st

from gan_core.data import Dataset, parse_points_csv, points_dataset
from gan_core.quality.metrics import MODE_COVERAGE, MODE_MIN_PER_2500
from gan_core.runs.runner import TrainingRun
from gan_core.runs.snapshot import Snapshot
from ui.actions import restart, switch_data
from ui.charts import live_chart
from ui.url_values import WidgetParam, flag, many

# The tile names its rule (metrics.MODE_COVERAGE) under the number; the help says it in full.
COVERAGE_LABEL = "Modes covered"
COVERAGE_RULE = f"≥ {MODE_MIN_PER_2500} per 2,500"  # samples on the mode; longer is cut off in the lab
ARCHITECTURE_FIELDS = ("g_layers", "g_width", "d_layers", "d_width", "noise_dim", "noise", "activation")
LAYER_KEYS = ("real", "fake", "heatmap", "manifold", "arrows")  # the field's layers, in drawing order
DEFAULT_LAYERS = ("real", "fake", "heatmap", "arrows")
# The playground's field controls and the Overview's walk-through switch, as a link carries them.
FIELD_PARAMS = (
    WidgetParam("show", "pg:layers", list(DEFAULT_LAYERS), many(LAYER_KEYS)),
    WidgetParam("arrows_to_scale", "pg:arrows-to-scale", False, flag),
)
WALK = WidgetParam("walk", "ov:walk", False, flag)


# --- charts -------------------------------------------------------------------------------------
def chart(figure: dict, key: str, height: int | None = None) -> None:
    """Show a figures/ figure dict, updated in place on every refresh (ui.charts.live_chart)."""
    if height is not None:
        figure["layout"]["height"] = height
    live_chart(figure, key)


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


def history_rows(snap: Snapshot) -> int:
    steps = snap.history.get("step") if snap.history else None
    return 0 if steps is None else int(np.size(steps))


def generator_label(snap: Snapshot) -> str:
    """Which generator the run's pictures and scores come from, in a student's words."""
    if snap.views.get("generator") == "average":
        return f"G's weight average (smoothed view, decay {snap.config.g_ema:g}: lags ~{_lag(snap.config.g_ema)} steps)"
    return "G as it trains"


def generator_name(snap: Snapshot) -> str:
    """The short name of the generator the run's pictures come from: "G" or "G's weight average"."""
    return "G's weight average" if snap.views.get("generator") == "average" else "G"


def _lag(decay: float) -> int:
    return round(1 / max(1 - decay, 1e-9))


# The map and D's verdict on a real batch differ by less than this (in D's output units) on
# a run whose batches are spread like the data: below it the caption need not explain a gap.
SPREAD_SHOWN_ABOVE = 0.05


def field_caption(snap: Snapshot) -> str:
    """What the 2D field shows, as one caption: which generator drew the purple points, and what
    D's map is when D also judges each batch's spread (a map of single points cannot show that)."""
    parts = [f"Purple points and scores: {generator_label(snap)}."]
    heat = snap.views.get("heatmap") or {}
    if heat.get("batch_statistic"):
        parts.append(
            "D also judges how spread out each batch is (minibatch statistics), which a map of single points "
            f"cannot show: the map scores every spot as if it came in {heat['batch_statistic']} of G's points, "
            "the batch G is judged with."
        )
        verdict = snap.views.get("d_verdict") or {}
        real, in_fake = verdict.get("real"), verdict.get("real_in_fake_batch")
        if _finite(real) and _finite(in_fake) and abs(real - in_fake) > SPREAD_SHOWN_ABOVE:
            parts.append(
                f"So at the green rings the map reads {in_fake:.2f}, while D gives a batch of real points "
                f"{real:.2f}: the difference is what D reads from a batch's spread alone, because G's batch is "
                "still spread differently from the data's."
            )
    return " ".join(parts)


# --- numbers ------------------------------------------------------------------------------------
def _finite(value) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def floor(snap: Snapshot, key: str) -> float | None:
    """The estimator's floor for metric `key` (what two real samples read), where the run has one."""
    value = (snap.views.get("floors") or {}).get(key)
    return float(value) if _finite(value) else None


def coverage_tile(container, metrics: dict, modes: int, scored_on: str) -> None:
    """The one "Modes covered" tile (metrics.MODE_COVERAGE) the playground and the lab both show: the
    rule right under the number (a longer label would be cut off), VEEGAN's looser count in the help."""
    rule = MODE_COVERAGE
    value = metrics.get(rule.key)
    loose = metrics.get(rule.second_key or "")
    container.metric(
        COVERAGE_LABEL,
        f"{value:.0f}/{modes}" if _finite(value) else "—",
        delta=COVERAGE_RULE,
        delta_color="off",
        delta_arrow="off",
        help=f"{rule.help} {rule.second_label[0].upper()}{rule.second_label[1:]}: "
        + (f"{loose:.0f}/{modes}" if _finite(loose) else "—")
        + f". Scored on {scored_on}.",
    )


def metric_tiles(snap: Snapshot, modes: int) -> None:
    """Modes covered k/N, %HQ (always together: %HQ alone rewards collapse), D accuracy, step."""
    m = snap.metrics
    c1, c2, c3, c4 = st.columns(4)
    if modes and _finite(m.get(MODE_COVERAGE.key)):
        coverage_tile(c1, m, modes, generator_label(snap))
        hq = m.get("hq_fraction")
        c2.metric(
            "High-quality %",
            (f"{100 * hq:.0f}%" if hq >= 0.1 else f"{100 * hq:.1f}%") if _finite(hq) else "—",
            help="Samples within 3 std of a mode centre. Read it next to modes covered: "
            "a collapsed G that hits one mode perfectly scores ~100%.",
        )
    else:
        c1.metric("Modes covered", "—", help="This data has no separate modes to count: watch JS instead.")
        js, js_floor = m.get("js_grid"), floor(snap, "js_grid")
        c2.metric(
            "JS divergence",
            f"{js:.3f} nats" if _finite(js) else "—",
            help="Jensen–Shannon divergence between real and generated points, estimated on a 50 × 50 "
            "histogram: 0 = same, log 2 ≈ 0.693 nats = no overlap. Finite samples keep it above 0 even for a "
            "perfect G: two independent real samples of the same size read "
            + (f"{js_floor:.3f} nats (the floor)." if js_floor is not None else "a little above 0."),
        )
    acc = snap.last.acc if snap.last is not None else None
    c3.metric(
        "D accuracy",
        f"{acc:.0%}" if _finite(acc) else "—",
        help="How often D tells real from fake on the last batch. 50% = no better than guessing; below 50% = D has "
        "real and fake the wrong way round.",
    )
    c4.metric(
        "Step",
        f"{snap.step:,}",
        help=f"Full iterations so far ({snap.d_updates:,} D updates, {snap.g_updates:,} G updates).",
    )


# --- actions that restart the run (ui.actions) -----------------------------------------------------
def switch_dataset(slot: str, run: TrainingRun, name: str) -> str:
    """Train on built-in data `name` from step 0 (ui.actions.switch_data); returns what happened, in words."""
    preset = switch_data(slot, run, name)
    if preset is not None:
        return f"Data changed to {name}: loaded the “{preset}” preset and restarted at step 0."
    return f"Data changed to {name}: same networks and settings, restarted at step 0."


def train_on_points(run: TrainingRun, data: bytes | str) -> Dataset:
    """Parse x,y rows (CSV bytes or typed text) and restart `run` on them as dataset "custom".
    Raises ValueError with a message for the user; the run is untouched then."""
    points = parse_points_csv(data)
    dataset = points_dataset(points)
    restart(run, run.config.replace(dataset="custom"), dataset)
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
        restart(run, new)  # reset keeps the run's data (also "custom")
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
