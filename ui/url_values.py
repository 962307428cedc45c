"""Values in a link, parsed and written (pure: no Streamlit): the page's controls' parsers, a run's
settings as URL parameters and back, and how a value from a URL is quoted in a message.

Every parser raises ValueError with the end of a sentence ("must be between 0 and 100000"), which
ui.urls turns into one line of explanation for the user; the rest of the link still applies.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

from gan_core.config import TrainConfig
from gan_core.presets import PRESETS

USER_DATA = ("custom", "custom-images")  # the user's own points or images: a link cannot carry them


def flag(text: str, _ctx: Any = None) -> bool:
    low = text.strip().lower()
    if low in ("1", "true", "on", "yes"):
        return True
    if low in ("0", "false", "off", "no"):
        return False
    raise ValueError("must be 1 or 0")


def int_in(lo: int, hi: int | Callable[[Any], int]) -> Callable[[str, Any], int]:
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


def float_in(lo: float, hi: float, step: float) -> Callable[[str, Any], float]:
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


def choice(options: tuple[str, ...]) -> Callable[[str, Any], str]:
    def parse(text: str, _ctx: Any = None) -> str:
        if text not in options:
            raise ValueError(f"must be one of {', '.join(options)}")
        return text

    return parse


def many(options: tuple[str, ...]) -> Callable[[str, Any], list[str]]:
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
            messages.append(f"Ignored {name}={shown(text)} from the link: this page has no {name} control.")
            continue
        if name == "dataset" and text in USER_DATA:
            messages.append(
                "The link's setup trained on someone's own data, which a link cannot carry: "
                f"showing {config.dataset} instead (add your own data on the page)."
            )
            continue
        if name == "dataset" and data_choices and text not in data_choices:
            messages.append(f"Ignored dataset={shown(text)} from the link: this page offers {', '.join(data_choices)}.")
            continue
        try:
            config = config.replace(**{name: text})
        except ValueError as exc:
            messages.append(f"Ignored {name}={shown(text)} from the link: {escape(str(exc)[:160])}.")
    return config, messages


def escape(text: str) -> str:
    """No markdown from a URL reaches the page: a link cannot put a clickable link or formatting
    into a message."""
    for char in "\\`*_[]()<>#|!~$":
        text = text.replace(char, "\\" + char)
    return text


def shown(value: str) -> str:
    """A value from the URL, quoted in a message, short and escaped."""
    return f"“{escape(value if len(value) <= 40 else value[:39] + '…')}”"
