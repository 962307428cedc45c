"""Inside G and D: every intermediate tensor of the networks that train, for one sample.

The walks run the real modules (forward hooks on the live `DCGANGenerator` / `DCGANDiscriminator`,
never a copy of their weights) in eval mode without gradients, so what a page draws is exactly
what the sample grid and D's verdict come from: the generator walk's last tensor *is* the grid's
sample for that noise vector. A walk draws no random numbers, leaves batch norm's running
statistics alone (eval mode reads them, never writes them) and puts the module back in the
train/eval mode it found, so looking inside a run never changes how it trains.

`look_inside` is what a run computes while a page looks (gan_core.quality.evaluation): the walk
rides on the evaluation's own G pass, so it costs one sample's tensors, and its feature maps are
cut to their strongest channels so the view travels in every snapshot (also from a Ray actor).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

from gan_core.conv_arithmetic import kernel_slice
from gan_core.models import DCGANDiscriminator, DCGANGenerator

TOP_K = 4  # feature maps a view keeps per layer: what a row of tiles shows


@dataclass(frozen=True)
class Activation:
    """One stage of a network for one sample: `values` is (C, H, W) feature maps, or (n,) for the
    noise vector; `label` reads like "ConvTranspose2d → 64×14×14". `image`: the values are an image
    in [-1, 1] (G's output, D's input), to be drawn the way the sample grid draws images."""

    name: str
    label: str
    values: np.ndarray
    image: bool = False
    # After `strongest`: which of the layer's `channel_count` channels `values` holds, strongest first.
    channels: tuple[int, ...] | None = None
    channel_count: int = 0

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.values.shape)


def strongest(layer: Activation, k: int = TOP_K) -> Activation:
    """Feature maps cut to their k most active channels (`top_channels`), saying which they are;
    the noise vector and images stay whole. What a page draws of a layer, a fraction of its size."""
    if layer.image or layer.values.ndim != 3 or layer.channels is not None:
        return layer
    keep = top_channels(layer.values, k)
    return replace(
        layer,
        values=layer.values[keep].copy(),
        channels=tuple(int(c) for c in keep),
        channel_count=int(layer.values.shape[0]),
    )


@dataclass(frozen=True)
class DiscriminatorWalk:
    """D's stages for one image, from the image to its verdict: `logit` is D's raw score (exactly
    `discriminator(x)`), `probability` sigmoid(logit) for the BCE losses, None for critic scores."""

    layers: list[Activation]
    logit: float
    probability: float | None


def _shape_text(shape: tuple[int, ...]) -> str:
    return "×".join(str(s) for s in shape)


def _activation(name: str, values: torch.Tensor, image: bool = False) -> Activation:
    array = values.detach().cpu().float().numpy().copy()
    return Activation(name, f"{name} → {_shape_text(array.shape)}", array, image)


def _walk(module: nn.Module, hooks: list[tuple[nn.Module, Callable]], run: Callable[[], torch.Tensor]) -> torch.Tensor:
    """`run()` in eval mode without gradients with the forward hooks attached; the hooks come off
    and the module's own mode comes back whatever happens."""
    was_training = module.training
    handles = [m.register_forward_hook(hook) for m, hook in hooks]
    module.eval()
    try:
        with torch.no_grad():
            return run()
    finally:
        for handle in handles:
            handle.remove()
        module.train(was_training)


def _activation_name(module: nn.Module) -> str:
    for kind, name in ((nn.ReLU, "ReLU"), (nn.LeakyReLU, "LeakyReLU"), (nn.Tanh, "tanh"), (nn.ELU, "ELU")):
        if isinstance(module, kind):
            return name
    return type(module).__name__


def generator_walk(generator: DCGANGenerator, noise: torch.Tensor, index: int = 0) -> list[Activation]:
    """G's stages for sample `index` of `noise` ((n, noise_dim), or one (noise_dim,) vector): z, the
    projection reshaped into G's first feature maps, each transposed convolution's output, and the
    image. The whole batch goes through G, as `Trainer.generate` sends it, so the image is
    bit-for-bit the sample the grid shows for the same noise."""
    return generator_pass(generator, noise, index)[0]


