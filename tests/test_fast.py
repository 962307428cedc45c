"""Every speed trick in gan_core.fast computes what the plain PyTorch path computes, and the switch
that turns them all off gives the plain algorithm."""

from __future__ import annotations

import contextlib
import copy
import subprocess
import sys

import numpy as np
import pytest
import torch

from gan_core import fast
from gan_core.config import TrainConfig
from gan_core.fast.adam import FusedAdamStep, adam
from gan_core.fast.grads import clear_grads, total_norm
from gan_core.fast.joint_d import score_real_and_fake
from gan_core.fast.minibatch_spread import _MinibatchSpread, with_spread
from gan_core.fast.weight_average import lerp_
from gan_core.models import MinibatchStd, build_models
from gan_core.presets import get_preset
from gan_core.trainer import Trainer


def _params(module):
    return [p.detach().clone() for p in module.parameters()]


# --- the switch ----------------------------------------------------------------------------------
def test_the_switch_turns_every_trick_off_and_back_on():
    assert fast.enabled()
    with fast.plain():
        assert not fast.enabled()
    assert fast.enabled()


def test_the_environment_variable_starts_the_process_plain():
    code = "from gan_core import fast; print(fast.enabled())"
    env = {"GAN_EXPLAINER_PLAIN": "1", "PATH": ""}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("preset", ["ring8", "grid25", "digits"])
def test_a_training_step_with_and_without_the_tricks_computes_the_same(preset):
    """The whole step, fast and plain, from the same seed: the same losses, verdicts and gradients
    (to float rounding). The weights after Adam are not compared here: Adam's first step is about
    lr * sign(gradient), so a gradient of 1e-9 rounded differently moves a weight by up to lr. The
    fused and the plain Adam are compared on the same gradients below."""
    cfg = get_preset(preset).config.replace(batch_size=32)
    fast_t = Trainer(cfg)
    fast_stats = fast_t.step()
    with fast.plain():
        plain_t = Trainer(cfg)
        assert not plain_t.opt_g.param_groups[0].get("fused")
        plain_stats = plain_t.step()
    for name in ("loss_d", "loss_g", "d_real", "d_fake", "acc", "grad_norm_d", "grad_norm_g"):
        assert getattr(fast_stats, name) == pytest.approx(getattr(plain_stats, name), rel=1e-4, abs=1e-6), name
    for net in ("generator", "discriminator"):
        for a, b in zip(getattr(fast_t, net).parameters(), getattr(plain_t, net).parameters()):
            torch.testing.assert_close(a.grad, b.grad, rtol=1e-4, atol=1e-6)


def test_the_fused_adam_and_the_plain_adam_take_the_same_steps():
    torch.manual_seed(0)
    weights = [torch.randn(6, 4), torch.randn(6)]
    grads = [[torch.randn_like(w) for w in weights] for _ in range(10)]
    results = []
    for use_fast in (True, False):
        params = [w.clone().requires_grad_(True) for w in weights]
        with contextlib.nullcontext() if use_fast else fast.plain():
            opt = adam(params, 1e-3, (0.5, 0.999))
            assert bool(opt.param_groups[0].get("fused")) == use_fast
            step = FusedAdamStep(opt)
            for g in grads:
                for p, gp in zip(params, g):
                    p.grad = gp.clone()
                step()
        results.append(params)
    for a, b in zip(*results):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-7)


# --- adam ------------------------------------------------------------------------------------------
def test_the_fast_fused_adam_step_is_exactly_adams_own_step():
    """The trainer calls the fused Adam kernel itself (skipping ~100 us of Python per step): the
    weights and the optimizer's state must be bit-identical to `opt.step()`, through a live lr
    and betas change and a state_dict reload."""
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 1))
    twin = copy.deepcopy(net)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2, betas=(0.5, 0.999), fused=True)
    ref = torch.optim.Adam(twin.parameters(), lr=1e-2, betas=(0.5, 0.999), fused=True)
    fast = FusedAdamStep(opt)
    assert fast.usable
    x = torch.randn(32, 4)
    for i in range(30):
        for module, step in ((net, fast), (twin, ref.step)):
            for p in module.parameters():
                p.grad = None
            module(x).square().mean().backward()
            step()
        if i == 10:
            for o in (opt, ref):
                o.param_groups[0].update(lr=3e-3, betas=(0.9, 0.99))
        if i == 20:  # a checkpoint load replaces the state tensors: the fast path must notice
            opt.load_state_dict(copy.deepcopy(opt.state_dict()))
    assert fast.lists is not None  # it really took the fast path
    for a, b in zip(net.parameters(), twin.parameters()):
        assert torch.equal(a, b)
    for sa, sb in zip(opt.state_dict()["state"].values(), ref.state_dict()["state"].values()):
        assert all(torch.equal(sa[k], sb[k]) for k in ("step", "exp_avg", "exp_avg_sq"))


def test_sgd_and_a_live_optimizer_switch_use_the_optimizers_own_step():
    t = Trainer(TrainConfig(dataset="ring8", batch_size=32))
    t.step()
    t.update(optimizer_g="sgd")
    assert not FusedAdamStep(t.opt_g).usable
    before = _params(t.generator)
    t.step()
    assert not all(torch.equal(a, b) for a, b in zip(before, t.generator.parameters()))


# --- grads -----------------------------------------------------------------------------------------
def test_clearing_gradients_fast_or_plain_leaves_none():
    net = torch.nn.Linear(3, 2)
    opt = torch.optim.Adam(net.parameters())
    for use_fast in (True, False):
        net(torch.randn(4, 3)).sum().backward()
        assert all(p.grad is not None for p in net.parameters())
        with contextlib.nullcontext() if use_fast else fast.plain():
            clear_grads(opt, list(net.parameters()))
        assert all(p.grad is None for p in net.parameters())


