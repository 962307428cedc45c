"""The quality charts: how close G's samples are to the data, as the evaluation measures it a few
times a second (modes covered and high-quality share on the 2D mixtures, the JS divergence, several
runs' coverage side by side, samples per class, classes covered and the Fréchet distance on images).

Every count of "covered" comes from one rule per kind of data (gan_core.quality.metrics:
MODE_COVERAGE, CLASS_COVERAGE), named in the chart, so a chart can never disagree with the number
a page prints. An estimate that reads above 0 even for a perfect G is drawn with its floor (what
real data against real data reads). Plain dicts built with figures.theme, like every figure.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from figures.theme import (
    EMPTY,
    FAKE,
    NEUTRAL,
    QUALITY,
    REAL,
    RUN_COLORS,
    chart_axis,
    chart_layout,
    hline,
    is_finite,
    line_trace,
    series,
    with_lines,
)
from gan_core.quality.metrics import CLASS_COVERAGE, CLASS_MIN_CONFIDENCE, MODE_COVERAGE

LOG2 = math.log(2.0)  # the JS divergence of disjoint distributions (nats)


def _floor_line(floor: float | None, what: str, yref: str = "y") -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """The estimator's floor as a dotted line: what the same estimate reads for real data against
    real data of the same size (a perfect G), which finite samples keep above 0."""
    if not is_finite(floor):
        return None
    return hline(float(floor), f"floor, {what}: {float(floor):.3g}", yref=yref, color=REAL, dash="dot")


def modes_figure(metric_history: dict[str, np.ndarray], n_modes: int) -> dict:
    """Modes covered (metrics.MODE_COVERAGE, the count every page shows) with VEEGAN's looser count
    and the high-quality share: HQ % alone rewards collapse (one perfect mode is 100 % HQ)."""
    rule = MODE_COVERAGE
    x, covered = series(metric_history, rule.key, False)
    xl, loose = series(metric_history, rule.second_key or "", False)
    xh, hq = series(metric_history, "hq_fraction", False)
    data = [
        line_trace(x, covered, rule.label, FAKE),
        line_trace(xl, loose, rule.second_label, FAKE, dash="dot", width=2.0),
        line_trace(xh, hq * 100.0, "high-quality samples (%)", QUALITY, dash="dash", width=2.0, yaxis="y2"),
    ]
    top = max(int(n_modes), 1)
    layout = chart_layout(
        f"Modes covered (k/{top}) and high-quality samples",
        "training step",
        "modes covered",
        "modes",
        note="HQ % alone rewards collapse: read it next to coverage",
        yaxis=chart_axis("modes covered", range=[0, top + 0.5], dtick=max(1, top // 8)),
        yaxis2=chart_axis("high quality", overlaying="y", side="right", range=[0, 105], ticksuffix="%", showgrid=False),
    )
    layout["margin"]["r"] = 64
    with_lines(layout, hline(top, f"all {top} modes", label_side="left"))
    return {"data": data, "layout": layout}


def divergence_figure(metric_history: dict[str, np.ndarray], floor: float | None = None) -> dict:
    """The grid estimate of the Jensen-Shannon divergence (nats) between real and generated points,
    with its floor: two independent real samples of the same size read `floor`, not 0, so a perfect
    G sits on that line. (No KL(real ‖ fake) here: on a histogram it is set by the smoothing
    epsilon of the cells G leaves empty, not by G.)"""
    xj, js = series(metric_history, "js_grid", False)
    data = [line_trace(xj, js, "JS divergence (nats)", "#333333")]
    layout = chart_layout(
        "Distance between real and generated distributions",
        "training step",
        "JS (nats)",
        "divergence",
        note="histogram estimate, 0 … log 2",
        yaxis=chart_axis("JS (nats)", range=[0, LOG2 * 1.12]),
    )
    lines = [hline(LOG2, "log 2: disjoint", label_side="left")]
    floor_line = _floor_line(floor, "two real samples")
    if floor_line:
        lines.append(floor_line)
    with_lines(layout, *lines)
    return {"data": data, "layout": layout}


def multi_run_modes_figure(
    runs: Sequence[tuple[str, dict[str, np.ndarray]]], n_modes: int, key: str = MODE_COVERAGE.key
) -> dict:
    """Several runs' mode coverage on one chart: collapse vs cure, side by side. `key` defaults to
    the count every page calls covered (metrics.MODE_COVERAGE)."""
    data = []
    for i, (name, metric_history) in enumerate(runs):
        x, y = series(metric_history, key, False)
        data.append(line_trace(x, y, str(name), RUN_COLORS[i % len(RUN_COLORS)]))
    if not data:
        data.append(line_trace(EMPTY, EMPTY, "no run yet", NEUTRAL, showlegend=False))
    top = max(int(n_modes), 1)
    rule = MODE_COVERAGE.label if key == MODE_COVERAGE.key else MODE_COVERAGE.second_label
    layout = chart_layout(
        f"Modes covered (k/{top}) per run",
        "training step",
        "modes covered",
        "multi_modes",
        note=rule,
        yaxis=chart_axis("modes covered", range=[0, top + 0.5], dtick=max(1, top // 8)),
    )
    with_lines(layout, hline(top, f"all {top} modes", label_side="left"))
    return {"data": data, "layout": layout}


DIGIT_LABELS = tuple(str(d) for d in range(10))


def class_histogram_figure(
    classes: dict[str, Any] | Sequence[int] | np.ndarray | None,
    coverage: int | None = None,
    mean_confidence: float | None = None,
    labels: Sequence[str] = DIGIT_LABELS,
) -> dict:
    """Generated samples per class by the reference classifier, split into confident and unsure
    (metrics.CLASS_COVERAGE: a class counts when its confident samples reach the threshold line).

    `classes` is the evaluation's view ({"confident": [...], "unsure": [...], "threshold": t,
    "n": n, "labels": the classifier's class names}) or a plain list of confident counts (threshold
    2 % of their sum). The title's count is `coverage` where given (the run's metric), else counted
    from the bars by the same rule. `labels` name the bars where the view does not (digits 0-9)."""
    if isinstance(classes, dict) and classes.get("labels"):
        labels = [str(c) for c in classes["labels"]]
    k = len(labels)

    def _counts(values: Any) -> np.ndarray:
        arr = np.asarray(values if values is not None else np.zeros(k), dtype=np.float64).reshape(-1)[:k]
        return np.concatenate([arr, np.zeros(k - arr.size)]) if arr.size < k else arr

    if isinstance(classes, dict):
        confident, unsure = _counts(classes.get("confident")), _counts(classes.get("unsure"))
        n = float(classes.get("n", confident.sum() + unsure.sum()))
        threshold = float(classes.get("threshold", max(1.0, 0.02 * n)))
    else:
        confident, unsure = _counts(classes), np.zeros(k)
        n = float(confident.sum())
        threshold = max(1.0, 0.02 * n)
    if not is_finite(coverage):
        coverage = int(np.sum(confident >= threshold)) if n > 0 else 0
    title = f"By class: {int(round(float(coverage)))}/{k} covered"
    note = f"{n:,.0f} scored samples · covered: ≥ {threshold:.0f} confident" if n > 0 else ""
    if is_finite(mean_confidence):
        note += f" · confidence {float(mean_confidence):.2f}"
    x = list(labels)
    data = [
        {
            "type": "bar",
            "x": x,
            "y": confident,
            "name": f"confident (≥ {CLASS_MIN_CONFIDENCE:.0%})",
            "marker": {"color": FAKE},
        },
        {
            "type": "bar",
            "x": x,
            "y": unsure,
            "name": "unsure: covers nothing",
            "marker": {"color": FAKE, "opacity": 0.3},
        },
    ]
    layout = chart_layout(
        title,
        "class (reference classifier)",
        "samples",
        "class_hist",
        note=note or None,
        xaxis=chart_axis("class (reference classifier)", type="category"),
        hovermode="closest",
        barmode="stack",
    )
    if n > 0:
        with_lines(
            layout,
            hline(n / k, f"fair share (n/{k})"),
            hline(threshold, f"covered from here ({threshold:.0f})", color=FAKE, dash="dot", label_side="left"),
        )
    return {"data": data, "layout": layout}


def digits_quality_figure(metric_history: dict[str, np.ndarray]) -> dict:
    """Classes covered (metrics.CLASS_COVERAGE) and the classifier's confidence over training."""
    xc, cov = series(metric_history, CLASS_COVERAGE.key, False)
    xm, conf = series(metric_history, "mean_confidence", False)
    data = [
        line_trace(xc, cov, CLASS_COVERAGE.label, FAKE),
        line_trace(xm, conf, "mean confidence", QUALITY, dash="dash", width=2.0, yaxis="y2"),
    ]
    layout = chart_layout(
        "Classes covered and classifier confidence",
        "training step",
        "classes covered",
        "digits_quality",
        yaxis=chart_axis("classes covered", range=[0, 10.5], dtick=2),
        yaxis2=chart_axis("confidence", overlaying="y", side="right", range=[0, 1.05], showgrid=False),
    )
    layout["margin"]["r"] = 64
    with_lines(layout, hline(10, "all 10 classes", label_side="left"))
    return {"data": data, "layout": layout}