def generator_pass(
    generator: DCGANGenerator, noise: torch.Tensor, index: int = 0
) -> tuple[list[Activation], torch.Tensor]:
    """`generator_walk` and G's output for the whole batch, from one pass: exactly what
    `Trainer.generate` returns for `noise` (eval mode, no gradients), so an evaluation that draws
    its grid from this output draws the walk's sample."""
    if not isinstance(generator, DCGANGenerator):
        raise TypeError(f"the layer walk needs a DCGAN generator, got {type(generator).__name__}")
    z = noise.reshape(1, -1) if noise.dim() == 1 else noise
    if not 0 <= index < z.shape[0]:
        raise ValueError(f"index must be within the {z.shape[0]} noise vectors, got {index}")
    captured: list[tuple[str, torch.Tensor]] = []

    def record(name: str, reshape: bool = False) -> Callable:
        def hook(_module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
            sample = output[index]
            # The projection is a flat vector; forward's `view` turns it into the first feature maps.
            captured.append((name, sample.reshape(generator.c0, generator.s0, generator.s0) if reshape else sample))

        return hook

    project_name = f"Linear + {_activation_name(generator.project[-1])}, reshaped"
    hooks = [(generator.project, record(project_name, reshape=True))]
    hooks += [(m, record("ConvTranspose2d")) for m in generator.deconv if isinstance(m, nn.ConvTranspose2d)]
    device = next(generator.parameters()).device
    image = _walk(generator, hooks, lambda: generator(z.to(device)))
    layers = [
        _activation("z", z[index]),
        *(_activation(name, values) for name, values in captured),
        _activation("image (tanh)", image[index], image=True),
    ]
    return layers, image


def discriminator_walk(
    discriminator: DCGANDiscriminator,
    image: torch.Tensor,
    probabilistic: bool = True,
    spread: torch.Tensor | None = None,
) -> DiscriminatorWalk:
    """D's stages for one image ((1, S, S) or (1, 1, S, S)): the image, each strided convolution's
    feature maps after its LeakyReLU, and the verdict. With a minibatch-statistics layer, one
    image alone has no batch spread: pass `spread` (`discriminator.batch_spread` of a training
    batch) to judge it as if it came in that batch, as D's 2-D map does."""
    if not isinstance(discriminator, DCGANDiscriminator):
        raise TypeError(f"the layer walk needs a DCGAN discriminator, got {type(discriminator).__name__}")
    x = image[None] if image.dim() == 3 else image
    if x.dim() != 4 or x.shape[:2] != (1, 1):
        raise ValueError(f"expected one image shaped (1, S, S) or (1, 1, S, S), got {tuple(image.shape)}")
    captured: list[tuple[str, torch.Tensor]] = []

    def hook(_module: nn.Module, _inputs: object, output: torch.Tensor) -> None:
        captured.append(("Conv2d + LeakyReLU", output[0]))

    hooks = [(m, hook) for m in discriminator.conv if isinstance(m, nn.LeakyReLU)]
    device = next(discriminator.parameters()).device
    kwargs = {} if spread is None else {"spread": spread}
    logit = _walk(discriminator, hooks, lambda: discriminator(x.to(device), **kwargs))
    score = logit[0].item()
    layers = [_activation("image", x[0], image=True), *(_activation(name, values) for name, values in captured)]
    return DiscriminatorWalk(layers, score, torch.sigmoid(logit[0]).item() if probabilistic else None)


def top_channels(values: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k most active channels of (C, H, W) feature maps, by mean absolute
    activation, strongest first (ties keep channel order): the maps worth a tile. A ReLU layer's
    dead channels (all zero) come last."""
    values = np.asarray(values)
    if values.ndim != 3:
        raise ValueError(f"expected feature maps shaped (C, H, W), got shape {values.shape}")
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    activity = np.abs(values).reshape(values.shape[0], -1).mean(axis=1)
    return np.argsort(-activity, kind="stable")[:k]


@dataclass(frozen=True)
class InsideView:
    """Inside G and D for fixed-noise vector `index` after `step` steps, as a page draws it: G's
    stages for that z, D's stages for one real image (the real grid's tile `index`) and for G's
    image, feature maps cut to their strongest channels. `kernel`: the 4×4 kernel of G's first
    transposed convolution from the strongest channel of its input to the strongest of its output
    (`kernel_channels`), the weights a hand-worked transposed convolution can borrow. `average`:
    walked through G's weight average (the smoothed view), not G as it trains."""

    index: int
    step: int
    generator: tuple[Activation, ...]
    real: DiscriminatorWalk
    fake: DiscriminatorWalk
    kernel: np.ndarray
    kernel_channels: tuple[int, int]
    average: bool = False


def _compact(walk: DiscriminatorWalk, k: int) -> DiscriminatorWalk:
    return DiscriminatorWalk([strongest(layer, k) for layer in walk.layers], walk.logit, walk.probability)


def look_inside(
    generator: DCGANGenerator,
    discriminator: DCGANDiscriminator,
    noise: torch.Tensor,
    index: int,
    real: torch.Tensor,
    *,
    step: int,
    probabilistic: bool,
    average: bool = False,
    k: int = TOP_K,
) -> tuple[InsideView, torch.Tensor]:
    """The view for noise vector `index` and G's output for all of `noise` (one pass: the caller
    draws its grid from it). `real`: a real batch whose row `index` D is shown; with a minibatch-
    statistics layer each image is judged as if in its own batch (the real one, G's whole output),
    as in training."""
    layers, fake = generator_pass(generator, noise, index)
    with torch.no_grad():
        real_spread = discriminator.batch_spread(real.to(fake.device))
        fake_spread = discriminator.batch_spread(fake)
    real_walk = discriminator_walk(discriminator, real[index], probabilistic, real_spread)
    fake_walk = discriminator_walk(discriminator, fake[index], probabilistic, fake_spread)
    g_layers = [strongest(layer, k) for layer in layers]
    first = next(m for m in generator.deconv if isinstance(m, nn.ConvTranspose2d))
    channels = (g_layers[1].channels[0], g_layers[2].channels[0])
    view = InsideView(
        index=index,
        step=step,
        generator=tuple(g_layers),
        real=_compact(real_walk, k),
        fake=_compact(fake_walk, k),
        kernel=kernel_slice(first, *channels),
        kernel_channels=channels,
        average=average,
    )
    return view, fake
