"""The GAN loop's contract: who learns when, determinism, live updates."""

import copy

import pytest
import torch

from gan_core.config import LOSSES, TrainConfig
from gan_core.losses import r1_penalty
from gan_core.presets import get_preset
from gan_core.trainer import Trainer


def params(module):
    return [p.detach().clone() for p in module.parameters()]


def same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


@pytest.fixture(params=["mlp-2d", "dcgan-digits"])
def trainer(request):
    if request.param == "mlp-2d":
        return Trainer(TrainConfig(dataset="ring8", batch_size=64))
    return Trainer(TrainConfig(dataset="digits", model="dcgan", noise_dim=16, batch_size=32, g_width=32, d_width=32))


def test_discriminator_is_bit_identical_across_a_generator_update(trainer):
    trainer.step()  # populate optimizer state first
    d_before, g_before = params(trainer.discriminator), params(trainer.generator)
    d_grads = [p.grad.clone() for p in trainer.discriminator.parameters()]  # left by D's own step
    trainer.step_g()
    assert same(d_before, params(trainer.discriminator))
    assert not same(g_before, params(trainer.generator))
    # Frozen means no gradient accumulated into D either.
    assert same(d_grads, [p.grad for p in trainer.discriminator.parameters()])


def test_generator_is_bit_identical_across_a_discriminator_update(trainer):
    trainer.step()
    d_before, g_before = params(trainer.discriminator), params(trainer.generator)
    trainer.step_d()
    assert same(g_before, params(trainer.generator))
    assert not same(d_before, params(trainer.discriminator))


def test_no_gradient_flows_into_the_generator_during_the_d_step(trainer):
    trainer.step()
    trainer.opt_g.zero_grad(set_to_none=True)
    seen = []
    hooks = [p.register_hook(lambda g: seen.append(g)) for p in trainer.generator.parameters()]
    # keep_fake_graph=True is the path step() uses: the fake batch carries G's graph for reuse.
    trainer._d_update(keep_fake_graph=True)
    for h in hooks:
        h.remove()
    assert seen == []
    assert all(p.grad is None for p in trainer.generator.parameters())


@pytest.mark.parametrize("loss", LOSSES)
def test_every_loss_trains_and_reports_all_stats(loss):
    t = Trainer(TrainConfig(loss=loss, batch_size=64))
    for _ in range(5):
        s = t.step()
    assert s.step == 5
    for name in ("loss_d", "loss_g", "d_real", "d_fake", "acc", "grad_norm_d", "grad_norm_g", "step_time"):
        assert torch.isfinite(torch.tensor(getattr(s, name))), name
    assert 0.0 <= s.acc_real <= 1.0 and 0.0 <= s.acc_fake <= 1.0


def test_same_config_and_seed_give_identical_first_steps():
    cfg = TrainConfig(dataset="grid25", batch_size=64, seed=7)
    a, b = Trainer(cfg), Trainer(cfg)
    for _ in range(20):
        sa, sb = a.step(), b.step()
        assert (sa.loss_d, sa.loss_g, sa.acc) == (sb.loss_d, sb.loss_g, sb.acc)
    assert same(params(a.generator), params(b.generator))
    c = Trainer(cfg.replace(seed=8))
    c.step()
    assert not same(params(a.generator), params(c.generator))


def test_d_steps_per_g_step_counts_updates():
    t = Trainer(TrainConfig(d_steps=3, g_steps=2, batch_size=32))
    t.step()
    t.step()
    assert (t.d_updates, t.g_updates, t.step_count) == (6, 4, 2)


def test_learning_rate_change_takes_effect_next_step_and_keeps_adam_state():
    t = Trainer(TrainConfig(batch_size=64))
    for _ in range(3):
        t.step()
    state_before = copy.deepcopy(t.opt_g.state_dict()["state"])
    t.update(lr_g=1e-9)
    assert t.opt_g.param_groups[0]["lr"] == 1e-9
    state_after = t.opt_g.state_dict()["state"]
    assert torch.equal(state_before[0]["exp_avg"], state_after[0]["exp_avg"])  # not reset
    g_before = params(t.generator)
    stats = t.step()
    assert stats.lr_g == 1e-9
    moved = max((a - b).abs().max().item() for a, b in zip(g_before, params(t.generator)))
    assert moved < 1e-6  # Adam moves each weight by ~lr: G is effectively frozen now


