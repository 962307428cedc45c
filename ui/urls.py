"""The URL reproduces the screen: every control a page shows is written to the address bar as it
changes, and a link opened later (by the teacher's class) sets the page up the same way.

What a page's URL holds:
- single-run pages: `preset`, then every setting of the run that differs from the preset's (the
  live hyperparameters, seed, and where the page offers them the data and the architecture);
- the Mode collapse lab: `pairing`, `dataset`, `seed` (both runs), `heatmap`;
- page controls that are not run settings (the playground's layers, the latent page's source,
  seeds, frames...): `WIDGET_PARAMS` below;
- everywhere: `present=1` (presentation mode) and `hide=` (what it hides).

A link with any setting of a page describes the whole screen: what it leaves out is the
preset's value or the control's default. A page reached without parameters (the sidebar's
navigation) keeps the session's state and writes it back. An unknown or invalid parameter gives
one line of explanation and is dropped; the rest still applies. Streamlit's own `embed` and
`embed_options` are left alone (st.query_params never touches them), and the teacher key
(ui.teacher) is never written.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import streamlit as st

from classroom.controls import NAMES
from classroom.pairings import DEFAULT_PAIRING, LAB_DATA, PAIRINGS, current_pairing
from gan_core.config import TrainConfig
from gan_core.data.images import DatasetUnavailable
from gan_core.presets import PRESETS
from ui import present, teacher
from ui.actions import LAB_SLOTS, load_pairing, load_preset
from ui.images import preset_missing_reason, pretrained_generator, shared_dataset
from ui.pages import PageInfo
from ui.playground import ARCHITECTURE_FIELDS, DEFAULT_LAYERS, LAYER_KEYS
from ui.state import clear_widget_state, run_for, session_runs

# Run settings a single-run page writes (where they differ from the preset's): the live controls, and
# g_ema, which the smoothed view's toggle sets when it starts a weight average; and the extra ones each
# page offers controls for.
COMMON_SETTINGS = (*NAMES, "g_ema")
PAGE_SETTINGS: dict[str, tuple[str, ...]] = {
    "playground": ("dataset", *ARCHITECTURE_FIELDS),
    "theory": ("dataset",),
    "image-gan": ("dataset",),
}
DATA_CHOICES: dict[str, tuple[str, ...]] = {
    "playground": ("ring8", "grid25", "spiral", "moons"),
    "theory": ("gauss1d", "bimodal1d"),
    "image-gan": ("digits", "shapes", "mnist", "fashion"),
}
USER_DATA = ("custom", "custom-images")  # the user's own points or images: a link cannot carry them
IMAGE_DATA = ("mnist", "fashion", "shapes", "digits")
LAB_PARAMS = ("pairing", "dataset", "seed", "heatmap", "preset")
GLOBAL_PARAMS = ("present", "hide")
LATENT_SOURCES = ("pretrained", "pretrained-fashion", "run")  # "upload" needs the file itself


# --- parsing values from the URL (pure) ------------------------------------------------------------
def _flag(text: str, _ctx: Any = None) -> bool:
    low = text.strip().lower()
    if low in ("1", "true", "on", "yes"):
        return True
    if low in ("0", "false", "off", "no"):
        return False
    raise ValueError("must be 1 or 0")


def _int_in(lo: int, hi: int | Callable[[Any], int]) -> Callable[[str, Any], int]:
    def parse(text: str, ctx: Any = None) -> int:
        top = hi(ctx) if callable(hi) else hi
        try:
            value = float(text)
        except ValueError:
            raise ValueError("must be a whole number") from None
        if not math.isfinite(value) or value != int(value):
            raise ValueError("must be a whole number")
        if not lo <= value <= top:
            raise ValueError(f"must be between {lo} and {top}")
        return int(value)

    return parse


def _float_in(lo: float, hi: float, step: float) -> Callable[[str, Any], float]:
    def parse(text: str, _ctx: Any = None) -> float:
        try:
            value = float(text)
        except ValueError:
            raise ValueError("must be a number") from None
        if not (math.isfinite(value) and lo <= value <= hi):
            raise ValueError(f"must be between {lo:g} and {hi:g}")
        snapped = round(round((value - lo) / step) * step + lo, 6)  # the slider's own grid
        return snapped

    return parse


def _choice(options: tuple[str, ...]) -> Callable[[str, Any], str]:
    def parse(text: str, _ctx: Any = None) -> str:
        if text not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return text

    return parse


def _many(options: tuple[str, ...]) -> Callable[[str, Any], list[str]]:
    def parse(text: str, _ctx: Any = None) -> list[str]:
        picked = [t for t in text.split(",") if t]
        bad = [t for t in picked if t not in options]
        if bad:
            raise ValueError(f"must list some of {', '.join(options)}")
        return [o for o in options if o in picked]

    return parse


def show_value(value: Any) -> str:
    """A value as the URL writes it."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value)


