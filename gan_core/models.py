"""Generator and discriminator networks, built from a TrainConfig.

D always returns one raw score per sample (a logit for the BCE losses, a critic value for
Wasserstein/hinge): losses are computed from logits for numerical stability.
"""

from __future__ import annotations

import math
import threading

import torch
from torch import nn

from gan_core.config import TrainConfig
from gan_core.fast.conv_transpose import FastConvTranspose2d
from gan_core.fast.minibatch_spread import group_spread, with_spread

_ACT = {
    "relu": lambda: nn.ReLU(),
    "leaky_relu": lambda: nn.LeakyReLU(0.2),
    "tanh": lambda: nn.Tanh(),
    "elu": lambda: nn.ELU(),
    "silu": lambda: nn.SiLU(),
}


class MinibatchStd(nn.Module):
    """Appends the batch's mean feature spread as one extra feature.

    A collapsed generator produces a batch with almost no spread, which D can then see and
    punish; this is the 'minibatch statistics' cure for mode collapse (Salimans 2016, ProGAN).
    """

    def forward(self, h: torch.Tensor, groups: int = 1, spread: torch.Tensor | None = None) -> torch.Tensor:
        """`groups` equal parts of the batch get their own spread: D can score a real and a fake
        batch in one pass (groups=2) exactly as in two. A given `spread` (a number, see
        `batch_spread`) is appended to every row instead: D's verdict on single points as if they
        came in a batch with that spread (D's map is read this way)."""
        n = h.shape[0]
        if spread is not None:
            return torch.cat([h, spread.to(h.dtype).reshape(1, 1).expand(n, 1)], dim=1)
        if n < 2 * groups or n % groups:
            return torch.cat([h, torch.zeros(n, 1, dtype=h.dtype, device=h.device)], dim=1)
        return with_spread(h, groups)

    @staticmethod
    def batch_spread(h: torch.Tensor) -> torch.Tensor:
        """The spread feature this layer appends for a batch with features `h` (groups=1)."""
        if h.shape[0] < 2:
            return torch.zeros((), dtype=h.dtype, device=h.device)
        return group_spread(h, 1)[1].mean()


def _mlp(sizes: list[int], activation: str) -> list[nn.Module]:
    layers: list[nn.Module] = []
    for a, b in zip(sizes[:-1], sizes[1:]):
        layers += [nn.Linear(a, b), _ACT[activation]()]
    return layers


class MLPGenerator(nn.Module):
    """z (n, noise_dim) -> x (n, *out_shape). tanh output for images (data in [-1, 1])."""

    def __init__(
        self, noise_dim: int, out_shape: tuple[int, ...], layers: int, width: int, activation: str, image: bool
    ) -> None:
        super().__init__()
        self.out_shape = out_shape
        out_dim = math.prod(out_shape)
        body = _mlp([noise_dim] + [width] * layers, activation)
        head: list[nn.Module] = [nn.Linear(width, out_dim)] + ([nn.Tanh()] if image else [])
        self.net = nn.Sequential(*body, *head)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).view(z.shape[0], *self.out_shape)


class MLPDiscriminator(nn.Module):
    """x (n, *in_shape) -> score (n,)."""

    def __init__(
        self, in_shape: tuple[int, ...], layers: int, width: int, activation: str, minibatch_std: bool
    ) -> None:
        super().__init__()
        in_dim = math.prod(in_shape)
        self.body = nn.Sequential(*_mlp([in_dim] + [width] * layers, activation))
        self.mbstd = MinibatchStd() if minibatch_std else None
        self.head = nn.Linear(width + (1 if minibatch_std else 0), 1)

    def forward(self, x: torch.Tensor, groups: int = 1, spread: torch.Tensor | None = None) -> torch.Tensor:
        h = self._features(x)
        if self.mbstd is not None:
            h = self.mbstd(h, groups, spread)
        return self.head(h).squeeze(1)

    def _features(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x.reshape(x.shape[0], -1))

    def batch_spread(self, x: torch.Tensor) -> torch.Tensor | None:
        """The minibatch statistic D computes for the batch `x` (None without that layer)."""
        return None if self.mbstd is None else self.mbstd.batch_spread(self._features(x))


