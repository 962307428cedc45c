"""The engine inside a Ray actor: one `TrainingRun` per actor, answering the server's calls.

The class is plain Python (the Ray backend wraps it with `ray.remote`), so what it does is
tested without a cluster too. Ray runs an actor's calls one at a time in the order one caller
sent them (pause/resume/reset cannot overtake each other), while the run's own training thread
trains between them: a snapshot request is answered within a chunk (~20 ms) while it trains.

The run inside knows nothing of the class: admission and turns are decided by the Streamlit
server's scheduler (its own scheduler here always admits), and so is the idle timeout (a
snapshot request from the server is not a student looking).
"""

from __future__ import annotations

import os
from typing import Any

import torch

from gan_core.config import TrainConfig
from gan_core.data import Dataset
from gan_core.runs.cluster import wire
from gan_core.runs.runner import TrainingRun


def _rss_mib() -> float:
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return float("nan")


class RunActor:
    def __init__(
        self,
        config: TrainConfig,
        dataset: Dataset | None = None,
        state: dict[str, Any] | None = None,
        options: dict[str, Any] | None = None,
        message: str = "",
    ) -> None:
        torch.set_num_threads(1)  # Ray sets OMP_NUM_THREADS=1 for a 1-CPU actor; torch needs telling too
        self._take(config, dataset, state, options, message)
        self.build = 1
        self._evaluator = self.run.evaluator

    def _take(
        self,
        config: TrainConfig,
        dataset: Dataset | None,
        state: dict[str, Any] | None,
        options: dict[str, Any] | None,
        message: str,
    ) -> None:
        """Train this run from now on: a new TrainingRun (from `state` if given). It has no admission
        or limits of its own: the server decides when it trains and pauses it."""
        self.options = dict(options or {})
        self.run = TrainingRun(config, dataset, threads=1, **self.options)
        if state is not None:
            self.run.import_state(state, message)

    # --- commands (in the caller's order) -------------------------------------------------------
    def adopt(
        self,
        config: TrainConfig,
        dataset: Dataset | None = None,
        state: dict[str, Any] | None = None,
        options: dict[str, Any] | None = None,
        message: str = "",
    ) -> None:
        """Take over another run: the server hands this actor (its CPU, its warm process) from a
        paused run to one whose turn came, instead of ending one process and starting another
        (seconds of start-up on a busy machine). The paused run's state left with an export
        called just before; this actor then trains only the new run."""
        self.run.stop(timeout=5.0)
        self._take(config, dataset, state, options, message)

    def start(self) -> None:
        self.run.start()

    def pause(self, message: str = "") -> None:
        """Pause, and let the chunk in progress end (~20 ms): the next snapshot the server asks
        for is the paused run's last one, not one a step short of it."""
        self.run.pause(message)
        thread = self.run._thread
        if thread is not None:
            thread.join(1.0)

    def reset(self, config: TrainConfig | None = None, dataset: Dataset | None = None) -> None:
        self.run.reset(config, dataset)

    def step_once(self, which: str = "both", times: int = 1, wait: float = 30.0) -> None:
        self.run.step_once(which, wait=wait, times=times)

    def update(self, **changes: Any) -> None:
        try:
            self.run.update(**changes)
        except ValueError:  # validated on the server already; a race (e.g. a reset between) ends here
            pass

    def set_view(self, smoothed: bool) -> None:
        self.run.set_view(smoothed)

    def look_inside(self, index: int | None) -> None:
        self.run.look_inside(index)

    def load_state(self, state: dict[str, Any]) -> None:
        self.run.load_state(state)

    def restore_last_good(self) -> bool:
        return self.run.restore_last_good()

    # --- reads ----------------------------------------------------------------------------------
    def poll(self, have: dict[str, Any]) -> bytes | None:
        """What changed since `have` (wire.encode), None when nothing did."""
        snap = self.run._snapshot  # not snapshot(): a request from the server is not a student looking
        if self.run.evaluator is not self._evaluator:  # rebuilt by a reset: its data views travel again
            self._evaluator = self.run.evaluator
            self.build += 1
        static = frozenset(self.run.evaluator.static)
        extra = {"rss_mib": _rss_mib(), "mode_count": self.run.mode_count, "data_shape": self.run.trainer.dataset.shape}
        return wire.encode(snap, have, self.build, static, extra)

    def export(self) -> dict[str, Any]:
        return self.run.export_state()

    def checkpoint(self) -> dict[str, Any]:
        state = self.run.checkpoint()
        state["data_shape"] = tuple(self.run.trainer.dataset.shape)
        return state

    def generator_state(self) -> tuple[tuple[int, bool], dict[str, Any], dict[str, Any]]:
        """((G updates, drawn from the weight average?), the generator's weights, config dict):
        what `generator_copy` rebuilds on the server."""
        run = self.run
        with run._trainer_lock:
            average = run.evaluator.uses_average()
            g = run.trainer.generator_for_view(average)
            weights = {k: v.detach().cpu().clone() for k, v in g.state_dict().items()}
            return (run.trainer.g_updates, average), weights, run.trainer.config.to_dict()

    def stop(self) -> None:
        self.run.stop(timeout=5.0)

    def node_id(self) -> str:
        """The Ray node this actor runs on (tests and the benchmark place runs by it)."""
        import ray  # only ever called inside a Ray actor

        return ray.get_runtime_context().get_node_id()
