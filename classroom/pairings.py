"""The mode collapse lab's pairings: a collapsing run beside the same run with one change.

Each pairing names run A (a data set's collapse preset) and run B (the same preset with one change
meant to fight collapse, or the healthy preset), how the change can help in a student's words, and the
settings in which the two differ. What B really did within a lesson's steps is measured
(gan_core.measured.pairing) and quoted beside it: most single changes do not cure the collapse alone.
Pure: no Streamlit, no threads (ui.actions loads a pairing into the page's two runs).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from gan_core.config import TrainConfig
from gan_core.presets import get_preset


@dataclass(frozen=True)
class LabData:
    """A 2D mixture the lab runs on, with its collapsing and its healthy preset."""

    name: str
    label: str
    collapse_preset: str
    healthy_preset: str


LAB_DATA: dict[str, LabData] = {
    d.name: d
    for d in (
        LabData("ring8", "Ring: 8 modes", "ring8-collapse", "ring8"),
        LabData("grid25", "Grid: 25 modes", "grid25-collapse", "grid25"),
    )
}


@dataclass(frozen=True)
class Pairing:
    """Run A: the dataset's collapse preset (plus `a_overrides` when the contrast needs A set
    explicitly, e.g. the saturating loss). Run B: the same preset with one cure (`b_overrides`),
    or the dataset's healthy preset when `healthy` is set. Overrides name values, not changes,
    so a pairing still shows its contrast when the lead retunes the presets."""

    key: str
    label: str  # the button text
    cure: str  # run B's name in headers and charts
    b_overrides: tuple[tuple[str, Any], ...] = ()
    a_overrides: tuple[tuple[str, Any], ...] = ()
    a_name: str = "vanilla GAN"
    healthy: bool = False
    why: str = ""  # why the cure helps, in a student's words

    def sides(self, dataset: str) -> tuple[tuple[str, dict[str, Any]], tuple[str, dict[str, Any]]]:
        """((preset A, overrides A), (preset B, overrides B)) for `dataset`."""
        data = LAB_DATA[dataset]
        a = (data.collapse_preset, dict(self.a_overrides))
        if self.healthy:
            return a, (data.healthy_preset, {})
        return a, (data.collapse_preset, {**dict(self.a_overrides), **dict(self.b_overrides)})

    def configs(self, dataset: str) -> tuple[TrainConfig, TrainConfig]:
        (pa, oa), (pb, ob) = self.sides(dataset)
        return get_preset(pa).config.replace(**oa), get_preset(pb).config.replace(**ob)


# WGAN-GP as its paper publishes it (Gulrajani et al. 2017, Algorithm 1: λ = 10, n_critic = 5, Adam
# α = 1e-4, β₁ = 0, β₂ = 0.9), named as values so a retuned vanilla preset cannot change it. The pairing
# used Adam's (0.5, 0.999): on ring8 with the vanilla nets both that and the paper's betas ended in a
# clump (lab alarm at step 3,000, 0 of 8 modes, on every seed tried).
WGAN_GP_PUBLISHED: tuple[tuple[str, Any], ...] = (
    ("loss", "wgan-gp"),
    ("d_steps", 5),
    ("gp_weight", 10.0),
    ("lr_g", 1e-4),
    ("lr_d", 1e-4),
    ("beta1", 0.0),
    ("beta2", 0.9),
)
# The critic WGAN-GP's toy experiments use has 3 hidden layers (512 wide); its theory assumes a
# critic near its optimum. Both runs get it, so the loss recipe is the one difference.
WGAN_GP_CRITIC: tuple[tuple[str, Any], ...] = (("d_layers", 3), ("d_width", 256))

PAIRINGS: dict[str, Pairing] = {
    p.key: p
    for p in (
        Pairing(
            "tuned",
            "Vanilla vs tuned GAN",
            "tuned GAN",
            healthy=True,
            why="B is the healthy preset. Its differences, listed above the runs, do different jobs: minibatch "
            "statistics (on the ring) or an R1 penalty (on the grid) keep D's feedback useful, the decaying "
            "learning rates let G settle on the tight modes, the small noise and the larger networks change "
            "what G can draw, and the weight average (g_ema) only changes the picture.",
        ),
        Pairing(
            "loss",
            "Saturating vs non-saturating loss",
            "non-saturating loss",
            (("loss", "nonsaturating"),),
            a_overrides=(("loss", "minimax"),),
            a_name="vanilla GAN, saturating loss",
            why="With the saturating loss log(1 − D(G(z))), G's push on a fake is D's own verdict on it, "
            "D(G(z)): a fake D confidently rejects (D ≈ 0) gets almost no push, and the fakes D already "
            "accepts get the most, so G keeps polishing the samples that already fool D. The non-saturating "
            "loss −log D(G(z)) pushes each fake by 1 − D(G(z)): hardest exactly on the worst fakes, so samples "
            "far from any real mode still get moved. It fixes the vanishing "
            "gradient, not the collapse itself: watch whether B covers more modes, or just gets there faster.",
        ),
        Pairing(
            "wgan",
            "Vanilla vs WGAN-GP",
            "WGAN-GP as published",
            WGAN_GP_PUBLISHED,
            a_overrides=WGAN_GP_CRITIC,
            a_name="vanilla GAN, 3-layer D",
            why="A Wasserstein critic gives a score, not a probability, so it cannot saturate; the gradient "
            "penalty keeps its slope near 1, and 5 critic steps per G step keep it near its best. Its gradient "
            "then points from every fake towards the real mass, including modes G has no samples on: B does "
            "not clump and hop like A, its samples stay spread around the data. B uses the WGAN-GP paper's "
            "settings (Adam lr 1e-4, β₁ = 0, β₂ = 0.9, penalty weight 10, 5 critic steps) and, in both runs, "
            "a 3-hidden-layer D like the paper's toy critic (256 wide instead of 512, for the CPU): with the "
            "vanilla 1-layer D, WGAN-GP clumped too on the ring (3 of 3 seeds by step 3,000). What it does not do in a "
            "lesson's time is put the samples sharply on each tight mode: the paper trains its toy GANs for "
            "100,000 steps, so B's modes-covered count stays low for thousands of steps. Each step costs "
            "~10× more compute, so B advances slower: compare at equal steps.",
        ),
        Pairing(
            "dsteps",
            "1 vs 5 D steps",
            "5 D steps per G step",
            (("d_steps", 5),),
            why="G collapses by exploiting a stale D: it moves all its samples to wherever D currently says "
            "“real”, D catches up, and G jumps to the next mode. With 5 D updates per G update, D is "
            "closer to its optimum D* before each G step, so it can punish G sooner for crowding onto one "
            "spot. Whether that is enough to spread G out is what B shows.",
        ),
        Pairing(
            "lr",
            "Fast vs slow lr_g",
            "slow G (lr_g 2.5e-5)",
            (("lr_g", 2.5e-5),),
            why="When G learns as fast as D (or faster) it can jump from mode to mode before D has learned "
            "where the fakes are. Slowing G down (the two-timescale rule, TTUR: D learns faster than G) "
            "lets D keep up, so G can follow D's gradient instead of outrunning it; it also makes every G step "
            "smaller (the line above the runs says how much), so B moves slowly.",
        ),
        Pairing(
            "mbstd",
            "No vs minibatch statistics",
            "minibatch std feature",
            (("minibatch_std", True),),
            why="D normally judges each sample alone, and a perfect copy of one mode looks perfectly real. "
            "With minibatch statistics D also sees how spread out the whole batch is: a collapsed batch "
            "has almost no spread, so D can reject it as a batch. One spread number tells G that its batch "
            "is too narrow, not where the missing modes are.",
        ),
    )
}
DEFAULT_PAIRING = "tuned"  # the page's default slots (ring8-collapse vs ring8) are this pairing


def current_pairing(config_a: TrainConfig, config_b: TrainConfig) -> tuple[str | None, str | None]:
    """(pairing key, dataset) whose configs the two runs have, or (None, dataset or None) when the
    runs were changed some other way (a URL, the playground...)."""
    dataset = config_a.dataset if config_a.dataset in LAB_DATA else None
    if dataset is None:
        return None, None
    for pairing in PAIRINGS.values():  # both runs on one seed (a fair race), whichever seed
        if tuple(c.replace(seed=config_a.seed) for c in pairing.configs(dataset)) == (config_a, config_b):
            return pairing.key, dataset
    return None, dataset


# --- config differences --------------------------------------------------------------------------
IGNORED_DIFFERENCES = ("steps",)  # the suggested run length says nothing about collapse


def config_differences(a: TrainConfig, b: TrainConfig) -> list[tuple[str, Any, Any]]:
    """(setting, value in A, value in B) for every setting that differs, in TrainConfig order."""
    return [
        (f.name, getattr(a, f.name), getattr(b, f.name))
        for f in fields(TrainConfig)
        if f.name not in IGNORED_DIFFERENCES and getattr(a, f.name) != getattr(b, f.name)
    ]


# Settings listed among a pairing's differences that are not themselves a cure, with what they do.
NOT_A_CURE = {
    "g_ema": "display smoothing, not a cure: both runs are drawn and scored on G as it trains",
    "r1_every": "how often the R1 penalty is applied (at that many times its weight): a speed setting",
}
