"""The 2D pictures tell the truth (issue 12): D's map is D's verdict as in training, and a step by
hand moves the points that are drawn. These compare what a page draws with what the engine computes."""

import dataclasses

import numpy as np
import pytest
import torch

from classroom.slots import Scheduler
from figures.overview import d_at_points
from gan_core.config import TrainConfig
from gan_core.models import build_models
from gan_core.presets import get_preset
from gan_core.quality.evaluation import Evaluator
from gan_core.runs.runner import TrainingRun
from gan_core.trainer import Trainer
from ui.playground import field_caption

TRAINED_STEPS = 3000  # "at step 3,000", as the issue measured


def test_a_fixed_spread_scores_points_as_their_batch_would():
    """D's map with a minibatch-statistics layer: each grid point is scored with a batch's spread
    feature fixed, so at the batch's own points the map equals D's verdict on the batch."""
    torch.manual_seed(0)
    _, d = build_models(TrainConfig(minibatch_std=True), (2,))
    batch = torch.randn(256, 2) * 1.7 + 0.3
    spread = d.batch_spread(batch)
    torch.testing.assert_close(d(batch, spread=spread), d(batch))
    assert not torch.allclose(d(batch, spread=spread * 0), d(batch))  # the statistic matters
    _, plain = build_models(TrainConfig(minibatch_std=False), (2,))
    assert plain.batch_spread(batch) is None


def _batch_verdicts(trainer: Trainer, map_batch: torch.Tensor, batches: int = 8) -> tuple[float, float, float]:
    """Mean D(x) on real training batches and D(G(z)) on fake ones, each batch scored together
    (as D's update scores them), from fresh random batches of the training batch size; and the
    real batches scored as the map scores every spot: as if they came in G's batch of `map_batch`
    noise (D's spread feature fixed to that batch's). D reads the spread sharply (on grid25 at step
    3,000 one fake batch's spread against another's moves D's verdict on the same real points by
    up to 0.04), so the comparison uses the map's own batch."""
    gen = torch.Generator().manual_seed(4321)
    n = trainer.config.batch_size
    d = trainer.discriminator
    real, fake, real_in_fake = [], [], []
    with torch.no_grad():
        spread = d.batch_spread(trainer.generator(map_batch[:n]))
        for _ in range(batches):
            x = trainer.dataset.sample(n, gen)
            g = trainer.generator(torch.randn(n, trainer.config.noise_dim, generator=gen))
            real.append(torch.sigmoid(d(x)).mean().item())
            fake.append(torch.sigmoid(d(g)).mean().item())
            real_in_fake.append(torch.sigmoid(d(x, spread=spread)).mean().item())
    return float(np.mean(real)), float(np.mean(fake)), float(np.mean(real_in_fake))


@pytest.fixture(scope="module", params=["ring8", "grid25"])
def trained_run(request):
    cfg = get_preset(request.param).config.replace(seed=0)
    run = TrainingRun(cfg, admission=Scheduler(4))
    run.step_once("both", times=TRAINED_STEPS, wait=1200)
    assert run.snapshot().step == TRAINED_STEPS
    yield run
    run.stop()


@pytest.mark.slow
def test_the_map_read_at_the_drawn_points_is_ds_verdict_in_training(trained_run):
    """The issue's bar, on ring8 and grid25 at step 3,000: the map read at the drawn real points and
    at the drawn fake points agrees with D's mean verdict on a real and a fake training batch within
    0.05. ring8's D has a minibatch-statistics layer, and its map scores every spot as if it came in
    G's batch of the evaluation noise (what the caption says): at the real points that is D's verdict
    on real points placed in G's batch, which on ring8 at step 3,000 is also its verdict on a real
    batch. grid25's D has none (it has an R1 penalty instead): its map is D's verdict on each point
    alone. Where the two verdicts on real points differ, the caption gives both numbers."""
    snap = trained_run.snapshot()
    heat = snap.views["heatmap"]
    assert snap.views["generator"] == "training"
    on_real = float(np.mean(d_at_points(heat, snap.views["real"])))
    on_fake = float(np.mean(d_at_points(heat, snap.samples)))
    batch_real, batch_fake, real_in_fake = _batch_verdicts(trained_run.trainer, trained_run.evaluator.eval_noise)
    assert abs(on_fake - batch_fake) <= 0.05, (on_fake, batch_fake)
    assert abs(on_real - batch_real) <= 0.05, (on_real, batch_real)
    assert abs(on_real - real_in_fake) <= 0.05, (on_real, real_in_fake)
    verdict = snap.views["d_verdict"]  # what the Overview's D(x) / D(G(z)) tiles show
    assert abs(verdict["real"] - batch_real) <= 0.05 and abs(verdict["fake"] - batch_fake) <= 0.05, verdict
    caption = field_caption(snap)
    if trained_run.config.minibatch_std:
        assert abs(verdict["real_in_fake_batch"] - real_in_fake) <= 0.05, verdict
        if abs(verdict["real"] - verdict["real_in_fake_batch"]) > 0.05:  # the caption explains the gap
            assert f"map reads {verdict['real_in_fake_batch']:.2f}" in caption, caption
            assert f"a batch of real points {verdict['real']:.2f}" in caption, caption
    else:
        assert "real_in_fake_batch" not in verdict and "spread" not in caption, caption
    if trained_run.config.r1_weight > 0:  # grid25's text: "its map stays close to grey (0.5)"
        low, high = np.percentile(np.asarray(heat["z"], dtype=float), [1, 99])
        assert 0.4 <= low and high <= 0.6, (low, high)