def test_invalid_or_architectural_update_changes_nothing():
    t = Trainer(TrainConfig())
    with pytest.raises(ValueError, match="lr_d"):
        t.update(lr_d=-1)
    with pytest.raises(ValueError, match="cannot change while a run trains"):
        t.update(g_width=64)
    assert t.config == TrainConfig()
    assert t.opt_d.param_groups[0]["lr"] == TrainConfig().lr_d


def test_live_loss_and_optimizer_switch():
    t = Trainer(TrainConfig(batch_size=32))
    t.step()
    t.update(loss="wgan-gp", optimizer_d="sgd", lr_d=0.01)
    assert isinstance(t.opt_d, torch.optim.SGD) and t.opt_d.param_groups[0]["lr"] == 0.01
    s = t.step()
    assert s.lr_d == 0.01 and t.loss.name == "wgan-gp"


def test_fixed_noise_is_fixed_for_the_run():
    t = Trainer(TrainConfig())
    z = t.fixed_noise.clone()
    for _ in range(3):
        t.step()
    assert torch.equal(z, t.fixed_noise)
    assert torch.equal(z, Trainer(TrainConfig()).fixed_noise)


def test_checkpoint_round_trip_restores_generator_output():
    t = Trainer(TrainConfig())
    for _ in range(5):
        t.step()
    state = t.state_dict()
    out = t.generate(t.fixed_noise)
    u = Trainer(TrainConfig(seed=3))
    u.load_state_dict(state)
    assert torch.equal(out, u.generate(t.fixed_noise)) and u.step_count == 5


def test_uniform_noise_and_images_shapes():
    t = Trainer(TrainConfig(noise="uniform", noise_dim=5))
    assert t.fixed_noise.abs().max() <= 1.0 and t.fixed_noise.shape == (512, 5)
    img = Trainer(TrainConfig(dataset="digits", model="mlp", noise_dim=16, batch_size=16))
    out = img.generate(img.fixed_noise)
    assert out.shape == (64, 1, 8, 8) and out.min() >= -1 and out.max() <= 1


@pytest.mark.parametrize("preset", ["ring8", "grid25", "digits"])
def test_one_joint_d_pass_scores_like_two_separate_passes(preset):
    """The D step scores real and fake in one pass (groups=2): with a minibatch-std layer each
    half must still see only its own spread, as in two passes."""
    t = Trainer(get_preset(preset).config.replace(batch_size=16))
    real, fake = t.sample_real(16), t.generate(t.sample_noise(16))
    with torch.no_grad():
        joint = t.discriminator(torch.cat([real, fake]), groups=2)
        apart = torch.cat([t.discriminator(real), t.discriminator(fake)])
    assert torch.allclose(joint, apart, atol=1e-5), (joint - apart).abs().max()


@pytest.mark.parametrize("preset", ["grid25", "digits"])
def test_the_r1_penalty_adds_half_ds_squared_slope_at_the_real_batch_to_ds_loss(preset):
    """With r1_weight > 0 D's update minimises its loss plus r1_weight · ½‖∇x D(x)‖² at the real
    batch it scores: D's weights after one update equal one Adam step on that sum, computed here
    by hand from the same batches. G's update is untouched."""
    cfg = get_preset(preset).config.replace(batch_size=16, r1_weight=2.0, r1_every=1, g_ema=0.0)
    t, ref = Trainer(cfg), Trainer(cfg)
    t._d_update(keep_fake_graph=False)
    # By hand, on the reference trainer (same seed, so the same batches).
    real = ref.sample_real(16).detach().requires_grad_(True)
    with torch.no_grad():
        fake = ref.generator(ref.sample_noise(16))
    scores = ref.discriminator(torch.cat([real, fake]), groups=2)
    loss = ref.loss.d_loss(scores[:16], scores[16:])
    penalty = r1_penalty(scores[:16], real)
    assert penalty.item() > 0
    ref.opt_d.zero_grad(set_to_none=True)
    (loss + 2.0 * penalty).backward()
    ref.opt_d.step()
    for a, b in zip(t.discriminator.parameters(), ref.discriminator.parameters()):
        torch.testing.assert_close(a, b)
    # Without the penalty the same update lands elsewhere: the term is really there.
    plain = Trainer(cfg.replace(r1_weight=0.0))
    plain._d_update(keep_fake_graph=False)
    assert not same(params(plain.discriminator), params(t.discriminator))


