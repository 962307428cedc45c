"""The settings a student turns while a run trains, named once.

The sidebar draws them (ui.controls), a link carries them (ui.urls), presentation mode hides them by
group (ui.present), and a class challenge allows some of them and locks the rest (classroom.board,
ui.board). Each is a TrainConfig field, except the smoothed view, which is the run's view (what is
drawn and scored), not a training setting.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Control:
    name: str  # the setting (a TrainConfig field, or "smoothed_view")
    label: str  # how the class board and its chart name it
    group: str  # the sidebar control it belongs to: presentation mode hides a group at once
    trains: bool = True  # it changes how the GANs train (the smoothed view only changes the picture)


# Sidebar groups, in sidebar order, with the names presentation mode's picker gives them.
GROUPS: dict[str, str] = {
    "known": "Restore, seed",
    "lr": "Learning rates",
    "lr_halflife": "LR decay",
    "d_steps": "D steps",
    "batch_size": "Batch size",
    "loss": "Loss",
    "smoothed_view": "Smoothed view",
    "betas": "Adam betas",
}

CONTROLS: tuple[Control, ...] = (
    Control("lr_g", "generator learning rate", "lr"),
    Control("lr_d", "discriminator learning rate", "lr"),
    Control("lr_halflife", "learning-rate decay", "lr_halflife"),
    Control("d_steps", "D steps per G step", "d_steps"),
    Control("batch_size", "batch size", "batch_size"),
    Control("loss", "loss", "loss"),
    Control("smoothed_view", "smoothed view", "smoothed_view", trains=False),
    Control("beta1", "Adam β1", "betas"),
    Control("beta2", "Adam β2", "betas"),
    Control("seed", "seed", "known"),
)
NAMES: tuple[str, ...] = tuple(c.name for c in CONTROLS)
LABELS: dict[str, str] = {c.name: c.label for c in CONTROLS}
# What a challenge may allow: the controls that change training. The smoothed view stays locked in a
# challenge, because the board counts what G as it trains covers.
TRAINING: tuple[str, ...] = tuple(c.name for c in CONTROLS if c.trains)
