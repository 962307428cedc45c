"""The collapse alarm: one rule that says whether a run on a 2D mixture has collapsed onto few modes.

The Mode collapse lab shows it under each run; it reads only what every run publishes (the metric
history's strict mode coverage and high-quality share, and how spread out G's samples are).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

ALARM_MIN_STEPS = 500  # before this every GAN covers few modes: too early to call it collapse
ALARM_WINDOW = 4  # evaluations (~0.5 s apart) the verdict looks back over, so it does not flicker
ALARM_MAX_SHARE = 3 / 8  # "few modes" = at most 3 of 8 modes (9 of 25) strictly covered
ALARM_MIN_HQ = 0.5  # committed, kind 1: most samples sit sharply on a mode (the textbook picture)
ALARM_MAX_SPREAD = 0.5  # committed, kind 2: the samples crowd into a spot under half the data's spread
# (a healthy ring8 run has spread ~1.0 from step 500 on; the vanilla presets stay at 0.1-0.4)

COLLAPSE, LEARNING, COVERING, TOO_EARLY = "collapse", "learning", "covering", "too-early"


@dataclass(frozen=True)
class Verdict:
    kind: str  # COLLAPSE, LEARNING, COVERING or TOO_EARLY
    modes: int  # strictly covered modes, latest evaluation
    n_modes: int
    hq: float  # share of high-quality samples, latest evaluation (nan if none)
    message: str

    @property
    def alarm(self) -> bool:
        return self.kind == COLLAPSE


def _last(values: Any, n: int) -> np.ndarray:
    arr = np.asarray(values if values is not None else (), dtype=np.float64).reshape(-1)[-n:]
    return arr[np.isfinite(arr)]


def sample_spread(fake: Any, real: Any) -> float:
    """How spread out the generated points are relative to the data: RMS distance to their own
    centre, fake over real (1 = as spread as the data; a collapsed G is far below 1). NaN if
    either set is empty or not finite."""
    f, r = _rms_spread(fake), _rms_spread(real)
    return f / r if r > 0 else math.nan


def _rms_spread(points: Any) -> float:
    x = np.asarray(points if points is not None else (), dtype=np.float64)
    if x.ndim != 2 or not len(x) or not np.isfinite(x).all():
        return math.nan
    return math.sqrt(float(((x - x.mean(0)) ** 2).sum(1).mean()))


def collapse_verdict(
    metric_history: Mapping[str, Any],
    n_modes: int,
    step: int,
    spread: float = math.nan,
    *,
    min_steps: int = ALARM_MIN_STEPS,
    window: int = ALARM_WINDOW,
    max_share: float = ALARM_MAX_SHARE,
    min_hq: float = ALARM_MIN_HQ,
    max_spread: float = ALARM_MAX_SPREAD,
) -> Verdict:
    """The lab's collapse alarm, one rule for every run:

    Mode collapse  <=>  step >= min_steps
                        and in each of the last `window` evaluations at most
                            floor(max_share * n_modes) modes were strictly covered (3 of 8, 9 of 25)
                        and G has committed to a few places: on average at least `min_hq` of the
                            samples were high quality, or the latest samples' `spread`
                            (sample_spread) is at most `max_spread`.

    The last condition separates collapse (sharp samples on few modes, or one tight clump) from a
    generator that is still a wide blur over the plane (few modes, few good samples, wide spread).
    """
    strict = _last(metric_history.get("modes_covered_strict"), window)
    hq = _last(metric_history.get("hq_fraction"), window)
    modes = int(round(strict[-1])) if strict.size else 0
    hq_now = float(hq[-1]) if hq.size else math.nan
    limit = math.floor(max_share * n_modes)
    if step < min_steps or strict.size < window or hq.size < window:
        return Verdict(TOO_EARLY, modes, n_modes, hq_now, f"Too early to judge (step {step:,} of {min_steps:,}).")
    if strict.max() > limit:
        best = int(round(strict.max()))
        return Verdict(
            COVERING,
            modes,
            n_modes,
            hq_now,
            f"Not collapsed: up to {best} of {n_modes} modes covered in the last {window} evaluations (now {modes}).",
        )
    if hq.mean() >= min_hq:
        return Verdict(
            COLLAPSE,
            modes,
            n_modes,
            hq_now,
            f"Mode collapse: only {modes} of {n_modes} modes, although {hq.mean():.0%} of the samples sat sharply "
            f"on one (on average over the last {window} evaluations).",
        )
    if math.isfinite(spread) and spread <= max_spread:
        return Verdict(
            COLLAPSE,
            modes,
            n_modes,
            hq_now,
            f"Mode collapse: only {modes} of {n_modes} modes; the samples crowd into a clump "
            f"{1 / max(spread, 1e-3):.0f}× narrower than the data.",
        )
    return Verdict(
        LEARNING,
        modes,
        n_modes,
        hq_now,
        f"Still searching: {modes} of {n_modes} modes and only {hq_now:.0%} of the samples on a mode yet.",
    )
