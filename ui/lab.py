"""The Mode collapse lab's link: which pairing, data and seed a link sets up, and the link that
reproduces the lab as it is (the page itself is app_pages/mode_collapse.py; its pairings are
classroom.pairings)."""

from __future__ import annotations

from classroom.controls import NAMES
from classroom.pairings import DEFAULT_PAIRING, LAB_DATA, PAIRINGS, current_pairing
from gan_core.config import TrainConfig
from gan_core.runs.backend import RunHandle
from ui.actions import LAB_SLOTS, load_pairing
from ui.pages import BY_URL
from ui.state import run_for
from ui.url_values import WidgetParam, escape, flag, shown

PARAMS = ("pairing", "dataset", "seed", "preset")  # run settings of the lab's link
HEATMAP = WidgetParam("heatmap", "lab:heatmap", False, flag)  # D's view behind the points


def lab_runs() -> list[RunHandle]:
    return [run_for(slot, preset) for slot, preset in zip(LAB_SLOTS, BY_URL["mode-collapse"].presets)]


def parse_link(params: dict[str, str]) -> tuple[str, str, int, list[str]]:
    """(pairing, data, seed) a lab link asks for, and one message per part it ignores."""
    messages: list[str] = []
    pairing, dataset, seed = DEFAULT_PAIRING, None, 0
    if "pairing" in params:
        if params["pairing"] in PAIRINGS:
            pairing = params["pairing"]
        else:
            messages.append(
                f"Ignored pairing={shown(params['pairing'])} from the link: pairings are {', '.join(PAIRINGS)}."
            )
    if "preset" in params:
        mapped = [d.name for d in LAB_DATA.values() if params["preset"] in (d.collapse_preset, d.healthy_preset)]
        if mapped:
            dataset = mapped[0]
        else:
            messages.append(
                f"Ignored preset={shown(params['preset'])} from the link: the lab compares two runs on "
                f"{', '.join(LAB_DATA)} (pick them with pairing= and dataset=)."
            )
    if "dataset" in params:
        if params["dataset"] in LAB_DATA:
            dataset = params["dataset"]
        else:
            messages.append(
                f"Ignored dataset={shown(params['dataset'])} from the link: the lab offers {', '.join(LAB_DATA)}."
            )
    if "seed" in params:
        try:
            seed = TrainConfig().replace(seed=params["seed"]).seed
        except ValueError as exc:
            messages.append(f"Ignored seed={shown(params['seed'])} from the link: {escape(str(exc)[:160])}.")
    for name in params:
        if name in NAMES and name != "seed":
            messages.append(
                f"Ignored {name}={shown(params[name])} from the link: the lab's two runs are set by their pairing."
            )
    return pairing, dataset or "ring8", seed, messages


def apply_link(params: dict[str, str]) -> list[str]:
    """Set the lab up as a link says (its pairing, data and seed); one message per part ignored."""
    pairing, dataset, seed, messages = parse_link(params)
    runs = lab_runs()
    wanted = tuple(c.replace(seed=seed) for c in PAIRINGS[pairing].configs(dataset))
    if tuple(r.config for r in runs) != wanted:
        load_pairing(pairing, dataset, seed=seed)
    return messages


def link_params() -> tuple[dict[str, str], list[str]]:
    """The lab's run settings as a link carries them, and a note when they cannot be carried."""
    runs = lab_runs()
    key, dataset = current_pairing(runs[0].config, runs[1].config)
    if key is None:
        return {}, ["These runs were set up by hand: the link carries no pairing (pick one to share it)."]
    params = {"pairing": key, "dataset": dataset}
    if runs[0].config.seed != 0:
        params["seed"] = str(runs[0].config.seed)
    return params, []