class DCGANGenerator(nn.Module):
    """Transposed-convolution ("deconvolution") generator for (1, S, S) images, S divisible by 4.

    z -> linear -> (2w, S/4, S/4) -> convT -> (w, S/2, S/2) -> convT -> (1, S, S), tanh.
    The transposed convolutions are `nn.ConvTranspose2d` with the fastest CPU kernel for their
    shape (`fast_conv`: same parameters, same values).
    """

    def __init__(self, noise_dim: int, size: int, width: int, batchnorm: bool, activation: str) -> None:
        super().__init__()
        if size % 4:
            raise ValueError(f"dcgan needs an image size divisible by 4, got {size}")
        self.s0, self.c0 = size // 4, 2 * width
        norm = (lambda c: nn.BatchNorm2d(c)) if batchnorm else (lambda c: nn.Identity())
        self.project = nn.Sequential(nn.Linear(noise_dim, self.c0 * self.s0 * self.s0), _ACT[activation]())
        self.deconv = nn.Sequential(
            norm(self.c0),
            FastConvTranspose2d(self.c0, width, 4, stride=2, padding=1),  # (w, S/2, S/2)
            norm(width),
            _ACT[activation](),
            FastConvTranspose2d(width, 1, 4, stride=2, padding=1),  # (1, S, S)
            nn.Tanh(),
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.project(z).view(z.shape[0], self.c0, self.s0, self.s0)
        return self.deconv(h)


class DCGANDiscriminator(nn.Module):
    """Convolutional classifier: (1, S, S) -> `layers` strided convolutions with w, 2w, 4w, ...
    channels -> score. No batch norm, so the Wasserstein gradient penalty stays valid and real/fake
    batches do not leak into each other.

    Each convolution halves the side (4x4 kernels on even sides, 3x3 on odd ones, so 7 -> 4 covers
    every pixel alike): 28 -> 14 -> 7 with 2 layers, -> 4 with 3. A third layer is what made the
    Fashion-MNIST generator draw recognisable clothes in half the steps (BENCHMARKS.md)."""

    def __init__(self, size: int, width: int, minibatch_std: bool, layers: int = 2) -> None:
        super().__init__()
        convs: list[nn.Module] = []
        channels, side = 1, size
        for i in range(layers):
            kernel = 4 if side % 2 == 0 else 3
            convs += [nn.Conv2d(channels, width * 2**i, kernel, stride=2, padding=1), nn.LeakyReLU(0.2)]
            channels, side = width * 2**i, (side + 2 - kernel) // 2 + 1  # (w, S/2, S/2), (2w, S/4, S/4), …
        self.conv = nn.Sequential(*convs, nn.Flatten())
        feat = channels * side * side
        self.mbstd = MinibatchStd() if minibatch_std else None
        self.head = nn.Linear(feat + (1 if minibatch_std else 0), 1)

    def forward(self, x: torch.Tensor, groups: int = 1, spread: torch.Tensor | None = None) -> torch.Tensor:
        h = self.conv(x)
        if self.mbstd is not None:
            h = self.mbstd(h, groups, spread)
        return self.head(h).squeeze(1)

    def batch_spread(self, x: torch.Tensor) -> torch.Tensor | None:
        """The minibatch statistic D computes for the batch `x` (None without that layer)."""
        return None if self.mbstd is None else self.mbstd.batch_spread(self.conv(x))


# Initialisation reads the global RNG: networks built concurrently in several threads take turns, so
# each run's weights depend on its seed only, and building never moves anyone else's random stream.
_INIT_LOCK = threading.Lock()


def build_models(cfg: TrainConfig, data_shape: tuple[int, ...], seed: int | None = None) -> tuple[nn.Module, nn.Module]:
    """(generator, discriminator) for `cfg` and per-sample data shape (1,), (2,) or (1, H, W), their
    initial weights drawn from `seed` (when given) on a private copy of the global random stream."""
    with _INIT_LOCK, torch.random.fork_rng(devices=[]):
        if seed is not None:
            torch.manual_seed(seed)
        return _networks(cfg, data_shape)


def _networks(cfg: TrainConfig, data_shape: tuple[int, ...]) -> tuple[nn.Module, nn.Module]:
    image = len(data_shape) == 3
    if cfg.model == "dcgan":
        if not image or data_shape[1] != data_shape[2]:
            raise ValueError(f"dcgan needs square single-channel images, got shape {data_shape}")
        size = data_shape[1]
        g_width, d_width = max(cfg.g_width // 2, 4), max(cfg.d_width // 2, 4)
        return (
            DCGANGenerator(cfg.noise_dim, size, g_width, cfg.batchnorm, cfg.activation),
            DCGANDiscriminator(size, d_width, cfg.minibatch_std, cfg.d_layers),
        )
    g = MLPGenerator(cfg.noise_dim, data_shape, cfg.g_layers, cfg.g_width, cfg.activation, image)
    d = MLPDiscriminator(data_shape, cfg.d_layers, cfg.d_width, cfg.activation, cfg.minibatch_std)
    return g, d


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
