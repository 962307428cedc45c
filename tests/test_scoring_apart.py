"""The image runs' quality scores are computed by a scoring thread, from a frozen copy of G, while the
training thread trains (issue 26): the same numbers, the training thread free of them, nothing left
running after a pause or a stop."""

from __future__ import annotations

import threading
import time

import numpy as np

from classroom.slots import Scheduler
from gan_core.presets import get_preset
from gan_core.quality import evaluation
from gan_core.runs.runner import TrainingRun
from gan_core.runs.worker import SCORE_PREFIX, THREAD_PREFIX, live_scoring_threads, live_training_threads
from gan_core.trainer import Trainer
from tests.apptest_utils import wait_for

DIGITS = get_preset("digits").config


def test_a_score_computed_apart_equals_the_training_threads_score():
    """Scoring a frozen copy of G gives exactly what a full evaluation in the training thread gives:
    the same classes, confidence, Fréchet distance and histogram."""
    trainer = Trainer(DIGITS)
    for _ in range(40):
        trainer.step()
    evaluator = evaluation.Evaluator(trainer)
    job = evaluator.scoring()  # frozen now ...
    _, views, metrics = evaluator.evaluate(full=True)  # ... and scored in place, from the same weights
    for _ in range(5):
        trainer.step()  # training goes on while the copy is scored
    apart = threading.Thread(target=job.run)
    apart.start()
    apart.join()
    assert job.metrics == metrics
    assert job.views["classes"] == views["classes"] and job.views["generator"] == views["generator"]


def test_a_stale_score_is_not_taken():
    """A score of weights older than the last full evaluation (a step by hand, a reset, another view)
    never replaces newer numbers."""
    trainer = Trainer(DIGITS)
    evaluator = evaluation.Evaluator(trainer)
    old = evaluator.scoring().run()
    evaluator.evaluate(full=True)  # e.g. a step by hand, scored in place
    assert not evaluator.accept(old)
    fresh = evaluator.scoring().run()
    assert evaluator.accept(fresh)
    assert evaluator.evaluate(full=False)[2] == fresh.metrics  # the picture's refreshes carry the new scores


def test_the_training_thread_trains_while_another_thread_scores(monkeypatch):
    """Before issue 26 the training thread ran the reference classifier on 1,000 samples once a second
    (a tenth to a sixth of its time on a 2-core laptop); now a scoring thread does."""
    scored_by = []
    real = evaluation.Evaluator.image_scores

    def spy(self, fake, label):
        scored_by.append(threading.current_thread().name)
        return real(self, fake, label)

    monkeypatch.setattr(evaluation.Evaluator, "image_scores", spy)
    run = TrainingRun(DIGITS, admission=Scheduler(2), metrics_interval=0.2, eval_interval=0.1)
    scored_by.clear()  # the first picture is scored where the run is built
    try:
        run.start()
        assert wait_for(lambda: run.snapshot().metric_history["step"].size >= 4, timeout=30)
    finally:
        run.stop()
    assert scored_by and all(name.startswith(SCORE_PREFIX) for name in scored_by), scored_by
    assert not any(name.startswith(THREAD_PREFIX) for name in scored_by)
    steps = run.snapshot().metric_history["step"]
    assert np.all(np.diff(steps) > 0)  # each score as of the step its copy of G was taken at


def test_pause_waits_for_the_score_on_its_way_and_stop_leaves_no_thread():
    run = TrainingRun(DIGITS, admission=Scheduler(2), metrics_interval=0.05, eval_interval=0.05)
    run.start()
    assert wait_for(lambda: run.snapshot().metric_history["step"].size >= 3, timeout=30)
    run.pause()
    assert wait_for(lambda: live_training_threads() == 0 and live_scoring_threads() == 0, timeout=10)
    rows = run.snapshot().metric_history["step"].size
    time.sleep(0.3)  # the one place a wait is the point: nothing may arrive during it
    assert run.snapshot().metric_history["step"].size == rows
    run.start()
    assert wait_for(lambda: run.snapshot().step > 0)
    run.stop()
    assert live_training_threads() == 0 and live_scoring_threads() == 0


def test_a_step_by_hand_is_scored_at_once_in_the_training_thread():
    """The walk-through needs the numbers of the step just taken, in the snapshot the click returns."""
    run = TrainingRun(DIGITS, admission=Scheduler(2))
    run.step_once("both", times=3)
    history = run.snapshot().metric_history
    assert list(history["step"]) == [0, 3]
    assert live_scoring_threads() == 0


def test_scoring_in_the_training_thread_is_still_there_to_compare():
    """`score_apart=False` keeps the old way (the benchmarks compare the two)."""
    run = TrainingRun(DIGITS, admission=Scheduler(2), score_apart=False, metrics_interval=0.05, eval_interval=0.05)
    run.start()
    try:
        assert wait_for(lambda: run.snapshot().metric_history["step"].size >= 3, timeout=30)
        assert live_scoring_threads() == 0
    finally:
        run.stop()


def test_the_environment_can_keep_the_scores_in_the_training_thread(monkeypatch):
    """GAN_EXPLAINER_SCORE_APART=0 on the app server: the A/B switch the streaming benchmark uses."""
    monkeypatch.setenv("GAN_EXPLAINER_SCORE_APART", "0")
    assert not TrainingRun(DIGITS, admission=Scheduler(2)).score_apart
    monkeypatch.delenv("GAN_EXPLAINER_SCORE_APART")
    assert TrainingRun(DIGITS, admission=Scheduler(2)).score_apart
