"""Named, documented training configurations: one click in the app, one flag in the CLI.

Healthy presets reach full mode coverage within their default `steps`; `-collapse` presets
reproduce mode collapse on every seed we test (tests/test_presets.py checks several seeds).
"""

from __future__ import annotations

from dataclasses import dataclass

from gan_core.config import TrainConfig, format_rate


@dataclass(frozen=True)
class Preset:
    name: str
    summary: str  # one line, shown in lists
    explanation: str  # what a student should notice, shown next to the run
    config: TrainConfig

    @property
    def collapses(self) -> bool:
        """A preset made to show mode collapse (its name ends in -collapse): a page must not promise
        full coverage beside it, nor talk of collapse beside a healthy one."""
        return self.name.endswith("-collapse")


# The Unrolled-GAN paper's vanilla toy setting: G 2x128 ReLU, D 1x128, 256-D noise, Adam
# lr 1e-4 for both, beta1 0.5, batch 512, non-saturating loss. On every seed we tried, G's
# samples clump into one small blob that hops around instead of spreading over the modes.
_VANILLA = dict(
    g_layers=2,
    g_width=128,
    d_layers=1,
    d_width=128,
    activation="relu",
    noise_dim=256,
    loss="nonsaturating",
    lr_g=1e-4,
    lr_d=1e-4,
    beta1=0.5,
    batch_size=512,
)
# A healthy small GAN: 2x128 ReLU nets, 2-D noise (so the manifold view shows all of z), Adam
# lr 1e-3, and a weight average of G (g_ema) kept for the optional smoothed view.
_HEALTHY = dict(
    g_layers=2,
    g_width=128,
    d_layers=2,
    d_width=128,
    activation="relu",
    noise_dim=2,
    loss="nonsaturating",
    lr_g=1e-3,
    lr_d=1e-3,
    beta1=0.5,
    batch_size=256,
    g_ema=0.99,
)

# Fashion-MNIST (28x28, Debian's dataset-fashion-mnist): a DCGAN sized for one CPU core. Tuning notes
# and the time-to-quality table are in BENCHMARKS.md ("Fashion-MNIST in a minute").
# The two digits presets differ only in D's learning rate, G's batch norm and the weight average.
_DIGITS: dict = dict(
    dataset="digits",
    model="dcgan",
    noise_dim=32,
    g_width=128,
    d_width=64,
    activation="relu",
    loss="nonsaturating",
    lr_g=1e-3,
    beta1=0.5,
    batch_size=64,
    steps=2000,
)
_DIGITS_LR_D = 5e-4
_DIGITS_COLLAPSE_LR_D = 1e-4


_FASHION = dict(
    dataset="fashion",
    model="dcgan",
    noise_dim=32,
    g_width=64,
    d_width=32,
    d_layers=3,
    activation="relu",
    loss="nonsaturating",
    lr_g=2e-3,
    lr_d=5e-4,
    lr_halflife=1500,
    beta1=0.0,
    batch_size=32,
    batchnorm=True,
    g_ema=0.99,
)
# Intel Xeon, 1 thread, G as it trains, 1,000 samples: 10/10 classes from step ~750. Batch 32 trains
# 1.8x the steps/s of batch 64 at about the same confidence per step, so the picture sharpens twice as
# fast in a lesson. Confidence levels off near 0.80 with most variants tried (BENCHMARKS.md); Adam
# without momentum (beta1 0) and D at half G's rate get there sooner and a little higher: >= 0.8 first
# at 1,750 2,750 2,000 2,500 2,750 3,000 steps on seeds 0-5 (beta1 0.5 and lr_d 1e-3: 3,650-5,400, and
# not by 4,500 on seed 0), 0.805-0.823 at 4,500 (the slow test asks >= 0.78).
_FASHION_STEPS = 4500
# Collapse: G without batch norm against a tiny D (8 channels, 2 layers) that learns 20x slower than
# G. Intel Xeon, seeds 0-2: <= 2 classes from step 500 on, 2, 1 and 1 at step 1,500 (the healthy
# base with only batch norm off and lr_d 2e-4 kept 8-9 classes: Fashion-MNIST is harder to collapse
# than the 8x8 digits).
# (measured with batches of 64 and Adam's beta1 0.5, kept).
_FASHION_COLLAPSE = dict(
    beta1=0.5, batchnorm=False, d_width=8, d_layers=2, lr_g=2e-3, lr_d=1e-4, g_ema=0.0, batch_size=64, steps=1500
)

