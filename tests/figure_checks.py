"""Shared by the figure tests: sample histories and views, every figure built once, and what Plotly
and Streamlit will do with a figure (assert_valid)."""

import json
import math

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import plotly.tools
from plotly.utils import PlotlyJSONEncoder

from figures import curves, objective, playground, quality, theory
from gan_core.trainer import STAT_FIELDS

N_MODES = 8


def make_history(n: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    hist = {f: rng.random(n) for f in STAT_FIELDS}
    hist["step"] = np.arange(n, dtype=np.float64) * 2
    return hist


def make_metric_history(n: int) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {
        "step": np.arange(n, dtype=np.float64) * 50,
        "modes_covered": rng.integers(0, N_MODES + 1, n).astype(float),
        "modes_covered_strict": rng.integers(0, N_MODES + 1, n).astype(float),
        "hq_fraction": rng.random(n),
        "kl_modes": rng.random(n),
        "js_grid": rng.random(n) * math.log(2),
        "class_coverage": rng.integers(0, 11, n).astype(float),
        "mean_confidence": rng.random(n),
        "frechet_distance": 1 + rng.random(n) * 100,
    }


def make_views_2d(probabilistic: bool = True) -> dict:
    rng = np.random.default_rng(2)
    xs = np.linspace(-3, 3, 48)
    z = rng.random((48, 48)) if probabilistic else rng.normal(0, 3, (48, 48))
    return {
        "heatmap": {"x": xs, "y": xs, "z": z, "probabilistic": probabilistic},
        "manifold": rng.normal(size=(22, 41, 2)),
        "arrows": {"x": rng.normal(size=(96, 2)), "direction": rng.normal(size=(96, 2))},
        "bounds": np.array([[-3.0, 3.0], [-3.0, 3.0]]),
    }


def make_views_1d(probabilistic: bool = True) -> dict:
    x = np.linspace(-3, 3, 300)
    p_data, p_g = np.exp(-((x - 1) ** 2)), np.exp(-((x + 1) ** 2))
    return {
        "x": x,
        "p_data": p_data,
        "p_g": p_g,
        "d": 1 / (1 + np.exp(-x)),
        "d_optimal": p_data / (p_data + p_g),
        "probabilistic": probabilistic,
    }


def all_figures(n_rows: int = 300) -> dict[str, dict]:
    hist, mh = make_history(n_rows), make_metric_history(max(n_rows // 10, 0))
    rng = np.random.default_rng(3)
    real, fake = rng.normal(size=(512, 2)), rng.normal(size=(512, 2))
    return {
        "loss": curves.loss_figure(hist),
        "loss_raw": curves.loss_figure(hist, smooth=False),
        "accuracy": curves.accuracy_figure(hist),
        "d_outputs": curves.d_outputs_figure(hist, probabilistic=True),
        "critic_outputs": curves.d_outputs_figure(hist, probabilistic=False),
        "grad_norm": curves.grad_norm_figure(hist),
        "modes": quality.modes_figure(mh, N_MODES),
        "divergence": quality.divergence_figure(mh, 0.01),
        "multi_run": quality.multi_run_modes_figure([("collapse", mh), ("cure", mh)], N_MODES),
        "playground": playground.playground_figure(
            real, fake, make_views_2d(), set(playground.PLAYGROUND_LAYERS), [[-3, 3], [-3, 3]]
        ),
        "playground_critic": playground.playground_figure(
            real, fake, make_views_2d(False), {"heatmap", "fake"}, [[-3, 3], [-3, 3]]
        ),
        "density_1d": theory.density_1d_figure(make_views_1d(), real[:, :1]),
        "density_1d_critic": theory.density_1d_figure(make_views_1d(False)),
        "g_loss_curves": objective.generator_loss_curves_figure(0.2),
        "value_function": objective.value_function_figure(0.7, 0.3),
        "class_hist": quality.class_histogram_figure(
            {"confident": [5, 6, 7, 0, 5, 6, 7, 8, 9, 10], "unsure": [1] * 10, "threshold": 2, "n": 73}, 9, 0.8
        ),
        "class_hist_plain": quality.class_histogram_figure([5, 6, 7, 0, 5, 6, 7, 8, 9, 10]),
        "digits_quality": quality.digits_quality_figure(mh),
        "frechet": quality.frechet_figure(mh, 1.4),
    }


def assert_valid(fig: dict) -> None:
    """What Plotly and Streamlit will do with the figure: JSON round trip, full validation, and
    exactly the conversion `st.plotly_chart` applies (it also rejects an empty data list)."""
    assert isinstance(fig, dict) and set(fig) >= {"data", "layout"}
    pio.from_json(json.dumps(fig, cls=PlotlyJSONEncoder))
    go.Figure(fig)
    plotly.tools.return_figure_from_figure_or_data(fig, validate_figure=True)


def title_of(fig: dict) -> str:
    return fig["layout"]["title"]["text"]


def axis_title(fig: dict, axis: str) -> str:
    return fig["layout"][axis]["title"]["text"]


def traces_named(fig: dict, fragment: str) -> list[dict]:
    return [t for t in fig["data"] if fragment in t.get("name", "")]
