"""The class board's chart: every attempt on the board, one panel per setting students may change.

Same conventions as every figure (plain dicts built with figures.theme, fonts for a projector). A point is an
attempt: its x is the setting's value, its y the modes the run held (classroom.board.Result).
Attempts with the same value and result share one point, sized by how many they are and named
in its hover text: the picture never moves a point off its true value to separate them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from classroom.board import BoardView, Entry
from classroom.controls import LABELS
from figures.theme import NEUTRAL, TICK_SIZE, chart_axis, chart_layout, empty_figure
from gan_core.config import format_setting

LOG_AXES = ("lr_g", "lr_d", "batch_size")  # settings tried in factors, not steps
ATTEMPT, GOAL = "#1f4e79", "#d4a017"  # dark blue dot; gold star once the goal is reached
PANEL_GAP = 0.06
BOARD_HEIGHT = 420


def _hover(entries: list[Entry], n_modes: int) -> str:
    """One line per attempt in the point: its student, its own settings and its own result (the point
    groups attempts by this panel's value and modes only, so their other settings may differ)."""
    lines = [
        f"<b>{e.nickname}</b>: "
        + " · ".join(f"{k} {format_setting(v)}" for k, v in e.settings)
        + f" → {e.result.modes}/{n_modes} modes, {e.result.hq:.0%} HQ"
        for e in entries[:8]
    ]
    if len(entries) > 8:
        lines.append(f"+{len(entries) - 8} more")
    return "<br>".join(lines)


def board_figure(view: BoardView) -> dict:
    """Settings against result for every attempt on `view` (an empty board says so)."""
    challenge = view.challenge
    if challenge is None or not view.entries:
        return empty_figure("no results yet: they appear here as the class trains", "Settings against result")
    n = challenge.n_modes
    panels = list(challenge.allowed)
    width = (1 - PANEL_GAP * (len(panels) - 1)) / len(panels)
    data: list[dict[str, Any]] = []
    layout = chart_layout(
        "Settings against result",
        "",
        f"modes held (of {n})",
        "board",
        note="each point: a student's best result with those settings (bigger: several attempts with this value "
        "and result)",
        height=BOARD_HEIGHT,
        legend=False,
        hovermode="closest",
    )
    layout["yaxis"].update(range=[-0.5, n + 0.8], dtick=max(1, n // 8), anchor="x")
    layout["margin"]["b"] = 64
    for i, name in enumerate(panels):
        suffix = "" if i == 0 else str(i + 1)
        groups: dict[tuple[Any, int], list[Entry]] = defaultdict(list)
        for entry in view.entries:
            groups[(entry.setting(name), entry.result.modes)].append(entry)
        keys = sorted(groups, key=lambda k: (str(type(k[0])), k))
        reached = [k[1] >= n for k in keys]
        categorical = isinstance(keys[0][0], str) if keys else False
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [k[0] for k in keys],
                "y": [k[1] for k in keys],
                "xaxis": f"x{suffix}",
                "yaxis": "y",
                "marker": {
                    "size": [min(10 + 5 * (len(groups[k]) - 1), 34) for k in keys],
                    "color": [GOAL if r else ATTEMPT for r in reached],
                    "symbol": ["star" if r else "circle" for r in reached],
                    "line": {"color": "white", "width": 1},
                    "opacity": 0.85,
                },
                "text": [_hover(groups[k], n) for k in keys],
                "hovertemplate": "%{text}<extra></extra>",
                "name": name,
                "showlegend": False,
            }
        )
        axis = chart_axis(LABELS.get(name, name))
        axis.update(domain=[i * (width + PANEL_GAP), i * (width + PANEL_GAP) + width], anchor="y")
        if name in LOG_AXES:
            axis.update(type="log", dtick=1, tickformat=".0e" if name != "batch_size" else "d")
        elif categorical:
            axis["type"] = "category"
        layout[f"xaxis{suffix}"] = axis
    layout["shapes"] = [
        {
            "type": "line",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "yref": "y",
            "y0": n,
            "y1": n,
            "line": {"color": NEUTRAL, "width": 1.5, "dash": "dash"},
            "layer": "below",
        }
    ]
    layout["annotations"] = [
        {
            "xref": "paper",
            "x": 0.0,
            "xanchor": "left",
            "yref": "y",
            "y": n,
            "yanchor": "bottom",
            "text": f"goal: all {n} modes",
            "showarrow": False,
            "font": {"size": TICK_SIZE, "color": NEUTRAL},
        }
    ]
    return {"data": data, "layout": layout}
