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

from dataclasses import fields
from typing import Any

import streamlit as st

from classroom.controls import NAMES
from gan_core.config import TrainConfig
from gan_core.data.images import DatasetUnavailable
from gan_core.presets import PRESETS
from ui import conv_by_hand, dirac, inside, lab, latent, playground, present, teacher
from ui.actions import load_preset
from ui.images import preset_missing_reason, shared_dataset
from ui.pages import BY_URL, PAGES, PageInfo
from ui.playground import ARCHITECTURE_FIELDS
from ui.state import clear_widget_state, run_for, session_runs
from ui.url_values import (
    USER_DATA,
    WidgetParam,
    config_params,
    flag,
    many,
    parse_config_params,
    show_value,
    shown,
)

# Run settings a single-run page writes (where they differ from the preset's): the live controls, and
# g_ema, which the smoothed view's toggle sets when it starts a weight average; and the extra ones each
# page offers controls for.
COMMON_SETTINGS = (*NAMES, "g_ema")
PAGE_SETTINGS: dict[str, tuple[str, ...]] = {
    "playground": ("dataset", *ARCHITECTURE_FIELDS),
    "theory": ("dataset",),
    "image-gan": ("dataset",),
    "inside": ("dataset",),
}
DATA_CHOICES: dict[str, tuple[str, ...]] = {
    "playground": ("ring8", "grid25", "spiral", "moons"),
    "theory": ("gauss1d", "bimodal1d"),
    "image-gan": ("digits", "shapes", "mnist", "fashion"),
    "inside": ("digits", "shapes", "mnist", "fashion"),
}
IMAGE_DATA = ("mnist", "fashion", "shapes", "digits")
GLOBAL_PARAMS = ("present", "hide")


# Page controls that are not run settings, declared beside their widgets' helpers.
WIDGET_PARAMS: dict[str, tuple[WidgetParam, ...]] = {
    "overview": (playground.WALK,),
    "playground": playground.FIELD_PARAMS,
    "latent-space": latent.PARAMS,
    "mode-collapse": (lab.HEATMAP,),
    "inside": inside.PARAMS + conv_by_hand.PARAMS,
    "theory": dirac.PARAMS,
}


# --- Streamlit glue ----------------------------------------------------------------------------------
SIGNATURE = "_url_signature"  # the query string this session last applied or wrote
MESSAGES = "_url_messages"


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


def _context(page: PageInfo, source: str | None = None) -> Any:
    return latent.context(source) if page.url_path == "latent-space" else None


def _page_settings(page: PageInfo) -> tuple[str, ...]:
    return COMMON_SETTINGS + PAGE_SETTINGS.get(page.url_path, ())


def _known(page: PageInfo) -> set[str]:
    names = {p.name for p in WIDGET_PARAMS.get(page.url_path, ())} | set(GLOBAL_PARAMS)
    if page.url_path == "mode-collapse":
        return names | set(lab.PARAMS) | set(COMMON_SETTINGS)
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
            messages.append(f"Ignored {name}={shown(value)} from the link: not a setting of the {page.title} page.")
    page_params = {k: v for k, v in params.items() if k in known and k not in GLOBAL_PARAMS}
    if page_params:  # a link to this page: it describes the whole screen
        if page.url_path == "mode-collapse":
            messages += lab.apply_link(page_params)
        elif page.url_path != "board":
            messages += _apply_run_settings(page, page_params)
        messages += _apply_widgets(page, page_params)
    st.session_state[MESSAGES] = messages
    return messages


def _apply_global(params: dict[str, str]) -> list[str]:
    messages = []
    if "present" in params:
        try:
            present.set_presenting(flag(params["present"]))
        except ValueError as exc:
            messages.append(f"Ignored present={shown(params['present'])} from the link: it {exc}.")
    if "hide" in params:
        try:
            present.set_hidden_controls(many(tuple(present.HIDEABLE))(params["hide"]))
        except ValueError as exc:
            messages.append(f"Ignored hide={shown(params['hide'])} from the link: it {exc}.")
    return messages


def _offers(page: PageInfo, preset: str) -> bool:
    return preset in PRESETS and (not page.preset_choices or preset in page.preset_choices)


