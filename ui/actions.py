"""Every way a page restarts a run at step 0, written once: a preset, other data, a new seed, the
lab's pairing, the class challenge's starting point.

A run that was training goes on training after the restart (a teacher who changes the data mid-lesson
does not press ▶ Start again), one that was paused stays paused; the lab's two runs go on together if
either was training. Widget callbacks call these, so the page that follows shows the new run.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from gan_core.config import TrainConfig
from gan_core.data import Dataset
from gan_core.presets import PRESETS, get_preset
from gan_core.runs.backend import RunHandle
from ui.images import dataset_for
from ui.pages import BY_URL
from ui.state import clear_widget_state, new_run, run_for, session_runs

LAB_SLOTS = BY_URL["mode-collapse"].slots


def training(runs: Sequence[RunHandle]) -> bool:
    """Whether any of `runs` trains (or waits for a slot to train)."""
    return any(r.snapshot().is_active for r in runs)


def restart(
    run: RunHandle,
    config: TrainConfig | None = None,
    dataset: Dataset | None = None,
    *,
    go_on: bool | None = None,
    smoothed_view: bool | None = None,
) -> None:
    """Back to step 0 (with `config`, `dataset` and the view `smoothed_view` if given); training
    again afterwards if `go_on`, by default if it was training."""
    go_on = training([run]) if go_on is None else go_on
    run.reset(config, dataset)
    if smoothed_view is not None:
        run.set_view(smoothed_view)
    if go_on:
        run.start()


def load_preset(
    slot: str, preset: str, *, go_on: bool | None = None, data: Dataset | None = None, **overrides
) -> RunHandle:
    """The slot's run starts over as `preset` (with `overrides`, on `data` if given: a data set already
    loaded, e.g. MNIST from the shared cache), with the preset's view (G as it trains). A preset on a
    file data set (Fashion-MNIST) raises DatasetUnavailable, and changes nothing, when its files are
    not on this computer."""
    runs = session_runs()
    cfg = get_preset(preset).config.replace(**overrides)
    dataset = data if data is not None else dataset_for(cfg)
    run = runs.runs.get(slot)
    if run is None:
        run = runs.get(slot, lambda: new_run(cfg, dataset))
        if go_on:
            run.start()
    else:
        restart(run, cfg, dataset, go_on=go_on, smoothed_view=False)
    runs.presets[slot] = preset
    clear_widget_state(slot)
    return run


def switch_data(slot: str, run: RunHandle, name: str, dataset: Dataset | None = None) -> str | None:
    """Train on data `name` from step 0. Where a preset for it exists (keeping a `-collapse` choice),
    that preset is loaded, so the network suits the data and the sidebar's preset matches (returns
    its name); otherwise the network and settings stay and only the data changes (returns None). Call
    it from a widget callback: it sets the sidebar's preset picker, which is drawn later in the run."""
    preset = session_runs().presets.get(slot, "")
    for candidate in ([f"{name}-collapse"] if preset.endswith("-collapse") else []) + [name]:
        if candidate in PRESETS:
            load_preset(slot, candidate, data=dataset)
            # The picker (ui.sidebar, key "<slot>:preset-picker") would otherwise come back with the
            # browser's old value and switch the run straight back. The URL's ?preset= is left alone:
            # ui.urls re-applies a changed one with a reset that does not restart.
            st.session_state[f"{slot}:preset-picker"] = candidate
            return candidate
    restart(run, run.config.replace(dataset=name), dataset)
    return None


def set_seed(runs: Sequence[RunHandle], seed: int) -> None:
    """Restart `runs` from weights drawn with `seed`, keeping their settings (a lab's two runs share
    the seed: a fair race)."""
    go_on = training(runs)
    for run in runs:
        restart(run, run.config.replace(seed=int(seed)), go_on=go_on)


def load_pairing(key: str, dataset: str, seed: int | None = None) -> None:
    """Load both runs of a lab pairing (fresh weights, one seed for both: the presets' unless `seed`
    is given)."""
    from classroom.pairings import PAIRINGS

    runs = [run_for(slot, preset) for slot, preset in zip(LAB_SLOTS, BY_URL["mode-collapse"].presets)]
    go_on = training(runs)
    for slot, (preset, overrides) in zip(LAB_SLOTS, PAIRINGS[key].sides(dataset)):
        load_preset(slot, preset, go_on=go_on, **overrides, **({} if seed is None else {"seed": seed}))
