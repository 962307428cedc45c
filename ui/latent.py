"""The Latent space page's controls: their keys, ranges and defaults, and what the defaults depend on.

The page (app_pages/latent_space.py) builds its widgets from these; ui.urls sets them from a link
before the page draws them (so a widget is built without a `value=` that would fight the link's).
Some defaults follow the explored generator's noise: a walk of ±3 suits Gaussian noise, ±1 uniform.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from ui.images import pretrained_generator
from ui.state import run_for
from ui.url_values import WidgetParam, choice, float_in, int_in

SOURCES = ("pretrained", "pretrained-fashion", "run")  # a link can name these; "upload" needs the file itself
KEY_SOURCE = "latent:source"
KEY_UPLOADED = "latent:uploaded"  # (config, frozen generator, step, file name)
MAX_SEED = 100_000
FRAMES = (5, 15)
T_STEP = 0.05
SPAN = (0.5, 4.0, 0.5)  # a walk's range and a plane's extent: (min, max, step)


@dataclass(frozen=True)
class LatentContext:
    """What the controls depend on: the explored generator's noise."""

    noise: str
    dim: int


def context(source: str | None = None) -> LatentContext:
    """The noise of the generator `source` (default: the one the page explores now)."""
    source = source or st.session_state.get(KEY_SOURCE) or "pretrained"
    if source == "run":
        cfg = run_for("images", "digits").config
    elif source == "upload" and st.session_state.get(KEY_UPLOADED):
        cfg = st.session_state[KEY_UPLOADED][0]
    elif source == "pretrained-fashion":
        cfg = pretrained_generator("fashion")[0]
    else:
        cfg = pretrained_generator()[0]
    return LatentContext(cfg.noise, cfg.noise_dim)


def _gaussian(ctx: LatentContext) -> bool:
    return ctx.noise == "gaussian"


def _last_dim(ctx: LatentContext) -> int:
    return ctx.dim - 1


SOURCE = WidgetParam("source", KEY_SOURCE, "pretrained", choice(SOURCES))
SEED_A = WidgetParam("seed_a", "latent:seed-a", 1, int_in(0, MAX_SEED))
SEED_B = WidgetParam("seed_b", "latent:seed-b", 2, int_in(0, MAX_SEED))
N_FRAMES = WidgetParam("frames", "latent:frames", 9, int_in(*FRAMES))
T = WidgetParam("t", "latent:t", 0.5, float_in(0.0, 1.0, T_STEP))
WALK_DIM = WidgetParam("walk_dim", "latent:walk-dim", 0, int_in(0, _last_dim))
# Keyed per noise: a keyed slider keeps its value, and each kind of noise has its own default.
WALK_RANGE = WidgetParam(
    "walk_range",
    lambda ctx: f"latent:walk-range:{ctx.noise}",
    lambda ctx: 3.0 if _gaussian(ctx) else 1.0,
    float_in(*SPAN),
)
PLANE = WidgetParam("plane", "latent:plane-mode", "seeds", choice(("seeds", "dims")))
SEED_C = WidgetParam("seed_c", "latent:seed-c", 3, int_in(0, MAX_SEED))
PLANE_D1 = WidgetParam("plane_d1", "latent:plane-d1", 0, int_in(0, _last_dim))
PLANE_D2 = WidgetParam("plane_d2", "latent:plane-d2", lambda ctx: min(1, ctx.dim - 1), int_in(0, _last_dim))
EXTENT = WidgetParam(
    "extent",
    lambda ctx: f"latent:plane-extent:{ctx.noise}",
    lambda ctx: 2.5 if _gaussian(ctx) else 1.0,
    float_in(*SPAN),
)


def seed_input(where, label: str, param: WidgetParam) -> int:
    """A seed box (each seed is one noise vector z) with its key and range."""
    return int(where.number_input(label, min_value=0, max_value=MAX_SEED, step=1, key=param.key))


PARAMS = (SOURCE, SEED_A, SEED_B, N_FRAMES, T, WALK_DIM, WALK_RANGE, PLANE, SEED_C, PLANE_D1, PLANE_D2, EXTENT)