PRESETS: dict[str, Preset] = {
    p.name: p
    for p in [
        Preset(
            "gauss1d",
            "1D: one Gaussian, the textbook picture",
            "Watch p_g slide onto p_data while D(x) flattens towards 1/2 where the data is.",
            TrainConfig(
                dataset="gauss1d",
                # With 1-D noise a ReLU G folds its line into pile-ups (5 % of the samples at one
                # spot): JS 0.07-0.18 on seeds 0-5 (AMD EPYC). Four noise dimensions add up to a
                # smooth density: JS 0.009-0.043 (the test asks < 0.1) by step 3,000.
                noise_dim=4,
                g_layers=2,
                g_width=32,
                d_layers=2,
                d_width=32,
                lr_g=1e-3,
                lr_d=1e-3,
                batch_size=256,
                steps=3000,
            ),
        ),
        Preset(
            "bimodal1d",
            "1D: two bumps, can G cover both?",
            "One line of noise must cover two bumps. G is continuous and its noise is one connected line, so "
            "its samples form one connected stretch too: p_g can thin out between the bumps into a narrow "
            "bridge, but it cannot tear in two, and a few samples always land in the gap.",
            TrainConfig(
                dataset="bimodal1d",
                noise_dim=1,
                g_layers=2,
                g_width=32,
                d_layers=2,
                d_width=32,
                lr_g=1e-3,
                lr_d=1e-3,
                batch_size=256,
                steps=3000,
            ),
        ),
        Preset(
            "ring8",
            "2D: 8 Gaussians on a ring, healthy training",
            "G spreads over all 8 modes; D's map turns grey (≈0.5) where real and fake overlap. D also sees how "
            "spread out each batch is (minibatch statistics): a batch crowded onto a few spots has almost no "
            "spread, so D can reject it as a whole. One number per batch catches a collapse, not one empty mode. "
            "The learning rates halve every 1,500 steps: with a constant rate G's points keep jittering "
            "around the tight modes instead of settling on them.",
            # Without minibatch statistics 2 of 6 seeds left one mode starved for good (7/8 at 5,000
            # steps). With a constant lr 1e-3 G itself never settles: at step 3,000 its samples jitter
            # around all 8 modes with only 8-72 % high quality (seeds 0-5, AMD EPYC). The rates halve
            # every 1,500 steps (a staircase): at step 6,000 G itself has 8/8 modes (8/8 strict) and
            # 89-92 % HQ on seeds 0-5 of an Intel Xeon; the smooth decay it replaced gave 83-88 % there
            # and on AMD EPYC (benchmarks/seeds.py, BENCHMARKS.md). Tried and dropped: lr 2e-4 or 3e-4
            # constant (10,000 steps for 80-86 %), beta1 0.9, TTUR lr_g < lr_d (modes left empty),
            # faster decays (halflife 500-1,000: G froze before it sharpened).
            TrainConfig(dataset="ring8", steps=6000, minibatch_std=True, lr_halflife=1500, **_HEALTHY),
        ),
        Preset(
            "ring8-collapse",
            "2D: 8 Gaussians, vanilla GAN that collapses",
            "G's samples clump into one small blob that hops around the plane and never spreads "
            "over the ring: mode collapse. D chases the blob; G just moves it.",
            TrainConfig(dataset="ring8", steps=3000, **_VANILLA),
        ),
        Preset(
            "grid25",
            "2D: 25 Gaussians on a grid, healthy training",
            "Harder than the ring: watch the modes fill in one after another. D pays a penalty for a steep "
            "slope at the real points (R1; to save time it is charged on every 4th D step, four times as "
            "heavy), so it never grows confident: its map stays close to grey (0.5) even while it still sorts "
            "most points right (accuracy above 50 % early on, about 50 % by the end), and it is the direction "
            "of its slope (the arrows) that walks G's points onto every mode. The learning rates start high "
            "(2e-3), so the points spread over the grid quickly, and halve every 1,000 steps, so they then "
            "settle onto the small modes instead of jittering around them.",
            TrainConfig(
                dataset="grid25",
                g_layers=3,
                g_width=256,
                d_layers=3,
                activation="relu",
                loss="nonsaturating",
                # An R1 penalty (weight 1) instead of minibatch statistics (issue 12): D scores each point
                # on its own, so its map is its verdict on real and fake points alike (with minibatch
                # statistics the map read 0.46 at the real points where a real batch got 0.64, at step
                # 3,000; one Step G moved the points along the arrows with median cosine 0.37 on AMD EPYC).
                # Without either, G kept 12/25 modes (strict) on seeds 0-1. With D that flat, G's updates
                # are mostly noise near the modes (Adam scales every step up to about the lr): with beta1
                # 0.5 and lr halving every 3,000 steps down to 1/10, G lost modes late (seed 3: 25/25 at
                # 7,500, 21/25 and 76 % HQ at 9,000; beta1 0 alone: seed 1 16/25 at 9,000). Adam without
                # momentum (beta1 0) and rates halving down to 1/100 let the points settle (Intel Xeon,
                # BENCHMARKS.md 2026-12-04). Issue 28, the grid within a minute: that preset (3x256 nets
                # both, batch 512, lr 1e-3 halving every 2,000, R1 every D step, 9,000 steps) trained
                # 29 steps/s on AMD EPYC and first met 25/25 with >= 85 % HQ at 2,900-4,100 steps (seeds
                # 0-5), 100-140 s. Now: D 128 wide (G keeps 256: a 128-wide G stayed under 85 % HQ on
                # seed 1 by 8,000 steps; a 64-wide pair lost to D), batches of 256, R1 on every 4th D
                # update at 4x the weight (lazy R1, StyleGAN2: the steps between skip its second backward
                # pass), and lr 2e-3 halving every 1,000 steps: 5.6x the steps/s (~165 a second), the goal
                # first at 2,300-4,100 steps on seeds 0-5 and 3,300-5,100 on seeds 6-9 (14-31 s of
                # training), and at 6,000 steps 25/25 with 86-93 % HQ, D's accuracy 0.52-0.53 on seeds
                # 0-9 (AMD EPYC; every evaluation meets the goal from 3,300-5,900 steps on; the old preset
                # fell back to 16/25 until 5,800-7,900). Tried and dropped (BENCHMARKS.md
                # 2026-12-06): R1 every 8th (goal ~500 steps later for 4 % more speed), halving every 750
                # (G froze before it sharpened: seed 0 at 5,600), R1 weight 2, the old rates with the
                # smaller nets (seeds 1 and 5 stuck near 0 modes for thousands of steps).
                d_width=128,
                lr_g=2e-3,
                lr_d=2e-3,
                lr_halflife=1000,
                lr_floor=0.01,
                batch_size=256,
                beta1=0.0,
                g_ema=0.99,
                r1_weight=1.0,
                r1_every=4,
                steps=6000,
            ),
        ),
        Preset(
            "grid25-collapse",
            "2D: 25 Gaussians, vanilla GAN that collapses",
            "G's samples clump together, mostly between the modes: only a few of the 25 get samples at any "
            "one time, and the clump moves.",
            TrainConfig(dataset="grid25", steps=5000, **_VANILLA),
        ),
        Preset(
            "spiral",
            "2D: a spiral",
            "A continuous shape: G must bend its noise plane along the spiral (turn on the manifold).",
            TrainConfig(
                dataset="spiral",
                g_layers=3,
                g_width=256,
                d_layers=3,
                d_width=256,
                lr_g=5e-4,
                lr_d=5e-4,
                batch_size=512,
                steps=4000,
            ),
        ),
        Preset(
            "digits",
            "Images: 8×8 handwritten digits, small DCGAN",
            "Blobs become strokes, then recognisable digits of every class.",
            TrainConfig(**_DIGITS, lr_d=_DIGITS_LR_D, batchnorm=True, g_ema=0.99),
        ),
        Preset(
            "digits-collapse",
            "Images: digits with a generator that collapses",
            "The grid fills with one or two digits, over and over: the variety is gone, and which digits can "
            "change as D catches on. G has no batch norm, and D learns "
            f"{_DIGITS_LR_D / _DIGITS_COLLAPSE_LR_D:.0f} times more slowly than in the healthy digits preset "
            f"(lr_d {format_rate(_DIGITS_COLLAPSE_LR_D)} instead of {format_rate(_DIGITS_LR_D)}): G finds a shape "
            "or two this D calls real and puts every sample there.",
            # With lr_d 5e-4 (the healthy preset's) this collapsed on AMD EPYC but kept 6-7 classes on
            # seeds 0, 1 and 4 of an Intel Xeon (1 torch thread, as the app trains): a preset that
            # teaches collapse must collapse everywhere. lr_d 2e-4: 1 class on seeds 0-4 there, but 4
            # classes on seed 3 of AMD EPYC (seeds 0-9: 1-4). lr_d 1e-4: 1-2 classes on every seed of
            # 0-9 on AMD EPYC (2026-12-07). (lr_g 2e-3 also collapsed, but seed 0 to a noise pattern,
            # not a digit.)
            TrainConfig(**_DIGITS, lr_d=_DIGITS_COLLAPSE_LR_D, batchnorm=False, g_ema=0.0),
        ),
        Preset(
            "fashion",
            "Images: 28×28 Fashion-MNIST clothes, fast small DCGAN",
            "Grey smudges become silhouettes within seconds, then trousers, shoes, bags and shirts of every "
            "class. The classifier's histogram fills up; its confidence climbs as the outlines sharpen.",
            TrainConfig(**_FASHION, steps=_FASHION_STEPS),
        ),
        Preset(
            "fashion-collapse",
            "Images: Fashion-MNIST with a generator that collapses to one pattern",
            "Every sample becomes the same speckled silhouette: the variety is gone. G has no batch norm, and D "
            "is tiny (two convolutions of 4 and 8 channels, where the healthy preset's D has three of 16, 32 and "
            "64) and learns 20 times more slowly than G: G finds one pattern this D calls real and puts every "
            "sample there. Too weak to see the speckles, D never pushes G off it.",
            TrainConfig(**{**_FASHION, **_FASHION_COLLAPSE}),
        ),
    ]
}


def get_preset(name: str) -> Preset:
    try:
        return PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}") from None
