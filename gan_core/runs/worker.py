"""What a TrainingRun's own thread does: train in chunks, obey commands, pause itself, evaluate.

TrainingRun (runner.py) is the half any thread may call (start, pause, a live setting, a snapshot);
this is the other half, run by the run's background thread, which exists only while there is work
(training, or a step by hand waiting), and the publishing of snapshots both halves use. It trains in
chunks of a few ms and between them takes commands and live settings, checks the run's limits and
turns, and evaluates and publishes at most as often as the run's intervals say. A mixin: the fields
are TrainingRun's.

The image data sets' quality scores cost about ten training steps each, once a second: the
training thread only freezes a copy of G for them and a scoring thread (`gan-score-N`, one at a time,
alive only while it scores) computes them, so training goes on meanwhile. Measured on a 2-core
laptop-class host, that was a tenth to a sixth of the training thread's time (issue 26).
"""

from __future__ import annotations

import copy
import math
import threading
import time
from types import MappingProxyType

import torch

from gan_core.config import format_rate
from gan_core.fast.blas import one_blas_thread
from gan_core.quality.evaluation import Scoring
from gan_core.runs.snapshot import DIVERGED, ERROR, IDLE, PAUSED, QUEUED, RUNNING, Snapshot, read_only
from gan_core.trainer import StepStats

THREAD_PREFIX = "gan-train-"
SCORE_PREFIX = "gan-score-"  # the thread that scores a frozen copy of G while the run trains


def live_training_threads() -> int:
    """Training threads alive in this process (tests use it to prove nothing leaks)."""
    return sum(1 for t in threading.enumerate() if t.name.startswith(THREAD_PREFIX))


def live_scoring_threads() -> int:
    """Scoring threads alive in this process (each ends when its score is in)."""
    return sum(1 for t in threading.enumerate() if t.name.startswith(SCORE_PREFIX))


