"""Pure builders for the Overview page: the G/D loop as an inline SVG diagram that shows which
network is learning, and D's opinion of real and generated points read off its decision map.

No Streamlit, no torch: strings and numpy in, strings and numbers out (tested in
tests/test_figures_overview.py). Colours come from figures.theme so the diagram matches the charts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from figures.theme import D_COLOR, FAKE, G_COLOR, REAL
from gan_core.config import DECISION_POINTS

TRAINING, FROZEN, NEUTRAL, RESTING = "training", "frozen", "neutral", "resting"
_GREY = "#b0b0b0"


@dataclass(frozen=True)
class DiagramState:
    """What the diagram shows: each network's look, the badge and one sentence for students."""

    d: str  # TRAINING, FROZEN, NEUTRAL (untrained) or RESTING (paused)
    g: str
    live: bool  # training continuously: D and G take turns (drawn as an alternating glow)
    badge: str
    sentence: str
    d_steps: int = 1
    g_steps: int = 1


def _steps(n: int, what: str) -> str:
    return f"{n} {what} step" + ("" if n == 1 else "s")


def diagram_state(
    status: str, last_phase: str, step: int, d_updates: int, g_updates: int, d_steps: int = 1, g_steps: int = 1
) -> DiagramState:
    """Map a run's status and its most recent update ("d", "g", "both") to the diagram."""
    turns = f"{_steps(d_steps, 'D')}, then {_steps(g_steps, 'G')}"
    if status in ("running", "queued"):
        sentence = f"D and G take turns: {turns}, over and over (drawn slowed down)."
        if status == "queued":
            sentence = "Waiting for a free training slot on the server; it starts by itself."
        return DiagramState(
            TRAINING, TRAINING, True, "LIVE" if status == "running" else "QUEUED", sentence, d_steps, g_steps
        )
    if status in ("diverged", "error"):
        return DiagramState(
            FROZEN,
            FROZEN,
            False,
            "STOPPED",
            "Training stopped (see the message in the sidebar): reset the run to go on.",
        )
    if d_updates == 0 and g_updates == 0:
        return DiagramState(
            NEUTRAL,
            NEUTRAL,
            False,
            "READY",
            "Nothing has been trained yet: G's samples are random noise pushed through random weights.",
        )
    if last_phase == "d":
        return DiagramState(
            TRAINING,
            FROZEN,
            False,
            "D JUST LEARNED",
            "D just learned to separate real from fake; G was frozen, so its samples did not move.",
        )
    if last_phase == "g":
        return DiagramState(
            FROZEN,
            TRAINING,
            False,
            "G JUST LEARNED",
            "G just moved its samples towards where D says “real”, through a frozen D.",
        )
    return DiagramState(
        RESTING,
        RESTING,
        False,
        "PAUSED",
        f"Paused at step {step:,}. The last iteration trained both: {turns}.",
        d_steps,
        g_steps,
    )


def _net(x: float, y: float, letter: str, name: str, color: str, look: str, live_class: str) -> str:
    """One network box; its look comes from CSS classes so a live run can animate it."""
    label = {TRAINING: "learning", FROZEN: "frozen ❄", NEUTRAL: "untrained", RESTING: "paused"}[look]
    if live_class:
        label = "learning in turns"
    cls = f"ganx-net ganx-{look} {live_class}".strip()
    return (
        f'<g class="{cls}" style="--c:{color}">'
        f'<rect x="{x}" y="{y}" width="140" height="100" rx="16"/>'
        f'<text x="{x + 70}" y="{y + 56}" class="ganx-big">{letter}</text>'
        f'<text x="{x + 70}" y="{y + 86}" class="ganx-sub">{name}</text>'
        f'<text x="{x + 70}" y="{y - 9}" class="ganx-tag">{label}</text></g>'
    )


def _data_box(x: float, y: float, title: str, sub: str, color: str, seed: int) -> str:
    rng = np.random.default_rng(seed)
    dots = "".join(
        f'<circle cx="{x + 16 + 100 * u:.0f}" cy="{y + 12 + 14 * v:.0f}" r="4" fill="{color}"/>'
        for u, v in rng.uniform(0, 1, (9, 2))
    )
    return (
        f'<g><rect x="{x}" y="{y}" width="132" height="84" rx="10" fill="white" stroke="{color}" '
        f'stroke-width="2.5"/>{dots}'
        f'<text x="{x + 66}" y="{y + 56}" class="ganx-box" fill="{color}">{title}</text>'
        f'<text x="{x + 66}" y="{y + 76}" class="ganx-small">{sub}</text></g>'
    )


def _arrow(x0: float, y0: float, x1: float, y1: float, color: str = "#555", cls: str = "") -> str:
    return (
        f'<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="{color}" stroke-width="3" '
        f'marker-end="url(#ganx-head)" class="{cls}"/>'
    )


