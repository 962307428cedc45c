"""The training curves: what D and G measure at every step (losses, D's accuracy, D's outputs on
real and generated data, gradient norms), against the training step.

Each chart reads one run's step history (bin-averaged columns, see gan_core.runs.history), smooths
it with an EMA sized to the run's length (none for a few clicks, so one step shows at once) and
decimates it for the browser. Reference lines say where the game is balanced: chance accuracy,
D's decision point for the loss in use, each loss's value at equilibrium. Plain dicts built with
figures.theme, like every figure (the reasons are in its docstring).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from figures.theme import (
    D_COLOR,
    FAKE,
    G_COLOR,
    NEUTRAL,
    REAL,
    auto_alpha,
    chart_axis,
    chart_layout,
    column,
    decimate,
    ema,
    hline,
    line_trace,
    series,
    step_values,
    with_lines,
)
from gan_core.config import DECISION_POINTS

# Each loss's value when D says 1/2 everywhere (logit 0: the optimum D* once p_g = p_data), with this
# code's normalisation (losses.py: means over the batch, D's real and fake terms added):
# BCE D: softplus(0) + softplus(0) = 2 log 2; non-saturating G: softplus(0) = log 2; minimax G:
# -softplus(0) = -log 2; least squares (D* = 1/2 there too): D 0.5 (0.5² + 0.5²) = 0.25, G 0.5 · 0.5² = 0.125.
# A Wasserstein critic and the hinge loss have no fixed value at equilibrium (the critic's offset is free).
LOG2 = math.log(2.0)
EQUILIBRIUM_LOSSES: dict[str, tuple[float, float]] = {
    "nonsaturating": (2 * LOG2, LOG2),
    "minimax": (2 * LOG2, -LOG2),
    "least-squares": (0.25, 0.125),
}


def loss_figure(history: dict[str, np.ndarray], smooth: bool = True, loss: str | None = None) -> dict:
    """D and G losses over steps: in a GAN neither goes to zero, they trade blows. With `loss`
    given, dashed lines mark each loss's value at equilibrium (D = 1/2 everywhere), where it has one."""
    data: list[dict[str, Any]] = []
    for key, name, color in (("loss_d", "D loss", D_COLOR), ("loss_g", "G loss", G_COLOR)):
        y = column(history, key)
        x = step_values(history, y.shape[0])
        alpha = auto_alpha(y.shape[0]) if smooth else 1.0
        if alpha < 1.0:  # faint raw curve under the smoothed one, toggled together
            xr, yr = decimate(x, y)
            data.append(
                line_trace(xr, yr, name, color, width=1.0, opacity=0.25, showlegend=False, group=key, hover=False)
            )
            y = ema(y, alpha)
        xs, ys = decimate(x, y)
        data.append(line_trace(xs, ys, name, color, group=key))
    layout = chart_layout("Losses: discriminator vs generator", "training step", "loss", "loss")
    if loss in EQUILIBRIUM_LOSSES:
        d_eq, g_eq = EQUILIBRIUM_LOSSES[loss]
        with_lines(
            layout,
            hline(d_eq, f"D at equilibrium ({d_eq:.3g})", color=D_COLOR, dash="dot"),
            hline(g_eq, f"G at equilibrium ({g_eq:.3g})", color=G_COLOR, dash="dot", label_side="left"),
        )
    return {"data": data, "layout": layout}


def accuracy_figure(history: dict[str, np.ndarray], smooth: bool = True) -> dict:
    """D's accuracy on real, fake and both: 0.5 means D can no longer tell them apart."""
    data = []
    for key, name, color, dash in (
        ("acc_real", "on real", REAL, "solid"),
        ("acc_fake", "on fake", FAKE, "solid"),
        ("acc", "overall", D_COLOR, "dot"),
    ):
        x, y = series(history, key, smooth)
        data.append(line_trace(x, y, name, color, dash=dash))
    layout = chart_layout(
        "Discriminator accuracy",
        "training step",
        "accuracy",
        "accuracy",
        yaxis=chart_axis("accuracy", range=[-0.02, 1.02], tickformat=".0%"),
    )
    with_lines(layout, hline(0.5, "50 %: chance"))
    return {"data": data, "layout": layout}


def d_outputs_figure(
    history: dict[str, np.ndarray], probabilistic: bool, smooth: bool = True, loss: str | None = None
) -> dict:
    """Mean D(x) on real vs D(G(z)) on fakes: the gap is what G is trying to close. A dashed line
    marks D's decision point for `loss` (config.DECISION_POINTS); for WGAN-GP, whose critic has none,
    a dotted curve follows the midpoint of the two means, the threshold its accuracy uses."""
    x_r, y_r = series(history, "d_real", smooth)
    x_f, y_f = series(history, "d_fake", smooth)
    data = [line_trace(x_r, y_r, "D(x), real", REAL), line_trace(x_f, y_f, "D(G(z)), fake", FAKE)]
    if probabilistic:
        layout = chart_layout(
            "What D says: real vs generated",
            "training step",
            "D output (P(real))",
            "d_outputs",
            yaxis=chart_axis("D output (P(real))", range=[-0.02, 1.02]),
        )
        with_lines(layout, hline(0.5, "0.5: can't tell"))
        return {"data": data, "layout": layout}
    least_squares = loss == "least-squares"
    title = "What D says: real vs generated" if least_squares else "What the critic says: real vs generated"
    y_title = "D output (target real 1, fake 0)" if least_squares else "critic score"
    layout = chart_layout(title, "training step", y_title, "d_outputs")
    centre = DECISION_POINTS.get(loss) if loss else None
    if centre is not None:
        with_lines(layout, hline(centre, f"{centre:g}: can't tell"))
    elif loss == "wgan-gp" and x_r.size and x_r.size == x_f.size:
        data.append(line_trace(x_r, (y_r + y_f) / 2, "midpoint: can't tell", NEUTRAL, dash="dot", width=1.5))
    return {"data": data, "layout": layout}


def grad_norm_figure(history: dict[str, np.ndarray], smooth: bool = False) -> dict:
    """Gradient norms of G and D on a log scale: vanishing and exploding gradients show here."""
    data = []
    for key, name, color in (("grad_norm_d", "D gradient norm", D_COLOR), ("grad_norm_g", "G gradient norm", G_COLOR)):
        x, y = series(history, key, smooth)
        data.append(line_trace(x, np.where(y > 0, y, np.nan), name, color))
    layout = chart_layout(
        "Gradient norms (log scale)",
        "training step",
        "‖∇‖",
        "grad_norm",
        yaxis=chart_axis("‖∇‖", type="log", exponentformat="power"),
    )
    return {"data": data, "layout": layout}
