"""The server's one thread that talks to every Ray actor, and the cluster connection it uses.

One monitor thread per server process looks at every run every 0.1 s: each run has at most one
snapshot request in flight, and the monitor checks all of them with one `ray.wait(refs, timeout=0)`
and hands the ready replies to their runs (RayRun, whose side of the conversation is
gan_core.runs.cluster.sync). It also counts the cluster's CPUs (machines join and leave) and tells the
runs' admission how many training slots there are, and it finds a CPU for a run that needs an actor:
a free one, or the actor of the paused run unused longest (its state leaves first).
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import threading
import time
import weakref
from typing import TYPE_CHECKING, Any

try:  # Ray imports pandas on its own threads; plotly's JSON encoder looks it up in sys.modules, and a
    # half-imported pandas there fails a page's chart ("partially initialized module"). Importing it
    # here, before any page can get past its first run, makes it whole before anyone looks.
    import pandas  # noqa: F401
except ImportError:
    pass
import ray
from ray.exceptions import RayError

from gan_core.runs.admission import Admission, Unlimited
from gan_core.runs.backend import ray_address
from gan_core.runs.cluster.actor import RunActor

if TYPE_CHECKING:
    from gan_core.runs.cluster.ray_run import RayRun

TICK = 0.1  # s between the monitor's looks at every run
CAPACITY_EVERY = 5.0  # s between looks at the cluster's CPUs (machines join and leave)
NAMESPACE = "gan-explainer"
RESERVED_ENV = "GAN_EXPLAINER_RESERVED_CPUS"
STATS_ENV = "GAN_EXPLAINER_CLUSTER_STATS"

log = logging.getLogger(__name__)

_connect_lock = threading.Lock()
_monitor: ClusterMonitor | None = None
_actor_class = None


def connect(admission: Admission | None = None, address: str | None = None) -> ClusterMonitor:
    """`ray.init` once per server process (reusing a connection a test or host already made),
    and the one monitor thread, which fits `admission` (the first one given) to the cluster's CPUs."""
    global _monitor
    with _connect_lock:
        if not ray.is_initialized():
            # Errors of fire-and-forget commands to a dead actor surface through the next
            # snapshot request as "lost"; Ray's own log line for each would only be noise.
            os.environ.setdefault("RAY_IGNORE_UNHANDLED_ERRORS", "1")
            ray.init(
                address=address or ray_address(),
                namespace=NAMESPACE,
                log_to_driver=False,
                logging_level=logging.WARNING,
            )
        if _monitor is None:
            _monitor = ClusterMonitor(admission or Unlimited())
        return _monitor


def actor_class():
    global _actor_class
    if _actor_class is None:
        # One CPU each; no restarts or retries: a lost actor is reported and restarted by the
        # server from its held state, never silently rerun from its constructor at step 0.
        _actor_class = ray.remote(num_cpus=1, max_restarts=0, max_task_retries=0)(RunActor)
    return _actor_class


def live_actors() -> int:
    """Actors alive on the cluster for this server's runs (training or paused, not yet evicted)."""
    return _monitor.actors_alive() if _monitor is not None else 0


def training_actors() -> int:
    """Actors whose run holds a training slot (the counterpart of the thread backend's threads)."""
    if _monitor is None:
        return 0
    return sum(1 for r in _monitor.all_runs() if r._actor is not None and r._admitted_at is not None)


def cluster_stats() -> dict[str, Any]:
    return _monitor.stats() if _monitor is not None else {}