def _d_update_by_hand(ref: Trainer, r1_weight: float | None) -> bool:
    """One D update of `ref` written out, on the batches its own update would draw: D's loss plus
    `r1_weight` · R1 at the real batch, or no R1 term at all (None: the real batch then does not
    require grad, so there is no second backward pass). Returns whether D's input required grad."""
    n = ref.config.batch_size
    real = ref.sample_real(n)
    if r1_weight is not None:
        real = real.detach().requires_grad_(True)
    with torch.no_grad():
        fake = ref.generator(ref.sample_noise(n))
    x = torch.cat([real, fake])
    scores = ref.discriminator(x, groups=2)
    loss = ref.loss.d_loss(scores[:n], scores[n:])
    if r1_weight is not None:
        loss = loss + r1_weight * r1_penalty(scores[:n], real)
    ref.opt_d.zero_grad(set_to_none=True)
    loss.backward()
    ref.opt_d.step()
    return x.requires_grad


def _input_requires_grad(trainer: Trainer) -> list[bool]:
    """Whether each D forward pass from now on gets an input that requires grad (R1's slope)."""
    seen: list[bool] = []
    trainer.discriminator.register_forward_pre_hook(lambda module, args: seen.append(args[0].requires_grad))
    return seen


def test_r1_every_1_is_the_r1_penalty_on_every_d_update_bit_for_bit():
    """The default (r1_every 1) is the R1 update as it always was: every D update adds
    r1_weight · R1, with D's weights equal bit for bit to that update written out."""
    cfg = get_preset("grid25").config.replace(batch_size=16, r1_weight=2.0, g_ema=0.0, r1_every=1)
    assert TrainConfig().r1_every == 1
    t, ref = Trainer(cfg), Trainer(cfg)
    seen = _input_requires_grad(t)
    for _ in range(4):
        t._d_update(keep_fake_graph=False)
        assert _d_update_by_hand(ref, 2.0)
        assert same(params(t.discriminator), params(ref.discriminator))
    assert seen == [True] * 4


def test_lazy_r1_applies_the_penalty_on_every_kth_d_update_at_k_times_the_weight():
    """r1_every 3: D updates 0, 3, 6 add 3 · r1_weight · R1 (lazy regularisation, StyleGAN2), the
    others none, and on those the real batch does not require grad (no second backward pass)."""
    cfg = get_preset("grid25").config.replace(batch_size=16, r1_weight=2.0, g_ema=0.0, r1_every=3)
    t, ref, unscaled = Trainer(cfg), Trainer(cfg), Trainer(cfg)
    seen = _input_requires_grad(t)
    for i in range(7):
        t._d_update(keep_fake_graph=False)
        on = i % 3 == 0
        assert _d_update_by_hand(ref, 6.0 if on else None) == on
        _d_update_by_hand(unscaled, 2.0 if on else None)
        assert same(params(t.discriminator), params(ref.discriminator)), i
    assert seen == [i % 3 == 0 for i in range(7)]
    # The weight is really scaled: at 1 x r1_weight D lands elsewhere.
    assert not same(params(t.discriminator), params(unscaled.discriminator))
    # Live, like r1_weight: from the next update on, counted on the run's D updates (7 so far).
    t.update(r1_every=2)
    seen.clear()
    for _ in range(3):
        t._d_update(keep_fake_graph=False)
    assert seen == [False, True, False]


def test_minibatch_std_matches_the_batch_spread_and_survives_a_dead_unit():
    from gan_core.models import MinibatchStd

    h = torch.randn(8, 5)
    h[:, 2] = 0.0  # a ReLU unit that is off for every sample: no spread at all
    h.requires_grad_(True)
    out = MinibatchStd()(h)
    expected = h.detach().std(dim=0, unbiased=False).mean()
    assert torch.allclose(out[:, -1], expected.expand(8), atol=1e-4)
    out[:, -1].sum().backward()
    assert torch.isfinite(h.grad).all()