def _css(state: DiagramState) -> str:
    # Live: the alternation is drawn slowed down (a 3 s cycle); each network glows for its share
    # of the k D steps + g G steps of one iteration.
    d_share = 100.0 * state.d_steps / max(state.d_steps + state.g_steps, 1)
    a, b = max(d_share - 4, 1), min(d_share + 4, 99)
    return (
        "<style>"
        ".ganx-svg text{text-anchor:middle;font-family:sans-serif}"
        ".ganx-big{font-size:44px;font-weight:700}.ganx-sub{font-size:19px}"
        ".ganx-tag{font-size:18px;font-weight:600;fill:#444}"
        ".ganx-box{font-size:18px;font-weight:600}.ganx-small{font-size:15px;fill:#555}"
        ".ganx-note{font-size:16px;font-weight:600}"
        ".ganx-net rect{stroke:var(--c);stroke-width:3}"
        ".ganx-training rect{fill:var(--c);stroke-width:5}"
        ".ganx-training .ganx-big,.ganx-training .ganx-sub{fill:white}"
        f".ganx-frozen rect{{fill:#eeeeee;stroke:{_GREY};stroke-dasharray:8 5}}"
        f".ganx-frozen .ganx-big,.ganx-frozen .ganx-sub{{fill:{_GREY}}}"
        ".ganx-neutral rect,.ganx-resting rect{fill:white}"
        ".ganx-neutral .ganx-big,.ganx-neutral .ganx-sub,.ganx-resting .ganx-big,.ganx-resting .ganx-sub{fill:var(--c)}"
        f"@keyframes ganx-d{{0%,{a:.0f}%{{fill:var(--c)}}{b:.0f}%,96%{{fill:#eeeeee}}100%{{fill:var(--c)}}}}"
        f"@keyframes ganx-g{{0%,{a:.0f}%{{fill:#eeeeee}}{b:.0f}%,96%{{fill:var(--c)}}100%{{fill:#eeeeee}}}}"
        f"@keyframes ganx-dt{{0%,{a:.0f}%{{fill:white}}{b:.0f}%,96%{{fill:{_GREY}}}100%{{fill:white}}}}"
        f"@keyframes ganx-gt{{0%,{a:.0f}%{{fill:{_GREY}}}{b:.0f}%,96%{{fill:white}}100%{{fill:{_GREY}}}}}"
        ".ganx-live-d rect{animation:ganx-d 3s linear infinite}"
        ".ganx-live-g rect{animation:ganx-g 3s linear infinite}"
        ".ganx-live-d .ganx-big,.ganx-live-d .ganx-sub{animation:ganx-dt 3s linear infinite}"
        ".ganx-live-g .ganx-big,.ganx-live-g .ganx-sub{animation:ganx-gt 3s linear infinite}"
        "@keyframes ganx-blink{50%{opacity:.35}}.ganx-blink{animation:ganx-blink 1.2s step-end infinite}"
        "</style>"
    )


@dataclass(frozen=True)
class VerdictWords:
    """How a page names D's output under a loss: a probability-like D for the BCE losses and least
    squares (targets 1 for real, 0 for fake), a critic with a free score for Wasserstein and hinge."""

    name: str  # "D" or "critic"
    real: str  # where its output says "real"
    fake: str


def verdict_words(loss: str) -> VerdictWords:
    if DECISION_POINTS.get(loss) == 0.5:
        return VerdictWords("D", "near 1", "near 0")
    return VerdictWords("critic", "higher", "lower")


