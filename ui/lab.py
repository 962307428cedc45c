"""Streamlit glue for the mode collapse lab: its two runs, loaded from a pairing (classroom.pairings)."""

from __future__ import annotations

from classroom.pairings import PAIRINGS
from ui.state import load_preset

SLOTS = ("lab-a", "lab-b")


def load_pairing(key: str, dataset: str, start: bool = False, seed: int | None = None) -> None:
    """Load both runs of a pairing (fresh weights, one seed for both: the presets' unless `seed`
    is given), starting them if asked."""
    for slot, (preset, overrides) in zip(SLOTS, PAIRINGS[key].sides(dataset)):
        load_preset(slot, preset, start=start, **overrides, **({} if seed is None else {"seed": seed}))