def test_the_caption_explains_a_map_that_differs_from_ds_verdict_on_a_real_batch():
    """Only the gap the page measures is explained: no spread layer, no words about it."""
    run = TrainingRun(get_preset("ring8").config, admission=Scheduler(4))
    try:
        snap = run.snapshot()
        views = dict(snap.views)
        views["d_verdict"] = {**views["d_verdict"], "real": 0.64, "real_in_fake_batch": 0.46}
        caption = field_caption(dataclasses.replace(snap, views=views))
        assert "map reads 0.46" in caption and "a batch of real points 0.64" in caption
        views["d_verdict"] = {**views["d_verdict"], "real": 0.50, "real_in_fake_batch": 0.48}
        assert "map reads" not in field_caption(dataclasses.replace(snap, views=views))
    finally:
        run.stop()
    plain = TrainingRun(get_preset("ring8-collapse").config, admission=Scheduler(4))
    try:
        snap = plain.snapshot()
        assert "real_in_fake_batch" not in snap.views["d_verdict"]
        assert "spread" not in field_caption(snap)
    finally:
        plain.stop()


# The median cosine between each drawn point's move and its drawn arrow after one Step G: the issue
# asks >= 0.5. G moves its points only through shared weights, with Adam's per-weight scaling and
# part of its previous direction: per point, the move is the arrow mixed with its neighbours'.
# Measured at step 3,000, seed 0: ring8 0.75; grid25 0.90 with its R1 penalty (Intel Xeon; with
# minibatch statistics instead it was 0.66 there and 0.37 on AMD EPYC). grid25 of issue 28 (R1 on
# every 4th D update, D 128 wide): 0.93 on seed 0 and 0.66 on seed 1, its map 0.45-0.53 (AMD EPYC).
MIN_MEDIAN_COSINE = {"ring8": 0.5, "grid25": 0.5}


@pytest.mark.slow
def test_one_step_g_moves_the_drawn_points_along_the_drawn_arrows(trained_run):
    trainer = trained_run.trainer
    before = trained_run.snapshot()
    z = trainer.fixed_noise
    with torch.no_grad():
        g_before = trainer.generator(z).numpy().copy()
    trained_run.step_once("g", wait=60)
    after = trained_run.snapshot()
    with torch.no_grad():
        g_after = trainer.generator(z).numpy()
    g_move = float(np.linalg.norm(g_after - g_before, axis=1).mean())
    drawn = np.asarray(after.samples) - np.asarray(before.samples)
    drawn_move = float(np.linalg.norm(drawn, axis=1).mean())
    assert drawn_move >= 0.5 * g_move > 0, (drawn_move, g_move)
    arrows = np.asarray(before.views["arrows"]["direction"])
    moves = drawn[: arrows.shape[0]]
    cos = (moves * arrows).sum(1) / (np.linalg.norm(moves, axis=1) * np.linalg.norm(arrows, axis=1) + 1e-12)
    assert float(np.median(cos)) >= MIN_MEDIAN_COSINE[trained_run.config.dataset], np.median(cos)