@dataclass(frozen=True)
class WidgetParam:
    """A page control that is not a run setting, kept in st.session_state[key] (or key(ctx))."""

    name: str  # in the URL
    key: str | Callable[[Any], str]
    default: Any  # or default(ctx)
    parse: Callable[[str, Any], Any]

    def state_key(self, ctx: Any) -> str:
        return self.key(ctx) if callable(self.key) else self.key

    def default_value(self, ctx: Any) -> Any:
        return self.default(ctx) if callable(self.default) else self.default


@dataclass(frozen=True)
class LatentContext:
    """What the latent page's controls depend on: the explored generator's noise."""

    noise: str
    dim: int


def _walk_range_default(ctx: LatentContext) -> float:
    return 3.0 if ctx.noise == "gaussian" else 1.0


def _extent_default(ctx: LatentContext) -> float:
    return 2.5 if ctx.noise == "gaussian" else 1.0


WIDGET_PARAMS: dict[str, tuple[WidgetParam, ...]] = {
    "overview": (WidgetParam("walk", "ov:walk", False, _flag),),
    "playground": (
        WidgetParam("show", "pg:layers", list(DEFAULT_LAYERS), _many(LAYER_KEYS)),
        WidgetParam("arrows_to_scale", "pg:arrows-to-scale", False, _flag),
    ),
    "latent-space": (
        WidgetParam("source", "latent:source", "pretrained", _choice(LATENT_SOURCES)),
        WidgetParam("seed_a", "latent:seed-a", 1, _int_in(0, 100_000)),
        WidgetParam("seed_b", "latent:seed-b", 2, _int_in(0, 100_000)),
        WidgetParam("frames", "latent:frames", 9, _int_in(5, 15)),
        WidgetParam("t", "latent:t", 0.5, _float_in(0.0, 1.0, 0.05)),
        WidgetParam("walk_dim", "latent:walk-dim", 0, _int_in(0, lambda ctx: ctx.dim - 1)),
        WidgetParam(
            "walk_range", lambda ctx: f"latent:walk-range:{ctx.noise}", _walk_range_default, _float_in(0.5, 4.0, 0.5)
        ),
        WidgetParam("plane", "latent:plane-mode", "seeds", _choice(("seeds", "dims"))),
        WidgetParam("seed_c", "latent:seed-c", 3, _int_in(0, 100_000)),
        WidgetParam("plane_d1", "latent:plane-d1", 0, _int_in(0, lambda ctx: ctx.dim - 1)),
        WidgetParam(
            "plane_d2", "latent:plane-d2", lambda ctx: min(1, ctx.dim - 1), _int_in(0, lambda ctx: ctx.dim - 1)
        ),
        WidgetParam(
            "extent", lambda ctx: f"latent:plane-extent:{ctx.noise}", _extent_default, _float_in(0.5, 4.0, 0.5)
        ),
    ),
    "mode-collapse": (WidgetParam("heatmap", "lab:heatmap", False, _flag),),
}


def config_params(config: TrainConfig, preset: str, allowed: tuple[str, ...]) -> dict[str, str]:
    """`preset` and every `allowed` setting of `config` that differs from the preset's."""
    base = PRESETS[preset].config
    out = {"preset": preset}
    for f in fields(TrainConfig):
        if f.name in allowed and getattr(config, f.name) != getattr(base, f.name):
            out[f.name] = show_value(getattr(config, f.name))
    return out


def parse_config_params(
    params: dict[str, str], preset: str, allowed: tuple[str, ...], data_choices: tuple[str, ...] = ()
) -> tuple[TrainConfig, list[str]]:
    """The preset's config with every valid setting of `params` applied, and one message per
    setting that could not be (invalid, not offered by this page, or data a link cannot carry)."""
    config = PRESETS[preset].config
    messages: list[str] = []
    for name, text in params.items():
        if name not in allowed:
            messages.append(f"Ignored {name}={_shown(text)} from the link: this page has no {name} control.")
            continue
        if name == "dataset" and text in USER_DATA:
            messages.append(
                "The link's setup trained on someone's own data, which a link cannot carry: "
                f"showing {config.dataset} instead (add your own data on the page)."
            )
            continue
        if name == "dataset" and data_choices and text not in data_choices:
            messages.append(
                f"Ignored dataset={_shown(text)} from the link: this page offers {', '.join(data_choices)}."
            )
            continue
        try:
            config = config.replace(**{name: text})
        except ValueError as exc:
            messages.append(f"Ignored {name}={_shown(text)} from the link: {_escape(str(exc)[:160])}.")
    return config, messages


