"""Inside G and D: the layer walks show the networks that train, change nothing about training,
and end exactly where the sample grid and D's verdict do."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_core.config import TrainConfig
from gan_core.data.images import images_from_arrays
from gan_core.inside import discriminator_walk, generator_walk, top_channels
from gan_core.presets import get_preset
from gan_core.trainer import Trainer


def _digits(steps: int = 2) -> Trainer:
    trainer = Trainer(get_preset("digits").config.replace(batch_size=16))
    for _ in range(steps):  # batch norm's running statistics move off their initial values
        trainer.step()
    return trainer


def _trainer_28(loss: str = "nonsaturating") -> Trainer:
    """A 28×28 DCGAN on synthetic images, so the test needs no Fashion-MNIST files."""
    images = np.random.default_rng(0).uniform(size=(16, 28, 28))
    config = TrainConfig(
        dataset="custom-images",
        model="dcgan",
        noise_dim=8,
        g_width=16,
        d_width=8,
        batchnorm=True,
        batch_size=8,
        loss=loss,
    )
    trainer = Trainer(config, dataset=images_from_arrays(images, "synthetic"))
    trainer.step()
    return trainer


def test_digits_generator_walk_ends_on_the_grids_sample():
    trainer = _digits()
    walk = generator_walk(trainer.generator, trainer.fixed_noise, index=5)
    assert [a.shape for a in walk] == [(32,), (128, 2, 2), (64, 4, 4), (1, 8, 8), (1, 8, 8)]
    assert [a.label for a in walk][1:4] == [
        "Linear + ReLU, reshaped → 128×2×2",
        "ConvTranspose2d → 64×4×4",
        "ConvTranspose2d → 1×8×8",
    ]
    grid = trainer.generate(trainer.fixed_noise)
    assert np.array_equal(walk[-1].values, grid[5].numpy())  # bit for bit: the tile is the grid's sample
    assert np.array_equal(walk[0].values, trainer.fixed_noise[5].numpy())
    assert [a.image for a in walk] == [False, False, False, False, True]
    # The last transposed convolution's output is the image before tanh.
    assert np.allclose(np.tanh(walk[-2].values), walk[-1].values, atol=1e-6)
    single = generator_walk(trainer.generator, trainer.fixed_noise[7])  # one vector: a batch of one
    assert np.array_equal(single[-1].values, trainer.generate(trainer.fixed_noise[7:8])[0].numpy())


def test_28_pixel_walks_go_7_14_28_and_28_14_7():
    trainer = _trainer_28()
    walk = generator_walk(trainer.generator, trainer.fixed_noise, index=0)
    assert [a.shape for a in walk] == [(8,), (16, 7, 7), (8, 14, 14), (1, 28, 28), (1, 28, 28)]
    assert np.array_equal(walk[-1].values, trainer.generate(trainer.fixed_noise)[0].numpy())
    d = discriminator_walk(trainer.discriminator, trainer.dataset.data[0])
    assert [a.shape for a in d.layers] == [(1, 28, 28), (4, 14, 14), (8, 7, 7)]
    assert [a.image for a in d.layers] == [True, False, False]
    assert d.layers[1].label == "Conv2d + LeakyReLU → 4×14×14"


@pytest.mark.parametrize("loss", ["nonsaturating", "wgan-gp"])
def test_ds_verdict_is_exactly_discriminator_of_x(loss):
    trainer = _trainer_28(loss)
    real = trainer.dataset.data[3]
    fake = trainer.generate(trainer.fixed_noise)[2]
    for image in (real, fake):
        walk = discriminator_walk(trainer.discriminator, image, trainer.loss.probabilistic)
        with torch.no_grad():
            expected = trainer.discriminator(image[None])[0]
        assert walk.logit == expected.item()
        if trainer.loss.probabilistic:
            assert walk.probability == torch.sigmoid(expected).item()
        else:
            assert walk.probability is None  # a critic score is not a probability
        assert np.array_equal(walk.layers[0].values, image.numpy())


def test_a_walk_runs_in_eval_mode_without_gradients_and_restores_the_mode():
    trainer = _digits(1)
    g, d = trainer.generator, trainer.discriminator
    seen: list[tuple[bool, bool]] = []
    hooks = [
        m.register_forward_pre_hook(lambda m, _: seen.append((m.training, torch.is_grad_enabled()))) for m in (g, d)
    ]
    for training in (True, False):
        g.train(training)
        d.train(training)
        generator_walk(g, trainer.fixed_noise[:4])
        discriminator_walk(d, trainer.fixed_noise.new_zeros(1, 8, 8))
        assert g.training is training and d.training is training
    for hook in hooks:
        hook.remove()
    assert seen == [(False, False)] * 4
    assert not g._forward_hooks and not d._forward_hooks  # the walk's hooks are gone
    assert all(not m._forward_hooks for m in [*g.modules(), *d.modules()])


def test_training_after_a_walk_is_bit_identical_to_training_without_one():
    looked, plain = _digits(2), _digits(2)
    global_rng = torch.random.get_rng_state()
    generator_walk(looked.generator, looked.fixed_noise, index=3)
    discriminator_walk(looked.discriminator, looked.dataset.data[0])
    discriminator_walk(looked.discriminator, looked.generate(looked.fixed_noise[:1])[0])
    assert torch.equal(torch.random.get_rng_state(), global_rng)
    for trainer in (looked, plain):
        for _ in range(3):
            trainer.step()
    assert torch.equal(looked.rng.get_state(), plain.rng.get_state())
    for name in ("generator", "discriminator"):
        a, b = getattr(looked, name).state_dict(), getattr(plain, name).state_dict()
        assert a.keys() == b.keys()
        for key in a:  # weights and batch norm's running statistics alike
            assert torch.equal(a[key], b[key]), (name, key)


def test_top_channels_picks_the_most_active_maps():
    maps = np.zeros((5, 2, 2))
    maps[1] = -3.0  # strongly negative counts as active
    maps[3] = 1.0
    maps[4] = 1.0
    maps[0, 0, 0] = 2.0  # mean |a| 0.5
    assert list(top_channels(maps, 3)) == [1, 3, 4]  # ties keep channel order
    assert list(top_channels(maps, 10)) == [1, 3, 4, 0, 2]  # the dead channel last
    with pytest.raises(ValueError, match="feature maps"):
        top_channels(np.zeros(4), 2)


def test_walks_need_the_dcgan_networks():
    trainer = Trainer(TrainConfig(dataset="ring8", batch_size=8))
    with pytest.raises(TypeError, match="DCGAN generator"):
        generator_walk(trainer.generator, trainer.fixed_noise)
    with pytest.raises(TypeError, match="DCGAN discriminator"):
        discriminator_walk(trainer.discriminator, torch.zeros(1, 8, 8))