def test_a_step_by_hand_shows_g_itself_even_in_the_smoothed_view():
    run = TrainingRun(get_preset("ring8").config, admission=Scheduler(4))
    run.set_view(smoothed=True)
    try:
        assert run.snapshot().views["generator"] == "average"  # the smoothed view
        run.step_once("g")
        snap = run.snapshot()
        assert snap.views["generator"] == "training"
        with torch.no_grad():
            g = run.trainer.generator(run.trainer.fixed_noise).numpy()
        np.testing.assert_allclose(snap.samples, g, atol=1e-6)
    finally:
        run.stop()


def test_switching_the_smoothed_view_redraws_a_paused_run_and_says_which_generator():
    run = TrainingRun(get_preset("ring8").config, admission=Scheduler(4))
    try:
        run.step_once("both", times=50)
        assert run.snapshot().views["generator"] == "training"
        run.set_view(smoothed=True)
        snap = run.snapshot()
        assert snap.views["generator"] == "average"
        with torch.no_grad():
            avg = run.trainer.generator_ema(run.trainer.fixed_noise).numpy()
        np.testing.assert_allclose(snap.samples, avg, atol=1e-6)
    finally:
        run.stop()


def test_the_weight_average_draws_with_its_own_batch_norm_statistics():
    """Issue 13 item 9: the averaged generator's grid matches its own statistics, not G's."""
    cfg = get_preset("digits").config.replace(g_ema=0.9)
    trainer = Trainer(cfg)
    for _ in range(30):
        trainer.step()
    avg = trainer.generator_for_view(average=True)
    z = trainer.fixed_noise
    with torch.no_grad():
        grid = trainer.generate(z, average=True)
        # the average's own statistics, measured by one train-mode pass over the same noise
        probe = type(avg)(cfg.noise_dim, 8, max(cfg.g_width // 2, 4), True, cfg.activation)
        probe.load_state_dict(avg.state_dict())
        for m in probe.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.reset_running_stats()
                m.momentum = None
        probe.train()
        probe(z)
        probe.eval()
        torch.testing.assert_close(grid, probe(z))
        # G's statistics with the average's weights give a different picture (the old bug)
        stale = type(avg)(cfg.noise_dim, 8, max(cfg.g_width // 2, 4), True, cfg.activation)
        stale.load_state_dict(avg.state_dict())
        for buf, g_buf in zip(stale.buffers(), trainer.generator.buffers()):
            buf.copy_(g_buf)
        assert not torch.allclose(grid, stale.eval()(z), atol=1e-3)


def test_the_manifold_uses_real_noise_in_the_other_dimensions():
    """Issue 12 item 4: with 256-D noise the manifold holds the other 254 dimensions at one fixed
    noise sample (|z| ~ 16), not at zero (|z| <= 2.8), where G is never used."""
    cfg = get_preset("ring8-collapse").config
    trainer = Trainer(cfg)
    ev = Evaluator(trainer)
    manifold = ev.evaluate()[1]["manifold"]
    z = trainer.fixed_noise[:1].repeat(2, 1)
    z[:, :2] = torch.tensor([[-2.0, -2.0], [2.0, -2.0]])
    with torch.no_grad():
        ends = trainer.generator(z).numpy()
    # the first line runs along dimension 1 at level -2 of dimension 2
    np.testing.assert_allclose(manifold[0, [0, -1]], ends, atol=1e-5)


@pytest.mark.parametrize("preset", ["ring8", "ring8-collapse"])  # with and without minibatch statistics
def test_the_verdict_tiles_are_d_on_whole_batches_as_in_training(preset):
    """The Overview's D(x) / D(G(z)) come from D scoring a real batch and G's fake batch, each as
    one batch of the training size (so a minibatch-statistics layer sees that batch's spread)."""
    trainer = Trainer(get_preset(preset).config.replace(seed=3))
    for _ in range(20):
        trainer.step()
    ev = Evaluator(trainer)
    views = ev.evaluate()[1]
    verdict = views["d_verdict"]
    n = trainer.config.batch_size
    assert verdict["batch_size"] == n
    with torch.no_grad():
        real = torch.sigmoid(trainer.discriminator(ev.real[:n])).mean().item()
        fake = torch.sigmoid(trainer.discriminator(trainer.generator(trainer.fixed_noise[:n]))).mean().item()
    assert verdict["real"] == pytest.approx(real, abs=1e-6) and verdict["fake"] == pytest.approx(fake, abs=1e-6)