# --- Streamlit glue ----------------------------------------------------------------------------------
SIGNATURE = "_url_signature"  # the query string this session last applied or wrote
MESSAGES = "_url_messages"


def _escape(text: str) -> str:
    """No markdown from a URL reaches the page: a link cannot put a clickable link or formatting
    into a message."""
    for char in "\\`*_[]()<>#|!~$":
        text = text.replace(char, "\\" + char)
    return text


def _shown(value: str) -> str:
    """A value from the URL, quoted in a message, short and escaped."""
    return f"“{_escape(value if len(value) <= 40 else value[:39] + '…')}”"


SEEN = "_url_seen"
SEEN_MAX = 64


def _seen() -> list[tuple]:
    return st.session_state.setdefault(SEEN, [])


def _remember(signature: tuple) -> None:
    seen = _seen()
    if signature not in seen:
        seen.append(signature)
        del seen[:-SEEN_MAX]


def _current_params() -> dict[str, str]:
    return {k: st.query_params.get(k) for k in st.query_params.keys()}


def _signature(params: dict[str, str]) -> tuple:
    return tuple(sorted(params.items()))


def _latent_context(source: str | None = None) -> LatentContext:
    source = source or st.session_state.get("latent:source") or "pretrained"
    if source == "run":
        cfg = run_for("images", "digits").config
    elif source == "upload" and st.session_state.get("latent:uploaded"):
        cfg = st.session_state["latent:uploaded"][0]
    elif source == "pretrained-fashion":
        cfg = pretrained_generator("fashion")[0]
    else:
        cfg = pretrained_generator()[0]
    return LatentContext(cfg.noise, cfg.noise_dim)


def _context(page: PageInfo, source: str | None = None) -> Any:
    return _latent_context(source) if page.url_path == "latent-space" else None


def _page_settings(page: PageInfo) -> tuple[str, ...]:
    return COMMON_SETTINGS + PAGE_SETTINGS.get(page.url_path, ())


def _known(page: PageInfo) -> set[str]:
    names = {p.name for p in WIDGET_PARAMS.get(page.url_path, ())} | set(GLOBAL_PARAMS)
    if page.url_path == "mode-collapse":
        return names | set(LAB_PARAMS) | set(COMMON_SETTINGS)
    if page.url_path == "board":
        return names
    return names | {"preset"} | set(_page_settings(page))


def apply_query_params(page: PageInfo) -> list[str]:
    """Apply the link in the address bar to this session, once; returns messages for the user."""
    messages: list[str] = []
    note = teacher.claim_from_url()  # first: the key leaves the URL in this very run
    if note:
        messages.append(note)
    params = _current_params()
    signature = (page.url_path, _signature(params))
    last = st.session_state.get(SIGNATURE)
    if last == signature:
        return messages + st.session_state.get(MESSAGES, [])
    if signature in _seen():
        # A query string this session already applied or wrote: a rerun that raced the address bar's
        # update (a click right after the page rewrote its URL) must not undo the click.
        return messages
    if last is not None and last[0] != page.url_path and last[1] == signature[1]:
        params = {}  # another page's parameters, left in the URL by a page switch: not a link
    st.session_state[SIGNATURE] = signature
    _remember(signature)
    messages += _apply_global(params)
    known = _known(page)
    for name, value in params.items():
        if name not in known and name not in GLOBAL_PARAMS:
            messages.append(f"Ignored {name}={_shown(value)} from the link: not a setting of the {page.title} page.")
    page_params = {k: v for k, v in params.items() if k in known and k not in GLOBAL_PARAMS}
    if page_params:  # a link to this page: it describes the whole screen
        if page.url_path == "mode-collapse":
            messages += _apply_lab(page, page_params)
        elif page.url_path != "board":
            messages += _apply_run_settings(page, page_params)
        messages += _apply_widgets(page, page_params)
    st.session_state[MESSAGES] = messages
    return messages


