"""TrainConfig: one frozen, validated description of a GAN training run.

Every hyperparameter change (from a slider, a URL, the CLI) goes through `TrainConfig.replace`,
which validates first and returns a new value: an invalid value raises one `ValueError` that
names the field and the allowed range, and nothing changes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields
from dataclasses import replace as dc_replace
from typing import Any

TOY_DATASETS = ("gauss1d", "bimodal1d", "ring8", "grid25", "spiral", "moons", "custom")
IMAGE_DATASETS = ("digits", "shapes", "mnist", "fashion", "custom-images")
DATASETS = TOY_DATASETS + IMAGE_DATASETS
MODELS = ("mlp", "dcgan")
ACTIVATIONS = ("relu", "leaky_relu", "tanh", "elu", "silu")
NOISE = ("gaussian", "uniform")
LOSSES = ("minimax", "nonsaturating", "least-squares", "wgan-gp", "hinge")
# Where D's verdict flips from "fake" to "real", on the scale the pages show D's output: a probability
# for the BCE losses (logit 0), the raw score otherwise (least squares: targets 0 and 1; hinge: margins
# around 0). None for the Wasserstein critic, whose scores have a free offset: its accuracy is counted
# against the midpoint of the mean real and fake scores of each batch (Trainer._judge). Kept here,
# without torch, so the figures can use it; losses.py checks it against each loss's threshold.
DECISION_POINTS: dict[str, float | None] = {
    "minimax": 0.5,
    "nonsaturating": 0.5,
    "least-squares": 0.5,
    "wgan-gp": None,
    "hinge": 0.0,
}
OPTIMIZERS = ("adam", "sgd")
DEVICES = ("cpu", "cuda", "auto")

# Fields that can change while a run trains (applied at the next step). Everything else
# changes the networks or the data, so it needs a fresh run.
LIVE_FIELDS = frozenset(
    {
        "lr_g",
        "lr_d",
        "beta1",
        "beta2",
        "batch_size",
        "d_steps",
        "g_steps",
        "loss",
        "gp_weight",
        "r1_weight",
        "r1_every",
        "optimizer_g",
        "optimizer_d",
        "steps",
        "g_ema",
        "lr_halflife",
        "lr_floor",
    }
)

MAX_BATCH = 4096

# (min, max) inclusive numeric ranges; "open" lower bounds are handled in _check_number.
_INT_RANGES: dict[str, tuple[int, int]] = {
    "g_layers": (1, 8),
    "d_layers": (1, 8),
    "g_width": (2, 1024),
    "d_width": (2, 1024),
    "noise_dim": (1, 256),
    "batch_size": (1, MAX_BATCH),
    "d_steps": (1, 20),
    "g_steps": (1, 20),
    "seed": (0, 2**31 - 1),
    "steps": (1, 10_000_000),
    "lr_halflife": (0, 10_000_000),
    "r1_every": (1, 64),
}
_FLOAT_RANGES: dict[str, tuple[float, float, bool]] = {
    # name: (low, high, low_is_exclusive)
    "lr_g": (0.0, 1.0, True),
    "lr_floor": (0.0, 1.0, False),
    "lr_d": (0.0, 1.0, True),
    "beta1": (0.0, 0.999, False),
    "beta2": (0.0, 0.9999, False),
    "gp_weight": (0.0, 1000.0, False),
    "r1_weight": (0.0, 1000.0, False),
    "g_ema": (0.0, 0.9999, False),
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "dataset": DATASETS,
    "model": MODELS,
    "activation": ACTIVATIONS,
    "noise": NOISE,
    "loss": LOSSES,
    "optimizer_g": OPTIMIZERS,
    "optimizer_d": OPTIMIZERS,
    "device": DEVICES,
}
_BOOLS = ("minibatch_std", "batchnorm")


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines a run. Defaults are a healthy small 2D GAN."""

    dataset: str = "ring8"
    model: str = "mlp"
    g_layers: int = 2
    g_width: int = 128
    d_layers: int = 2
    d_width: int = 128
    activation: str = "relu"
    noise_dim: int = 2
    noise: str = "gaussian"
    loss: str = "nonsaturating"
    optimizer_g: str = "adam"
    optimizer_d: str = "adam"
    lr_g: float = 1e-3
    lr_d: float = 1e-3
    beta1: float = 0.5
    beta2: float = 0.999
    batch_size: int = 256
    d_steps: int = 1
    g_steps: int = 1
    gp_weight: float = 10.0
    # Weight of the R1 penalty (losses.r1_penalty: D's squared slope at the real points); 0 = off.
    # A pointwise cure for D overshooting around the modes, so D's map stays its verdict.
    r1_weight: float = 0.0
    # Lazy R1 (StyleGAN2): the penalty on every `r1_every`-th D update only, weighted r1_weight *
    # r1_every so that its average pull stays the same; the updates in between skip its second
    # backward pass (the slowest part of a D update on the small 2-D networks). 1 = every update.
    r1_every: int = 1
    # Learning-rate decay: each learning rate halves every `lr_halflife` steps after it was set, down to
    # `lr_floor` of the set value; 0 keeps them constant. With a constant rate G never settles: every
    # update moves its samples by about as much as the lr allows (~0.1 on the plane at 1e-3), more
    # than a tight mode is wide (ring8: std 0.02), so G's samples keep jittering around the modes.
    lr_halflife: int = 0
    lr_floor: float = 0.1
    minibatch_std: bool = False  # D sees the batch's feature spread: a classic collapse cure
    batchnorm: bool = False  # batch norm in the DCGAN generator
    # Keep an exponential moving average of G's weights when > 0 (e.g. 0.99): it averages out
    # the step-to-step jitter of GAN training (Yazici et al. 2019) while lagging ~1/(1 - g_ema)
    # steps behind G. It never trains and never feeds back: it is only something to look at, when a
    # run's view asks for it (TrainingRun.set_view: a view, not a training setting).
    g_ema: float = 0.0
    seed: int = 0
    device: str = "cpu"
    steps: int = 3000  # default length of a run (CLI, "healthy presets converge within it")

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def is_image(self) -> bool:
        return self.dataset in IMAGE_DATASETS

    def replace(self, **changes: Any) -> TrainConfig:
        """A validated copy with `changes`; raises ValueError (and changes nothing) if invalid."""
        unknown = sorted(set(changes) - _FIELD_NAMES)
        if unknown:
            raise ValueError(f"unknown setting {unknown[0]!r}; known settings: {', '.join(sorted(_FIELD_NAMES))}")
        return dc_replace(self, **{k: _coerce(k, v) for k, v in changes.items()})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainConfig:
        return cls().replace(**data)

    def restart_fields(self, other: TrainConfig) -> list[str]:
        """Fields that differ from `other` and cannot change on a live run."""
        return [
            f.name
            for f in fields(self)
            if f.name not in LIVE_FIELDS and getattr(self, f.name) != getattr(other, f.name)
        ]