def gan_loop_svg(state: DiagramState, noise: str = "gaussian", loss: str = "nonsaturating") -> str:
    """The loop noise z → G → fake → D ← real → "real or fake?", as one inline SVG string.

    The learning network is filled with its colour, a frozen one is grey and dashed; the
    dashed arrows show where the learning signal goes in the last update. D's output is named as the
    run's loss reads it (`verdict_words`).
    """
    words = verdict_words(loss)
    z_dist = "z ~ N(0, I)" if noise == "gaussian" else "z ~ U(−1, 1)"
    live_d = "ganx-live-d" if state.live else ""
    live_g = "ganx-live-g" if state.live else ""
    parts = [
        '<svg class="ganx-svg" viewBox="0 0 804 330" width="100%" role="img" '
        'aria-label="GAN diagram: noise to generator to fake samples to discriminator, which also sees real samples">',
        _css(state),
        '<defs><marker id="ganx-head" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="6" markerHeight="6" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="context-stroke"/></marker></defs>',
        # noise -> G -> fake samples
        f'<g><rect x="2" y="54" width="112" height="80" rx="10" fill="white" stroke="#777" stroke-width="2.5"/>'
        f'<text x="58" y="88" class="ganx-box" fill="#333">noise z</text>'
        f'<text x="58" y="114" class="ganx-small">{escape(z_dist)}</text></g>',
        _arrow(114, 94, 138, 94),
        _net(140, 44, "G", "generator", G_COLOR, state.g, live_g),
        _arrow(280, 94, 306, 94),
        _data_box(308, 54, "fake samples", "G(z)", FAKE, 1),
        _data_box(308, 212, "real samples", "x from the data", REAL, 2),
        # both go into D
        _arrow(440, 104, 506, 150, FAKE),
        _arrow(440, 252, 506, 206, REAL),
        _net(508, 128, "D", "discriminator", D_COLOR, state.d, live_d),
        _arrow(648, 178, 668, 178),
        '<text x="734" y="172" class="ganx-box" fill="#333">real or fake?</text>'
        f'<text x="734" y="196" class="ganx-small" style="font-size:14px">{words.name}(·) {words.real}: “real”</text>'
        f'<text x="734" y="214" class="ganx-small" style="font-size:14px">{words.fake}: “fake”</text>',
    ]
    if state.d == TRAINING and state.g == FROZEN:
        # D's loss flows back into D only.
        parts.append(
            f'<path d="M734,150 C734,110 690,106 652,144" fill="none" stroke="{D_COLOR}" stroke-width="3" '
            f'stroke-dasharray="8 6" marker-end="url(#ganx-head)"/>'
            f'<text x="800" y="98" class="ganx-note" style="text-anchor:end" fill="{D_COLOR}">'
            f"D’s loss: D(real)↑, D(fake)↓</text>"
        )
    elif state.g == TRAINING and state.d == FROZEN:
        # G's gradient goes back through the (frozen) D into G.
        parts.append(
            f'<path d="M578,228 L578,316 L210,316 L210,147" fill="none" stroke="{G_COLOR}" '
            f'stroke-width="3" stroke-dasharray="8 6" marker-end="url(#ganx-head)"/>'
            f'<rect x="226" y="302" width="336" height="24" fill="white"/>'
            f'<text x="394" y="321" class="ganx-note" fill="{G_COLOR}">G’s gradient flows back '
            f"through frozen D</text>"
        )
    badge_color = {"LIVE": "#d62728", "QUEUED": "#bcbd22", "STOPPED": "#d62728"}.get(state.badge, "#555555")
    blink = ' class="ganx-blink"' if state.badge == "LIVE" else ""
    width = 14 + 10.5 * len(state.badge)
    left = 804 - width - 26 - 4
    parts.append(
        f'<g transform="translate({left},4)"><rect width="{width + 26}" height="30" rx="15" '
        f'fill="{badge_color}"/><circle cx="15" cy="15" r="6" fill="white"{blink}/>'
        f'<text x="{(width + 26) / 2 + 8}" y="21" style="font-size:15px;font-weight:700" '
        f'fill="white">{escape(state.badge)}</text></g>'
    )
    parts.append("</svg>")
    return "".join(parts)


# --- D's opinion, read off its decision map -----------------------------------------------------
def d_at_points(heatmap: dict[str, Any], points: Any) -> np.ndarray:
    """D's output at `points` (n, 2), bilinearly interpolated from the evaluator's grid
    (points outside the grid take the edge value). Cheap: no network call from the page."""
    xs = np.asarray(heatmap["x"], dtype=np.float64)
    ys = np.asarray(heatmap["y"], dtype=np.float64)
    z = np.asarray(heatmap["z"], dtype=np.float64)  # rows follow y
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if pts.size == 0 or xs.size < 2 or ys.size < 2:
        return np.zeros(0)

    def locate(grid: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        v = np.clip(np.nan_to_num(v, nan=grid[0]), grid[0], grid[-1])
        i = np.clip(np.searchsorted(grid, v) - 1, 0, grid.size - 2)
        t = (v - grid[i]) / (grid[i + 1] - grid[i])
        return i, t

    ix, tx = locate(xs, pts[:, 0])
    iy, ty = locate(ys, pts[:, 1])
    return (
        z[iy, ix] * (1 - tx) * (1 - ty)
        + z[iy, ix + 1] * tx * (1 - ty)
        + z[iy + 1, ix] * (1 - tx) * ty
        + z[iy + 1, ix + 1] * tx * ty
    )


@dataclass(frozen=True)
class DOpinion:
    """Mean D output on the run's fixed real batch and on G's fixed-noise fake batch."""

    on_real: float
    on_fake: float
    probabilistic: bool = True


def d_opinion(views: dict[str, Any] | None, key: str = "d_verdict") -> DOpinion | None:
    """D's mean verdict on a fixed real batch and on G's fixed fake batch, or None before any.

    The numbers are D's own outputs on whole batches of the training batch size, scored as in
    training (`views["d_verdict"]`, made by the evaluator for 2D data): with a minibatch-statistics
    layer D's verdict depends on the batch, so single points read off the map would not be it. The
    batches are the same every time, so one "train D once" click shows D's verdicts moving apart and
    one "train G once" shows only D(G(z)) moving. `key="d_verdict_before"`: the verdicts a step by hand
    measured just before its update (the walk-through's "before").
    """
    verdict = (views or {}).get(key)
    if verdict is None:
        return None
    on_real, on_fake = float(verdict["real"]), float(verdict["fake"])
    if not (math.isfinite(on_real) and math.isfinite(on_fake)):
        return None
    return DOpinion(on_real, on_fake, bool(verdict.get("probabilistic", True)))
