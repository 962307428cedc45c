"""What a page sees of a run: one immutable Snapshot, published by whoever trains it.

Every backend (a thread here, an actor on a cluster) publishes the same Snapshot; a page only ever
reads the newest one, never the trainer, so reading never waits for training and training never
waits for a page.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gan_core.config import TrainConfig
from gan_core.trainer import StepStats

IDLE, QUEUED, RUNNING, PAUSED, DIVERGED, STOPPED, ERROR = (
    "idle",
    "queued",
    "running",
    "paused",
    "diverged",
    "stopped",
    "error",
)

# A run whose actor's machine was lost (the cluster backend): the page keeps the last picture and
# offers a restart from the checkpoint the server holds. Not active: nothing trains it.
LOST = "lost"

# The metric history's first columns: when each evaluation was made. D-only and G-only steps by
# hand (the Theory page's head start for D) leave the step count alone, so the update counts
# say what happened between two evaluations.
COUNTER_FIELDS = ("step", "d_updates", "g_updates")


def read_only(value: Any) -> Any:
    """Snapshots are cached and shared by every page of a session (and across refreshes): their
    arrays are made read-only rather than copied, so sharing costs nothing and a page that
    tried to write into one gets an error instead of silently changing what others show."""
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif isinstance(value, dict):
        for item in value.values():
            read_only(item)
    return value


@dataclass(frozen=True)
class Snapshot:
    """An immutable copy of everything a page needs; safe to keep across reruns."""

    run_id: int
    version: int
    step: int
    d_updates: int
    g_updates: int
    status: str
    message: str
    queue_position: int
    config: TrainConfig
    dataset_name: str
    data_kind: str
    last: StepStats | None
    history: dict[str, np.ndarray]
    metrics: dict[str, float]  # latest evaluation (mode coverage, classes, divergences...)
    metric_history: dict[str, np.ndarray]
    samples: np.ndarray | None  # G(fixed noise): (n, d) points or (n, H, W) images in [0, 1]
    views: Mapping[str, Any]  # read-only view
    timeline: tuple[tuple[int, np.ndarray], ...]
    steps_per_sec: float
    last_phase: str  # "d", "g" or "both": what the most recent update trained
    has_checkpoint: bool
    wall_time: float = 0.0  # seconds spent training
    smoothed_view: bool = False  # the run's view: draw and score G's weight average (where it keeps one)
    dataset_description: str = ""  # what the run trains on and, for files, where they were found
    created: float = field(default_factory=time.monotonic)

    @property
    def is_active(self) -> bool:
        return self.status in (RUNNING, QUEUED)