def frechet_figure(metric_history: dict[str, np.ndarray], floor: float | None = None) -> dict:
    """The Fréchet distance between Gaussian fits of the reference classifier's features of G's
    samples and of the real images (FID's formula, on a small classifier's features), log scale,
    with its floor: real images scored the same way read `floor`, not 0."""
    x, fd = series(metric_history, "frechet_distance", False)
    data = [line_trace(x, np.where(fd > 0, fd, np.nan), "Fréchet distance", FAKE)]
    layout = chart_layout(
        "Fréchet distance to the real images",
        "training step",
        "Fréchet distance (log)",
        "frechet",
        legend=False,
        note="in the reference classifier's features · lower is closer",
        yaxis=chart_axis("Fréchet distance (log)", type="log", exponentformat="power"),
    )
    shown = fd[np.isfinite(fd) & (fd > 0)]
    if shown.size:  # shapes do not widen a log axis's autorange: make room for the floor
        low = min(float(shown.min()), float(floor) if is_finite(floor) and floor > 0 else math.inf)
        layout["yaxis"]["range"] = [math.log10(low) - 0.15, math.log10(float(shown.max())) + 0.15]
    floor_line = _floor_line(floor, "real images")
    if floor_line and floor > 0:
        shape, annotation = floor_line  # on a log axis a shape takes data values, an annotation log10
        if annotation is not None:
            annotation["y"] = math.log10(float(floor))
        with_lines(layout, (shape, annotation))
    return {"data": data, "layout": layout}