def test_the_total_gradient_norm_equals_the_public_one():
    grads = [torch.randn(64, 2), torch.randn(64), torch.randn(1, 64) * 1e3, torch.zeros(1)]
    with fast.plain():
        plain = total_norm(grads)
    torch.testing.assert_close(total_norm(grads), plain, rtol=1e-6, atol=0)
    assert float(total_norm([])) == 0.0


# --- one pass of D over real and fake --------------------------------------------------------------
@pytest.mark.parametrize("minibatch_std", [False, True])
def test_one_pass_over_real_and_fake_scores_as_two_passes(minibatch_std):
    cfg = TrainConfig(dataset="ring8", minibatch_std=minibatch_std)
    _, d = build_models(cfg, (2,), seed=0)
    real, fake = torch.randn(16, 2), torch.randn(16, 2)
    joint = score_real_and_fake(d, real, fake)
    with fast.plain():
        apart = score_real_and_fake(d, real, fake)
    torch.testing.assert_close(joint, apart, rtol=1e-5, atol=1e-6)


# --- weight average --------------------------------------------------------------------------------
def test_the_fused_weight_average_update_equals_one_lerp_per_parameter():
    torch.manual_seed(0)
    params = [torch.randn(5, 3), torch.randn(7)]
    avg_fast, avg_plain = [torch.zeros_like(p) for p in params], [torch.zeros_like(p) for p in params]
    lerp_(avg_fast, params, 0.01)
    with fast.plain():
        lerp_(avg_plain, params, 0.01)
    for a, b, p in zip(avg_fast, avg_plain, params):
        torch.testing.assert_close(a, b)
        torch.testing.assert_close(a, 0.01 * p)


# --- minibatch statistic ---------------------------------------------------------------------------
def test_the_minibatch_statistic_is_the_same_fast_or_plain():
    torch.manual_seed(1)
    h = torch.randn(16, 6, requires_grad=True)
    upstream = torch.randn(16, 7)
    ours = with_spread(h, 2)
    with fast.plain():
        plain = with_spread(h, 2)
    torch.testing.assert_close(ours, plain)
    torch.testing.assert_close(
        torch.autograd.grad(ours, h, upstream)[0], torch.autograd.grad(plain, h, upstream)[0], atol=1e-6, rtol=1e-5
    )


def _autograd_minibatch_std(h: torch.Tensor, groups: int) -> torch.Tensor:
    """The layer as plain recorded ops: the reference its written-out gradient must match."""
    n = h.shape[0]
    hg = h.view(groups, n // groups, -1)
    centred = hg - hg.mean(dim=1, keepdim=True)
    per_group = (centred.square().mean(dim=1) + 1e-8).sqrt().mean(dim=1)
    return torch.cat([h, per_group.repeat_interleave(n // groups).unsqueeze(1)], dim=1)


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_minibatch_std_gradient_is_the_autograd_gradient(groups):
    """The layer's backward is written by hand (speed): it must equal autograd's, to first and
    second order (the WGAN gradient penalty differentiates D's input gradient once more)."""
    torch.manual_seed(groups)
    h = torch.randn(16, 6, requires_grad=True)
    upstream = torch.randn(16, 7)
    ours = MinibatchStd()(h, groups)
    ref = _autograd_minibatch_std(h, groups)
    torch.testing.assert_close(ours, ref)
    (g_ours,) = torch.autograd.grad(ours, h, upstream)
    (g_ref,) = torch.autograd.grad(ref, h, upstream)
    torch.testing.assert_close(g_ours, g_ref, atol=1e-6, rtol=1e-5)
    x = torch.randn(8, 3, dtype=torch.double, requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: _MinibatchSpread.apply(t, 2), (x,))
    assert torch.autograd.gradgradcheck(lambda t: _MinibatchSpread.apply(t, 2), (x,))


# --- numpy's BLAS on one thread ----------------------------------------------------------------------
@pytest.fixture
def two_blas_threads():
    """numpy's BLAS as it comes on a 2-core machine (a run earlier in this process may have set it to 1)."""
    from gan_core.fast import blas

    before = blas.blas_threads()
    if before is None:
        pytest.skip("numpy uses no OpenBLAS here: nothing to set")
    blas.set_blas_threads(2)
    yield blas
    blas.set_blas_threads(before)


def test_the_quality_scores_are_the_same_on_one_blas_thread(two_blas_threads):
    from gan_core.quality.classifier import ReferenceClassifier, digits_metrics

    images = np.random.default_rng(0).random((1000, 8, 8))
    classifier = ReferenceClassifier.for_dataset("digits")
    many = digits_metrics(images, classifier=classifier)
    two_blas_threads.set_blas_threads(1)
    one = digits_metrics(images, classifier=classifier)
    assert one["class_hist"] == many["class_hist"] and one["confident_hist"] == many["confident_hist"]
    assert one["mean_confidence"] == many["mean_confidence"]
    assert one["frechet_distance"] == pytest.approx(many["frechet_distance"], rel=1e-9)


def test_a_runs_threads_keep_numpys_blas_on_one_thread(two_blas_threads):
    """Two BLAS threads next to a training thread on 2 cores doubled a digits evaluation's CPU time
    (issue 26): a run sets one before it trains; the plain path leaves numpy alone."""
    from classroom.slots import Scheduler
    from gan_core.runs.runner import TrainingRun

    with fast.plain():
        TrainingRun(get_preset("ring8").config, admission=Scheduler(2)).step_once("both")
        assert two_blas_threads.blas_threads() == 2
    TrainingRun(get_preset("ring8").config, admission=Scheduler(2)).step_once("both")
    assert two_blas_threads.blas_threads() == 1