_FIELD_NAMES = frozenset(f.name for f in fields(TrainConfig))


def format_rate(value: float) -> str:
    """A learning rate (or another small setting) as every page writes it: 1e-3, 2.5e-4, 2.5e-5.
    Two significant digits where there are two, so a decayed 2.5e-4 never reads 3e-4."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def format_setting(value: Any) -> str:
    """A setting's value as pages, the lab and the class board print it: learning rates as 1e-4 or
    2.5e-5, switches as on/off, step counts with thousands separators."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float) and 0 < abs(value) < 0.01:
        return format_rate(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, int) and value >= 1000:
        return f"{value:,}"
    return str(value)


def _coerce(name: str, value: Any) -> Any:
    """Turn text from a URL, CSV or CLI into the field's type; leave other values to validation."""
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()  # numpy / torch scalars from a page or a test
    if not isinstance(value, str):
        return value
    text = value.strip()
    if name in _INT_RANGES:
        try:
            as_float = float(text)
        except ValueError:
            raise ValueError(f"{name} must be a whole number, got {value!r}") from None
        if not math.isfinite(as_float) or as_float != int(as_float):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        return int(as_float)
    if name in _FLOAT_RANGES:
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{name} must be a number, got {value!r}") from None
    if name in _BOOLS:
        low = text.lower()
        if low in ("1", "true", "yes", "on"):
            return True
        if low in ("0", "false", "no", "off"):
            return False
        raise ValueError(f"{name} must be true or false, got {value!r}")
    return text


def _check_number(name: str, value: Any, integer: bool) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        kind = "a whole number" if integer else "a number"
        raise ValueError(f"{name} must be {kind}, got {value!r}")
    if integer and (not float(value).is_integer() or isinstance(value, float)):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    if integer:
        low, high = _INT_RANGES[name]
        if not low <= value <= high:
            raise ValueError(f"{name} must be between {low} and {high}, got {value!r}")
    else:
        low, high, exclusive = _FLOAT_RANGES[name]
        too_low = value <= low if exclusive else value < low
        if too_low or value > high:
            bracket = "(" if exclusive else "["
            raise ValueError(f"{name} must be in {bracket}{low:g}, {high:g}], got {value!r}")


def _validate(cfg: TrainConfig) -> None:
    for name in _INT_RANGES:
        _check_number(name, getattr(cfg, name), integer=True)
    for name in _FLOAT_RANGES:
        _check_number(name, getattr(cfg, name), integer=False)
    for name, allowed in _CHOICES.items():
        value = getattr(cfg, name)
        if value not in allowed:
            raise ValueError(f"{name} must be one of {', '.join(allowed)}; got {value!r}")
    for name in _BOOLS:
        if not isinstance(getattr(cfg, name), bool):
            raise ValueError(f"{name} must be true or false, got {getattr(cfg, name)!r}")
    if cfg.model == "dcgan" and not cfg.is_image:
        raise ValueError(
            f"model 'dcgan' needs an image dataset ({', '.join(IMAGE_DATASETS)}); "
            f"dataset {cfg.dataset!r} is not one: use model 'mlp'"
        )
    if cfg.batchnorm and cfg.model != "dcgan":
        raise ValueError("batchnorm applies to the dcgan generator only; set model='dcgan' or batchnorm=False")