def _apply_global(params: dict[str, str]) -> list[str]:
    messages = []
    if "present" in params:
        try:
            present.set_presenting(_flag(params["present"]))
        except ValueError as exc:
            messages.append(f"Ignored present={_shown(params['present'])} from the link: it {exc}.")
    if "hide" in params:
        try:
            present.set_hidden_controls(_many(tuple(present.HIDEABLE))(params["hide"]))
        except ValueError as exc:
            messages.append(f"Ignored hide={_shown(params['hide'])} from the link: it {exc}.")
    return messages


def _apply_run_settings(page: PageInfo, params: dict[str, str]) -> list[str]:
    slot = page.slots[0]
    runs = session_runs()
    messages: list[str] = []
    preset = params.pop("preset", None)
    current_preset = runs.presets.get(slot, page.presets[0])
    if preset is None:
        preset = current_preset
    elif preset not in PRESETS or (page.preset_choices and preset not in page.preset_choices):
        offered = page.preset_choices or tuple(PRESETS)
        messages.append(
            f"The link asks for preset {_shown(preset)}, which this page does not offer; showing {current_preset} "
            f"instead. Presets here: {', '.join(offered)}."
        )
        preset = current_preset
    elif reason := preset_missing_reason(preset):
        messages.append(
            f"The link asks for preset {_shown(preset)}, but its data is not on this computer; showing "
            f"{current_preset} instead. {reason}"
        )
        preset = current_preset
    smoothed = False  # a link describes the whole screen: the smoothed view is off unless it says on
    if "smoothed_view" in params:
        try:
            smoothed = _flag(params.pop("smoothed_view"))
        except ValueError as exc:
            messages.append(f"Ignored smoothed_view from the link: it {exc}.")
    desired, problems = parse_config_params(
        {k: v for k, v in params.items() if k in _page_settings(page)},
        preset,
        _page_settings(page),
        DATA_CHOICES.get(page.url_path, ()),
    )
    messages += problems
    run = run_for(slot, page.presets[0])
    if desired == run.config and preset == current_preset:
        run.set_view(smoothed)
        return messages
    if preset == current_preset and not desired.restart_fields(run.config):
        changes = {f.name: getattr(desired, f.name) for f in fields(TrainConfig)}
        changes = {k: v for k, v in changes.items() if getattr(run.config, k) != v}
        run.update(**changes)  # live settings: the run keeps its weights and goes on
        run.set_view(smoothed)
        clear_widget_state(slot)
        return messages
    data = None
    if desired.dataset in IMAGE_DATA:
        try:
            data = shared_dataset(desired.dataset)
        except DatasetUnavailable:
            messages.append(
                f"The link's data set {desired.dataset} is not on this computer yet: showing "
                f"{PRESETS[preset].config.dataset} (download it on the Image GAN page)."
            )
            desired = desired.replace(dataset=PRESETS[preset].config.dataset)
    overrides = {
        f.name: getattr(desired, f.name)
        for f in fields(TrainConfig)
        if getattr(desired, f.name) != getattr(PRESETS[preset].config, f.name)
    }
    try:
        load_preset(slot, preset, data=data, **overrides).set_view(smoothed)
    except DatasetUnavailable as exc:  # the preset's own data (Fashion-MNIST) is not on this computer
        messages.append(
            f"The link asks for preset {_shown(preset)}, but its data is not on this computer; showing "
            f"{current_preset} instead. {exc}"
        )
    return messages


def _apply_lab(page: PageInfo, params: dict[str, str]) -> list[str]:
    messages: list[str] = []
    pairing, dataset, seed = DEFAULT_PAIRING, None, 0
    if "pairing" in params:
        if params["pairing"] in PAIRINGS:
            pairing = params["pairing"]
        else:
            messages.append(
                f"Ignored pairing={_shown(params['pairing'])} from the link: pairings are {', '.join(PAIRINGS)}."
            )
    if "preset" in params:
        mapped = [d.name for d in LAB_DATA.values() if params["preset"] in (d.collapse_preset, d.healthy_preset)]
        if mapped:
            dataset = mapped[0]
        else:
            messages.append(
                f"Ignored preset={_shown(params['preset'])} from the link: the lab compares two runs on "
                f"{', '.join(LAB_DATA)} (pick them with pairing= and dataset=)."
            )
    if "dataset" in params:
        if params["dataset"] in LAB_DATA:
            dataset = params["dataset"]
        else:
            messages.append(
                f"Ignored dataset={_shown(params['dataset'])} from the link: the lab offers {', '.join(LAB_DATA)}."
            )
    if "seed" in params:
        try:
            seed = TrainConfig().replace(seed=params["seed"]).seed
        except ValueError as exc:
            messages.append(f"Ignored seed={_shown(params['seed'])} from the link: {_escape(str(exc)[:160])}.")
    for name in params:
        if name in COMMON_SETTINGS and name != "seed":
            messages.append(
                f"Ignored {name}={_shown(params[name])} from the link: the lab's two runs are set by their pairing."
            )
    dataset = dataset or "ring8"
    runs = [run_for(slot, preset) for slot, preset in zip(LAB_SLOTS, page.presets)]
    wanted = tuple(c.replace(seed=seed) for c in PAIRINGS[pairing].configs(dataset))
    if tuple(r.config for r in runs) != wanted:
        load_pairing(pairing, dataset, seed=seed)
    return messages