def test_d_statistics_match_their_definitions():
    """D(x), D(G(z)) and the accuracies come from one joint pass over [real; fake] scores."""
    t = Trainer(TrainConfig(dataset="ring8", batch_size=4))
    scores = torch.tensor([2.0, -1.0, 0.5, 3.0, -2.0, 1.0, -0.5, -4.0])
    stats = t._judge(scores)
    real, fake = scores[:4], scores[4:]
    assert torch.isclose(stats["d_real"], torch.sigmoid(real).mean())
    assert torch.isclose(stats["d_fake"], torch.sigmoid(fake).mean())
    assert stats["acc_real"].item() == 0.75 and stats["acc_fake"].item() == 0.75 and stats["acc"].item() == 0.75
    t.update(loss="wgan-gp")  # a critic: judged against the midpoint of the two means
    stats = t._judge(scores)
    mid = (real.mean() + fake.mean()) / 2
    assert stats["acc_real"].item() == (real > mid).float().mean().item()
    assert stats["acc_fake"].item() == (fake <= mid).float().mean().item()


def test_each_learning_rate_halves_every_halflife_after_it_was_set_down_to_its_floor():
    """lr_halflife: the rate used at a step is the set one times 0.5^(whole halflives since it was
    set), never below lr_floor of it. A rate moved live is used as set at once (the teacher's new
    lr_g must bite now, not be scaled down by the steps already trained) and then halves again;
    the other rate keeps its own count; a checkpoint keeps both counts."""
    cfg = TrainConfig(dataset="ring8", batch_size=32, lr_g=1e-3, lr_d=2e-3, lr_halflife=10, lr_floor=0.2)
    trainer = Trainer(cfg)
    used = [(trainer.step_count, trainer.step().lr_g, trainer.last.lr_d) for _ in range(40)]
    for step, lr_g, lr_d in used:
        factor = max(0.2, 0.5 ** (step // 10))
        assert lr_g == pytest.approx(1e-3 * factor) and lr_d == pytest.approx(2e-3 * factor)
    assert used[9][1] == pytest.approx(1e-3) and used[10][1] == pytest.approx(5e-4)  # a staircase
    assert used[-1][1] == pytest.approx(2e-4)  # floored
    trainer.update(lr_g=5e-3)  # at step 40
    assert trainer.step().lr_g == pytest.approx(5e-3) and trainer.last.lr_d == pytest.approx(2e-3 * 0.2)
    for _ in range(8):
        trainer.step()
    assert trainer.step().lr_g == pytest.approx(5e-3)  # step 49: still as set
    assert trainer.step().lr_g == pytest.approx(2.5e-3)  # step 50: one halflife after it was set
    trainer.step_d()
    assert trainer.opt_d.param_groups[0]["lr"] == pytest.approx(2e-3 * 0.2)
    resumed = Trainer(trainer.config)
    resumed.load_state_dict(trainer.state_dict())
    assert [resumed.step().lr_g for _ in range(12)] == [trainer.step().lr_g for _ in range(12)]


def test_without_a_halflife_the_learning_rates_stay_as_set():
    trainer = Trainer(TrainConfig(dataset="ring8", batch_size=32, lr_g=3e-4))
    lrs = {trainer.step().lr_g for _ in range(30)}
    assert len(lrs) == 1 and lrs.pop() == pytest.approx(3e-4)


@pytest.mark.parametrize("loss", ["minimax", "wgan-gp"])
def test_a_generator_step_reports_ds_verdict_on_the_fakes_it_scored(loss):
    """After Step G the D(G(z)) tile must come from that step (issue 13, item 2): the mean
    verdict of the frozen D on the fakes the G update scored (a probability for BCE losses, the
    raw score for a critic), while D(x), which the G step never measures, stays as it was."""
    t = Trainer(TrainConfig(dataset="gauss1d", noise_dim=1, batch_size=64, loss=loss))
    for _ in range(5):
        t.step_d()
    before = t.last
    g_before = copy.deepcopy(t.generator)
    replay = torch.Generator().manual_seed(0)
    replay.set_state(t.rng.get_state())  # the noise the G step is about to draw
    with torch.no_grad():
        scores = t.discriminator(g_before(t.sample_noise(t.config.batch_size, replay)))
    expected = torch.sigmoid(scores).mean() if t.loss.probabilistic else scores.mean()
    after = t.step_g()
    assert after.d_fake == pytest.approx(expected.item(), rel=1e-5, abs=1e-6)
    assert after.d_fake != before.d_fake
    assert after.d_real == before.d_real and after.acc_real == before.acc_real