class ClusterMonitor:
    """The server's one thread that talks to every run's actor (see the module docstring)."""

    def __init__(self, admission: Admission) -> None:
        self.admission = admission
        self._lock = threading.Lock()
        self.runs: weakref.WeakSet[RayRun] = weakref.WeakSet()
        self.cpus = 1
        self._capacity_at = 0.0
        self.totals = {"snapshot_bytes": 0, "snapshots": 0, "checkpoint_bytes": 0, "checkpoints": 0, "polls": 0}
        self._stats_path = os.environ.get(STATS_ENV, "").strip() or None
        self._stats_at = 0.0
        self.refresh_capacity()
        self._thread = threading.Thread(target=self._loop, name="gan-cluster-monitor", daemon=True)
        self._thread.start()

    # --- CPUs ----------------------------------------------------------------------------------
    def refresh_capacity(self) -> None:
        """Training slots = the cluster's CPUs less what the server keeps (RESERVED_ENV); the
        admission decides what it makes of them (classroom.slots caps them by its own setting)."""
        self._capacity_at = time.monotonic()
        try:
            cpus = int(ray.cluster_resources().get("CPU", 0))
        except RayError:
            return
        reserved = int(os.environ.get(RESERVED_ENV, "0") or 0)
        self.cpus = max(1, cpus - reserved)
        self.admission.fit_to(self.cpus)

    def all_runs(self) -> list[RayRun]:
        with self._lock:
            return list(self.runs)

    def actors_alive(self) -> int:
        return sum(1 for r in self.all_runs() if r._actor is not None)

    @staticmethod
    def _holds_cpu(run: RayRun) -> bool:
        return run._actor is not None or run._reserved

    def claim_cpu(self, run: RayRun, evict: bool) -> tuple[bool, Any]:
        """(whether `run` may have an actor now, a paused run's actor handed over to it or None).
        With `evict`, the paused run unused longest gives up its actor: its state leaves first
        (export), then the same warm process takes `run` (RunActor.adopt). Victims are only
        taken when their lock is free (no lock order to deadlock on)."""
        with self._lock:
            alive = [r for r in self.runs if self._holds_cpu(r)]
            if run in alive:
                return True, None
            if len(alive) < self.cpus:
                run._reserved = True  # counted at once: sessions opening together must not all take it
                return True, None
            if not evict:
                return False, None
            victims = sorted(
                (r for r in alive if r is not run and r._admitted_at is None and r._lost is None),
                key=lambda r: r._last_active,
            )
            for victim in victims:
                if victim._lock.acquire(blocking=False):
                    try:
                        if victim._actor is not None and victim._admitted_at is None:
                            handle = victim._surrender()
                            run._reserved = True
                            return True, handle
                    finally:
                        victim._lock.release()
            return False, None

    def register(self, run: RayRun) -> None:
        with self._lock:
            self.runs.add(run)

    # --- the loop --------------------------------------------------------------------------------
    def _loop(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:  # the monitor must outlive any one run's surprise (or the cluster's)
                log.exception("cluster monitor tick failed")
                time.sleep(2.0)
            time.sleep(TICK)

    def tick(self) -> None:
        if not ray.is_initialized():  # the host (a test) shut Ray down: nothing to talk to
            return
        now = time.monotonic()
        if now - self._capacity_at >= CAPACITY_EVERY:
            self.refresh_capacity()
        runs = self.all_runs()
        refs = [ref for r in runs for ref in (r._poll_ref, r._export_ref) if ref is not None]
        ready: set = set()
        if refs:
            done, _ = ray.wait(refs, num_returns=len(refs), timeout=0, fetch_local=True)
            ready = set(done)
        for run in runs:
            run._tick(now, ready)
        if self._stats_path and now - self._stats_at >= 2.0:
            self._stats_at = now
            self._write_stats()

    def stats(self) -> dict[str, Any]:
        runs = self.all_runs()
        return {
            "time": time.time(),
            "cpus": self.cpus,
            "actors_alive": self.actors_alive(),
            "runs": len(runs),
            **self.totals,
            "per_run": {
                r.run_id: {**r.stats, "status": r._shown.status, "step": r._shown.step, "created": r.created_at}
                for r in runs
            },
        }

    def _write_stats(self) -> None:
        path = self._stats_path
        try:
            tmp = f"{path}.tmp"
            with open(tmp, "w") as f:
                json.dump(self.stats(), f)
            os.replace(tmp, path)
        except OSError:
            pass


# --- the handle ----------------------------------------------------------------------------------
def kill_actor(holder: list) -> None:
    actor = holder[0]
    holder[0] = None
    if actor is not None and ray.is_initialized():
        try:
            ray.kill(actor)
        except Exception:  # the cluster may already be gone at interpreter exit
            pass


@atexit.register
def _kill_all_at_exit() -> None:
    """Ray ends a driver's actors when it exits; ending them first frees their CPUs at once."""
    if _monitor is not None:
        for run in _monitor.all_runs():
            kill_actor(run._holder)