def _name_os_thread(name: str) -> None:
    """Give the OS thread the Python thread's name (Linux, 15 bytes), so `top -H`, py-spy and
    the benchmarks' /proc readers can tell the training threads from the server's own."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(15, name.encode()[:15], 0, 0, 0)  # 15 = PR_SET_NAME
    except (OSError, AttributeError):
        pass


class RunWorker:
    # --- the worker -------------------------------------------------------------------------
    _busy_command = False

    def _ensure_thread(self) -> None:
        # caller holds self._cv
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._loop, name=f"{THREAD_PREFIX}{self.run_id}", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        _name_os_thread(threading.current_thread().name)
        torch.set_num_threads(self.threads)
        one_blas_thread()
        started = time.monotonic()
        try:
            while True:
                with self._cv:
                    command = self._commands.popleft() if self._commands else None
                    scoring = self._scoring
                    if command is None and not self._want_run and scoring is None:
                        self._finish_locked()
                        return
                    self._busy_command = command is not None
                if command is None and not self._want_run:
                    # Paused with a score on its way: the paused picture shows it (a few tenths of a second).
                    scoring.join()
                    continue
                if command is not None:
                    self._run_command(command)
                    continue
                position = self.admission.request(self)
                if position:
                    self._set_status(QUEUED, queue_position=position)
                    with self._cv:
                        self._cv.wait(0.25)
                    started = time.monotonic()
                    continue
                if self._status != RUNNING:
                    with self._cv:
                        if self._turn_waiting:
                            self._message, self._turn_waiting = "", False
                    self._set_status(RUNNING)
                    started = time.monotonic()
                self._train_chunk()
                self._watchdogs(started)
                self._take_turns(started)
        except Exception as exc:  # the page must show what happened, not a dead thread
            self._fail(exc)

    def _fail(self, exc: Exception) -> None:
        self.admission.release(self)
        with self._cv:
            self._want_run = False
            self._commands.clear()
            self._status = ERROR
            self._message = f"Training stopped with an error: {type(exc).__name__}: {exc}"
            if self._thread is threading.current_thread():
                self._thread = None
                self._busy_command = False
            self._cv.notify_all()
        self._publish()

    def _finish_locked(self) -> None:
        """Thread exit bookkeeping (caller holds self._cv)."""
        self.admission.release(self)
        if self._status in (RUNNING, QUEUED, IDLE):
            self._status = PAUSED if self.trainer.step_count or self._status != IDLE else IDLE
        self._queue_position = 0
        self._thread = None
        self._busy_command = False
        self._cv.notify_all()
        # publish outside the condition's critical path is not needed: snapshot build is cheap
        self._store(self._make_snapshot())

    def _run_command(self, command: tuple[str, int]) -> None:
        which, times = command
        with self._trainer_lock:
            self._apply_pending()
            # D's verdicts just before the update, on the batches the "after" is measured on: what a
            # page's before/after compares (an older evaluation may be hundreds of steps old).
            before = self.evaluator.verdicts()
            step = {"d": self.trainer.step_d, "g": self._hand_step_g, "both": self.trainer.step}[which]
            collected = [step() for _ in range(times)]
            self._last_phase = which
            self._after_steps(collected, phase=which)
            if self._status != DIVERGED:
                self._evaluate(full=True, hand_step=True)  # a step by hand shows G itself, never the average
                if before is not None:
                    self._views["d_verdict_before"] = before
        with self._cv:
            if self._status == IDLE:
                self._status = PAUSED
        self._publish()
        with self._cv:  # only now may step_once's caller return: the snapshot shows the step
            self._busy_command = False
            self._cv.notify_all()

    def _hand_step_g(self) -> StepStats:
        """Step G by hand learns on the batch the page draws: G's samples of the fixed noise (one
        training batch of them), so the orange arrows are exactly the gradient this update follows
        and the drawn points move with it. Training on its own draws fresh noise every step."""
        trainer = self.trainer
        return trainer.step_g(trainer.fixed_noise[: trainer.config.batch_size])

    def _train_chunk(self) -> None:
        collected: list[StepStats] = []
        with self._trainer_lock:
            t0 = time.perf_counter()
            deadline = t0 + self.chunk_seconds
            while True:
                self._apply_pending()
                collected.append(self.trainer.step())
                if not math.isfinite(collected[-1].loss_d) or not math.isfinite(collected[-1].loss_g):
                    break
                if time.perf_counter() >= deadline or not self._want_run or self._commands:
                    break
            elapsed = time.perf_counter() - t0
            self._wall += elapsed
            rate = len(collected) / max(elapsed, 1e-9)
            self._steps_per_sec = rate if self._steps_per_sec == 0 else 0.8 * self._steps_per_sec + 0.2 * rate
            self._last_phase = "both"
            self._after_steps(collected)
        now = time.monotonic()
        if now - self._last_eval >= self.eval_interval and self._status != DIVERGED:
            with self._trainer_lock:
                self._evaluate()
        if now - self._snapshot.created >= self.publish_interval:
            self._publish()

    _last_eval = 0.0
    _last_metrics = 0.0

    def _after_steps(self, collected: list[StepStats], phase: str = "both") -> None:
        for stats in collected:
            self.history.append(stats.as_tuple())
        last = collected[-1]
        # A one-network step measures only that network's loss (the other may still be NaN
        # from "never measured" on a fresh run): judge only what was measured.
        bad_d = phase in ("d", "both") and not math.isfinite(last.loss_d)
        bad_g = phase in ("g", "both") and not math.isfinite(last.loss_g)
        if bad_d or bad_g:
            which = "discriminator" if bad_d else "generator"
            cfg = self.trainer.config
            self._diverge(
                f"The {which} loss became {last.loss_d if which == 'discriminator' else last.loss_g} "
                f"at step {last.step}: training diverged. The learning rates in use (lr_g={format_rate(last.lr_g)}, "
                f"lr_d={format_rate(last.lr_d)}; set to {format_rate(cfg.lr_g)} and {format_rate(cfg.lr_d)}) are "
                f"probably too high for the {cfg.loss} loss: lower them and reset, or restore the last good checkpoint."
            )
            return
        now = time.monotonic()
        if (
            now - self._last_good_time >= self.checkpoint_interval or self._last_good is None
        ) and self._weights_finite():
            self._last_good = copy.deepcopy(self.trainer.state_dict())
            self._last_good_time = now

    def _weights_finite(self) -> bool:
        """A finite loss does not prove finite weights: the update after it may have blown up.
        The "last good" checkpoint must never hold NaN/inf."""
        params = list(self.trainer.generator.parameters()) + list(self.trainer.discriminator.parameters())
        return bool(torch.stack([torch.isfinite(p).all() for p in params]).all())

    def _diverge(self, message: str) -> None:
        with self._cv:
            self._want_run = False
            self._commands.clear()
            self._status = DIVERGED
            self._message = message

    def _watchdogs(self, started: float) -> None:
        now = time.monotonic()
        if self.stop_at_steps and self.trainer.step_count >= self.trainer.config.steps:
            self.pause(f"Finished: reached {self.trainer.config.steps} steps.")
        elif reason := self.limits.idle_pause(now - self._last_read) or self.limits.time_pause(now - started):
            self.pause(reason)

    def _take_turns(self, started: float) -> None:
        """Give the slot to a waiting run once this one has had its turn (see scheduler)."""
        if not self._want_run or not self.admission.turn_over(self, time.monotonic() - started):
            return
        position = self.admission.requeue(self)
        with self._cv:
            if not self._want_run:  # paused meanwhile: pause() already released the slot
                self.admission.release(self)
                return
            self._message, self._turn_waiting = self.admission.turn_message(), True
        self._set_status(QUEUED, queue_position=position)

    def _apply_pending(self) -> None:
        # caller holds the trainer lock
        with self._cv:
            pending, self._pending = self._pending, {}
            if pending:
                self._cv.notify_all()
        if pending:
            try:
                self.trainer.update(**pending)
            except ValueError as exc:  # validated on entry; only a race could get here
                with self._cv:
                    self._message = str(exc)

    def _inside_index(self) -> int | None:
        """The noise vector a page looks inside now (None once its request ran out)."""
        with self._cv:
            inside = self._inside
        return inside[0] if inside is not None and time.monotonic() < inside[1] else None

    def _evaluate(self, full: bool | None = None, hand_step: bool = False) -> None:
        # caller holds the trainer lock (or is the constructor)
        now = time.monotonic()
        self._last_eval = now
        periodic = full is None  # the training loop's: scores may be computed apart from it
        if periodic:
            full = now - self._last_metrics >= self.metrics_interval
        self.evaluator.inside = self._inside_index()
        if periodic and full and self.score_apart and self.evaluator.scores_apart:
            # The picture now; the scores by the scoring thread, from G as it is now.
            self._samples, self._views, self._metrics = self.evaluator.evaluate(full=False)
            if self._start_scoring():
                self._last_metrics = now
            full = False  # its row is added when its scores are in (_score)
        else:
            self._samples, self._views, self._metrics = self.evaluator.evaluate(full=full, hand_step=hand_step)
        step = self.trainer.step_count
        if full:
            self._last_metrics = now
            self._add_metric_row((step, self.trainer.d_updates, self.trainer.g_updates))
        self._evals += 1
        if self._evals % self._timeline_every == 0 and (not self._timeline or self._timeline[-1][0] != step):
            self._timeline.append((step, self._samples))
            if len(self._timeline) >= self.timeline_frames:
                self._timeline = self._timeline[::2]
                self._timeline_every *= 2

    def _add_metric_row(self, counters: tuple[int, int, int]) -> None:
        if self._metrics:
            self.metric_history.append(
                counters + tuple(self._metrics.get(f, math.nan) for f in self.evaluator.metric_fields)
            )

    # --- quality scores apart from training ----------------------------------------------------
    def _start_scoring(self) -> bool:
        """Freeze G and hand its scoring to a scoring thread (caller: the training thread, holding the
        trainer lock); False while the last one is still being scored."""
        with self._cv:
            if self._scoring is not None:
                return False
        job = self.evaluator.scoring()
        counters = (self.trainer.step_count, self.trainer.d_updates, self.trainer.g_updates)
        thread = threading.Thread(
            target=self._score, args=(job, counters), name=f"{SCORE_PREFIX}{self.run_id}", daemon=True
        )
        with self._cv:
            self._scoring = thread
        thread.start()
        return True

    def _score(self, job: Scoring, counters: tuple[int, int, int]) -> None:
        """The scoring thread: score the frozen G, then add the numbers as of the step it was frozen at,
        unless something newer was scored meanwhile (a step by hand, a reset, a switched view)."""
        _name_os_thread(threading.current_thread().name)
        torch.set_num_threads(self.threads)
        one_blas_thread()
        try:
            job.run()
            with self._trainer_lock:
                if job.evaluator is self.evaluator and self.evaluator.accept(job):
                    self._views, self._metrics = job.views, job.metrics or {}
                    self._add_metric_row(counters)
        except Exception as exc:  # as if the training thread had failed scoring: the page says why
            with self._cv:
                self._scoring = None
            self._fail(exc)
            return
        with self._cv:
            self._scoring = None
            self._cv.notify_all()
        self._publish()

    def _join_scoring(self, timeout: float | None = None) -> None:
        """Wait for a score on its way (never from the scoring thread, nor holding a lock it takes)."""
        with self._cv:
            scoring = self._scoring
        if scoring is not None and scoring is not threading.current_thread():
            scoring.join(timeout)

    # --- publishing ---------------------------------------------------------------------------
    def _set_status(self, status: str, queue_position: int = 0) -> None:
        changed = status != self._status or queue_position != self._queue_position
        with self._cv:
            self._status = status
            self._queue_position = queue_position
        if changed:
            self._publish()

    def _publish(self) -> None:
        with self._trainer_lock:
            snap = self._make_snapshot()
        with self._cv:
            self._store(snap)

    def _store(self, snap: Snapshot) -> None:
        """Keep the newest snapshot (caller holds self._cv). Two threads publish at once when
        start() on the page's thread races the worker's first step: the snapshot built first may
        arrive last, and a stale "running" must not hide an error."""
        if self._snapshot is None or snap.version > self._snapshot.version:
            self._snapshot = snap
            self._cv.notify_all()

    def _make_snapshot(self) -> Snapshot:
        trainer = self.trainer
        version = next(self._versions)  # taken before any field is read: a later one saw more
        return Snapshot(
            run_id=self.run_id,
            version=version,
            step=trainer.step_count,
            d_updates=trainer.d_updates,
            g_updates=trainer.g_updates,
            status=self._status,
            message=self._message,
            queue_position=self._queue_position,
            config=trainer.config,
            dataset_name=trainer.dataset.name,
            data_kind=trainer.dataset.kind,
            last=trainer.last,
            history=read_only(self.history.arrays()),
            metrics=dict(self._metrics),
            metric_history=read_only(self.metric_history.arrays()),
            samples=read_only(self._samples),
            views=MappingProxyType(read_only(dict(self._views))),
            timeline=tuple((step, read_only(frame)) for step, frame in self._timeline),
            steps_per_sec=self._steps_per_sec if self._status == RUNNING else 0.0,
            last_phase=self._last_phase,
            has_checkpoint=self._last_good is not None,
            wall_time=self._wall,
            dataset_description=trainer.dataset.description,
            smoothed_view=self._smoothed_view,
        )