def _apply_run_settings(page: PageInfo, params: dict[str, str]) -> list[str]:
    slot = page.slots[0]
    runs = session_runs()
    messages: list[str] = []
    preset = params.pop("preset", None)
    current_preset = runs.presets.get(slot, page.presets[0])
    if preset is None:
        preset = current_preset
    elif not _offers(page, preset):
        offered = page.preset_choices or tuple(PRESETS)
        messages.append(
            f"The link asks for preset {shown(preset)}, which this page does not offer; showing {current_preset} "
            f"instead. Presets here: {', '.join(offered)}."
        )
        preset = current_preset
    elif reason := preset_missing_reason(preset):
        messages.append(
            f"The link asks for preset {shown(preset)}, but its data is not on this computer; showing "
            f"{current_preset} instead. {reason}"
        )
        preset = current_preset
    smoothed = False  # a link describes the whole screen: the smoothed view is off unless it says on
    if "smoothed_view" in params:
        try:
            smoothed = flag(params.pop("smoothed_view"))
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
            f"The link asks for preset {shown(preset)}, but its data is not on this computer; showing "
            f"{current_preset} instead. {exc}"
        )
    return messages


def _apply_widgets(page: PageInfo, params: dict[str, str]) -> list[str]:
    messages: list[str] = []
    source = params.get("source")
    ctx = _context(page, source if source in latent.SOURCES else "pretrained")  # the source this link sets
    for spec in WIDGET_PARAMS.get(page.url_path, ()):
        value = spec.default_value(ctx)
        if spec.name in params:
            try:
                value = spec.parse(params[spec.name], ctx)
            except ValueError as exc:
                messages.append(f"Ignored {spec.name}={shown(params[spec.name])} from the link: it {exc}.")
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


# --- checking a link before anybody opens it ---------------------------------------------------------
def check_link(page_name: str, params: dict[str, str]) -> str:
    """The url_path of the page a lesson step's link opens (classroom.lesson_plan), or ValueError
    saying what opening it would ignore: the rules above, without touching any session."""
    page = BY_URL.get(page_name) if page_name else next(p for p in PAGES if p.default)
    if page is None:
        raise ValueError(f"opens no page of the app (pages: {', '.join(p.url_path for p in PAGES)})")
    known = _known(page)
    problems = [f"{name} is not a setting of the {page.title} page." for name in params if name not in known]
    run_params = {k: v for k, v in params.items() if k in known and k not in GLOBAL_PARAMS}
    if page.url_path == "mode-collapse":
        problems += lab.parse_link(run_params)[3]
    elif page.url_path != "board" and run_params:
        preset = run_params.get("preset", page.presets[0])
        if not _offers(page, preset):
            problems.append(f"The {page.title} page offers no preset {shown(preset)}.")
        else:
            settings = {k: v for k, v in run_params.items() if k in _page_settings(page)}
            if "smoothed_view" in run_params:
                problems += _parse_problems("smoothed_view", run_params["smoothed_view"], flag)
            data = DATA_CHOICES.get(page.url_path, ())
            problems += parse_config_params(settings, preset, _page_settings(page), data)[1]
    source = params.get("source")
    ctx = _context(page, source if source in ("pretrained", "pretrained-fashion") else "pretrained")
    for spec in WIDGET_PARAMS.get(page.url_path, ()):
        if spec.name in params:
            problems += _parse_problems(spec.name, params[spec.name], lambda text, spec=spec: spec.parse(text, ctx))
    for name, parse in (("present", flag), ("hide", many(tuple(present.HIDEABLE)))):
        if name in params:
            problems += _parse_problems(name, params[name], parse)
    if problems:
        raise ValueError("would not open as written: " + " ".join(problems))
    return page.url_path


def _parse_problems(name: str, text: str, parse) -> list[str]:
    try:
        parse(text)
    except ValueError as exc:
        return [f"{name}={shown(text)} {exc}."]
    return []


# --- writing ------------------------------------------------------------------------------------------
def page_params(page: PageInfo) -> tuple[dict[str, str], list[str]]:
    """The URL parameters that reproduce this page as the session shows it now, and notes on what
    a link cannot carry."""
    params: dict[str, str] = {}
    notes: list[str] = []
    if page.url_path == "mode-collapse":
        params, notes = lab.link_params()
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
        if spec.name == "source" and value not in latent.SOURCES:
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
