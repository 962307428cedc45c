"""Sentences whose truth depends on what the run's preset does: one function per claim.

A healthy preset's promise (G covers every mode, D's accuracy settles near 50 %) is false beside a
preset made to collapse, and the reverse. Each function here branches on `Preset.collapses`, and
quotes how the preset behaves from the measured record (gan_core.measured), never from a typed
number. tests/test_preset_texts.py renders every page with every preset it offers and checks that
no healthy-only sentence (HEALTHY_MARKS) shows beside a collapse preset, nor the reverse.
"""

from __future__ import annotations

from dataclasses import fields

from gan_core.config import TrainConfig
from gan_core.measured import Measured, pairing, record
from gan_core.presets import PRESETS, Preset

# Phrases only a healthy preset's sentences contain, and only a collapse preset's.
HEALTHY_MARKS = ("should end up covering", "falls back as G catches up", "falls back as G's samples")
COLLAPSE_MARKS = ("G collapses", "With this preset it")


# Settings that do not change how a preset trains: the seed (the record spans seeds), the weight
# average's decay (the smoothed view's toggle may start one) and the suggested run length.
NOT_TRAINING = ("seed", "g_ema", "steps")


def changed_settings(preset: Preset, config: TrainConfig) -> list[str]:
    """The settings in which `config` trains differently from `preset`."""
    return [
        f.name
        for f in fields(TrainConfig)
        if f.name not in NOT_TRAINING and getattr(config, f.name) != getattr(preset.config, f.name)
    ]


def preset_of(name: str | None, config: TrainConfig | None = None) -> Preset | None:
    """The preset `name`, if the run's `config` still trains as that preset does: measured numbers
    and the preset's own explanation describe the preset, so a run with other settings or other data
    gets sentences without them."""
    preset = PRESETS.get(name or "")
    if preset is None or (config is not None and changed_settings(preset, config)):
        return None
    return preset


def _measured(preset: Preset | None) -> Measured | None:
    return record().get(preset.name) if preset is not None else None


def coverage_promise(preset: Preset | None, modes: int) -> str:
    """The Overview's: what G ends up doing on this preset's modes (empty without modes)."""
    if preset is None or not modes:
        return ""
    m = _measured(preset)
    if preset.collapses:
        held = f" (at step {m.steps:,}: {m.count('modes_covered_strict')} of {modes} covered, {_seeds(m)})" if m else ""
        return (
            f"- On this preset G collapses: its points crowd into one small clump that hops around while D "
            f"keeps catching it, and most of the {modes} clusters stay empty{held}.\n"
        )
    held = f" ({m.count('modes_covered_strict')} of {modes} at step {m.steps:,}, {_seeds(m)})" if m else ""
    return (
        f"- On this data G should end up covering the {modes} clusters{held}, and D's map fades to pale where "
        "real and fake overlap: D can no longer tell them apart there.\n"
    )


def d_accuracy_course(preset: Preset | None, image: bool = False) -> str:
    """How D's accuracy runs over a training run on this preset, and where it ends, measured."""
    start = "D's accuracy starts near 50 % (an untrained D only guesses)"
    m = _measured(preset)
    end = f"{m.percent('d_accuracy_median_last')} (the median of a full run's last 500 steps, {_seeds(m)})" if m else ""
    if preset is None:  # settings or data of the user's own: no promise either way
        return (
            f"{start}, climbs while D learns faster than G, and falls back towards the dashed 50 % line as far "
            "as G catches up."
        )
    if preset.collapses:
        return f"{start}. {_collapsed_accuracy(m, end, image)}"
    climb = " and often climbs at first, while D learns to spot G's " + ("early blobs" if image else "first fakes")
    if image:
        return (
            f"{start}{climb}, then falls back as G's samples get harder to tell from real ones"
            + (f"; on {preset.name} it ends at {end}" if end else "")
            + ". Near 50 % means D's verdicts have become a poor guide, not that D is broken."
        )
    return f"{start}{climb}, then falls back as G catches up, and heads for the dashed 50 % line" + (
        f": on {preset.name} it ends at {end}." if end else "."
    )


def _collapsed_accuracy(m: Measured | None, end: str, image: bool) -> str:
    """Where D's accuracy goes on a collapse preset: it depends on who wins, so the record decides."""
    if m is None:
        return "With this preset it does not settle near 50 % the way a healthy run's does."
    lo, hi = m.range("d_accuracy_median_last")
    if lo > 0.55:
        caught = "G's one or two repeated shapes" if image else "G's clump wherever it moves"
        return f"With this preset it stays above the 50 % line: {end}. D keeps catching {caught}."
    if hi < 0.5:
        return (
            f"With this preset it ends below the 50 % line: {end}. This D takes G's samples for real and real "
            "images for fake: a low accuracy means D is fooled, not that G is good."
        )
    return (
        f"With this preset it ends at {end} although G covers few modes: near 50 % is not a sign of a good "
        "G when D is this weak."
    )


def hq_note(preset: Preset | None) -> str:
    """What high quality reads on a collapse preset, measured: often a clump between the modes."""
    m = _measured(preset)
    if preset is None or not preset.collapses or m is None or "hq_fraction" not in m.ranges:
        return ""
    return (
        f" On {preset.name}, {m.percent('hq_fraction')} of the samples are high quality at step {m.steps:,} "
        f"({_seeds(m)}): where its clump sits between the modes, it scores low on both."
    )


def _seeds(m: Measured) -> str:
    seeds = f"seeds {m.seeds[0]}–{m.seeds[-1]}" if len(m.seeds) > 1 else f"seed {m.seeds[0]}"
    return f"{seeds} measured"


def pairing_outcome(key: str, dataset: str, n_modes: int) -> str:
    """What the lab's two runs of a pairing covered within a lesson's steps, measured."""
    measured = pairing(key, dataset)
    if measured is None:
        return ""
    a, b = measured
    return (
        f"Measured on this data ({_seeds(b)}, {b.cpu}, {b.date}): at step {b.steps:,} A covered "
        f"{a.count('modes_covered_strict')} of {n_modes} modes, B {b.count('modes_covered_strict')} of {n_modes}."
    )


def pairings_that_cover(labels: dict[str, str], dataset: str, n_modes: int) -> str:
    """Which pairings' B (key -> label) reached every mode on every measured seed within a lesson's steps."""
    measured = {k: pairing(k, dataset) for k in labels}
    known = {k: m for k, m in measured.items() if m is not None}
    if not known:
        return "A single change is not always a cure: compare at equal steps, and on several seeds."
    full = [labels[k] for k, (_, b) in known.items() if b.range("modes_covered_strict")[0] >= n_modes]
    steps = next(iter(known.values()))[1].steps
    which = ", ".join(f"*{name}*" for name in full) if full else "none"
    return (
        f"Measured on this data, B reached all {n_modes} modes by step {steps:,} on every seed tried in: {which} "
        f"(of {len(known)} pairings measured). A single change shows what that ingredient does to the picture; "
        "it is rarely a cure on its own."
    )
