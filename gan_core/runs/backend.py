"""Where runs train: one run protocol, two backends, chosen by one setting.

- threads (the default): `TrainingRun`, a background thread in the Streamlit process. Nothing
  else is imported: a laptop's `streamlit run app.py` never loads Ray.
- ray: `RayRun` (gan_core.runs.cluster.ray_run), the same engine in a Ray actor on a cluster, for
  a class larger than one machine. Chosen by `GAN_EXPLAINER_RAY_ADDRESS` (a Ray address such as
  `127.0.0.1:6379`, or `auto` for the cluster this machine belongs to); only then is Ray
  imported, and `ray.init` runs once per server process.

Pages and `ui/` call the methods of `RunHandle` only, so they never know which backend runs.
"""

from __future__ import annotations

import os
from typing import Any, Protocol, runtime_checkable

from torch import nn

from gan_core.config import TrainConfig
from gan_core.data import Dataset
from gan_core.runs.snapshot import Snapshot

RAY_ADDRESS_ENV = "GAN_EXPLAINER_RAY_ADDRESS"


@runtime_checkable
class RunHandle(Protocol):
    """What a page may do with a run, whichever backend trains it. Every method returns at once
    or after a bounded wait (step_once's `wait`); `snapshot()` never waits."""

    run_id: int

    @property
    def config(self) -> TrainConfig: ...

    @property
    def mode_count(self) -> int: ...

    def training_data(self) -> Dataset: ...

    def start(self) -> None: ...

    def pause(self, message: str = "") -> None: ...

    def stop(self, timeout: float = 10.0) -> None: ...

    def reset(self, config: TrainConfig | None = None, dataset: Dataset | None = None) -> None: ...

    def step_once(self, which: str = "both", wait: float | None = 10.0, times: int = 1) -> None: ...

    def update(self, **changes: Any) -> TrainConfig: ...

    def set_view(self, smoothed: bool) -> None: ...

    def look_inside(self, index: int | None) -> None: ...

    def load_state(self, state: dict[str, Any]) -> None: ...

    def restore_last_good(self) -> bool: ...

    def snapshot(self) -> Snapshot: ...

    def generator_copy(self) -> nn.Module: ...

    def checkpoint(self) -> dict[str, Any]: ...


def ray_address() -> str | None:
    """The Ray cluster to train on, or None for threads in this process."""
    address = os.environ.get(RAY_ADDRESS_ENV, "").strip()
    return address or None


def backend_name() -> str:
    return "ray" if ray_address() else "threads"


def make_run(config: TrainConfig, dataset: Dataset | None = None, **options: Any) -> RunHandle:
    """A new run on the configured backend (what ui.state calls wherever a page needs a run)."""
    if ray_address():
        from gan_core.runs.cluster.ray_run import RayRun  # Ray is imported only here, only when asked for

        return RayRun(config, dataset, **options)
    from gan_core.runs.runner import TrainingRun

    return TrainingRun(config, dataset, **options)


def live_workers() -> tuple[int, str]:
    """(how many, what): the training threads in this process, or the run actors alive on the
    cluster; the sidebar's server line shows them (and the classroom benchmark reads them)."""
    if ray_address():
        from gan_core.runs.cluster.monitor import live_actors, training_actors

        return training_actors(), f"training actors ({live_actors()} alive)"
    from gan_core.runs.worker import live_training_threads

    return live_training_threads(), "training threads"