def _apply_widgets(page: PageInfo, params: dict[str, str]) -> list[str]:
    messages: list[str] = []
    source = params.get("source")
    ctx = _context(page, source if source in LATENT_SOURCES else "pretrained")  # the source this link sets
    for spec in WIDGET_PARAMS.get(page.url_path, ()):
        value = spec.default_value(ctx)
        if spec.name in params:
            try:
                value = spec.parse(params[spec.name], ctx)
            except ValueError as exc:
                messages.append(f"Ignored {spec.name}={_shown(params[spec.name])} from the link: it {exc}.")
        key = spec.state_key(ctx)
        if st.session_state.get(key) != value:
            st.session_state[key] = value
    return messages


def seed_widget_defaults(page: PageInfo) -> None:
    """Give the page's URL-backed controls their defaults before the page draws them (so the
    widgets are built without a `value=` that would fight the URL's)."""
    specs = WIDGET_PARAMS.get(page.url_path, ())
    if not specs:
        return
    ctx = _context(page)
    for spec in specs:
        st.session_state.setdefault(spec.state_key(ctx), spec.default_value(ctx))


# --- writing ------------------------------------------------------------------------------------------
def page_params(page: PageInfo) -> tuple[dict[str, str], list[str]]:
    """The URL parameters that reproduce this page as the session shows it now, and notes on what
    a link cannot carry."""
    params: dict[str, str] = {}
    notes: list[str] = []
    if page.url_path == "mode-collapse":
        runs = [run_for(slot, preset) for slot, preset in zip(LAB_SLOTS, page.presets)]
        key, dataset = current_pairing(runs[0].config, runs[1].config)
        if key is not None:
            params["pairing"] = key
            params["dataset"] = dataset
            if runs[0].config.seed != 0:
                params["seed"] = str(runs[0].config.seed)
        else:
            notes.append("These runs were set up by hand: the link carries no pairing (pick one to share it).")
    elif page.url_path != "board" and page.slots:
        slot = page.slots[0]
        run = run_for(slot, page.presets[0])
        preset = session_runs().presets.get(slot, page.presets[0])
        params.update(config_params(run.config, preset, _page_settings(page)))
        if run.smoothed_view:
            params["smoothed_view"] = "1"
        if params.get("dataset") in USER_DATA:
            del params["dataset"]
            notes.append("Your own data stays on this computer: the link opens the preset's data instead.")
    ctx = _context(page)
    for spec in WIDGET_PARAMS.get(page.url_path, ()):
        value = st.session_state.get(spec.state_key(ctx), spec.default_value(ctx))
        if spec.name == "source" and value not in LATENT_SOURCES:
            notes.append("A checkpoint you uploaded stays on this computer: the link opens the pretrained generator.")
            continue
        if value != spec.default_value(ctx):
            params[spec.name] = show_value(value)
    if present.presenting():
        params["present"] = "1"
        if present.hidden_controls() != present.DEFAULT_HIDDEN:
            params["hide"] = show_value(present.hidden_controls())
    return params, notes


def write_query_params(page: PageInfo) -> tuple[dict[str, str], list[str]]:
    """Put the page's state in the address bar (only when it changed); returns (params, notes)."""
    params, notes = page_params(page)
    if _current_params() != params:
        st.query_params.from_dict(params)
    st.session_state[SIGNATURE] = (page.url_path, _signature(params))
    _remember(st.session_state[SIGNATURE])
    return params, notes


def link(page: PageInfo, params: dict[str, str]) -> str:
    """The link to this page with `params`, relative to the app's root (works under a base path)."""
    from urllib.parse import urlencode

    query = urlencode(params)
    return f"./{page.url_path if not page.default else ''}" + (f"?{query}" if query else "")
