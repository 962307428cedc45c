"""Checkpoints: save a run's networks to a file, load one back safely.

A `.pt` file is a pickle, and unpickling an arbitrary pickle can run arbitrary code: a
checkpoint shared by a student could delete files on the teacher's laptop. So every load goes
through `torch.load(weights_only=True)`, which only rebuilds tensors and plain containers
(dict, list, tuple, str, numbers, bool, None) and refuses anything else. A checkpoint written
here therefore holds only those: the config travels as a plain dict (`TrainConfig.to_dict`) and
is validated on the way back in, and the weights are checked against the networks that config
builds, so a wrong file fails with a message instead of a shape error deep inside torch.

Layout (a plain dict): format, config, data_shape, generator, and optionally generator_ema,
discriminator, opt_g, opt_d, step, d_updates, g_updates, lr_set_at, rng (what `Trainer.state_dict` holds).
"""

from __future__ import annotations

import copy
import io
import os
import pickle
import zipfile
from pathlib import Path
from typing import IO, Any

import torch
from torch import nn

from gan_core.config import TrainConfig
from gan_core.data import Dataset, get_dataset
from gan_core.models import build_models
from gan_core.trainer import Trainer

FORMAT = "gan-explainer-checkpoint/1"
MAX_CHECKPOINT_BYTES = 20 * 1024 * 1024
# Sample shapes of the built-in data sets, so a checkpoint can be checked without loading data.
_IMAGE_SHAPES = {"digits": (1, 8, 8), "shapes": (1, 16, 16), "mnist": (1, 28, 28), "fashion": (1, 28, 28)}
_ONE_D = ("gauss1d", "bimodal1d")

Source = bytes | bytearray | memoryview | str | os.PathLike | IO[bytes]


# --- saving ------------------------------------------------------------------------------------
def checkpoint_state(trainer_or_state: Any, *, discriminator: bool = True, optimizers: bool = True) -> dict[str, Any]:
    """The plain dict a checkpoint file holds, from a Trainer, a TrainingRun or a state dict
    (Trainer.state_dict / TrainingRun.checkpoint). Tensors are copied: the caller's run may
    keep training while the bytes are written."""
    data_shape = None
    source = trainer_or_state
    if hasattr(source, "checkpoint") and hasattr(source, "trainer"):  # a TrainingRun
        data_shape = source.trainer.dataset.shape
        state = source.checkpoint()  # already a deep copy taken under the run's lock
    elif hasattr(source, "checkpoint"):  # another run handle (a Ray actor's run): its state says the shape
        state = dict(source.checkpoint())
    elif isinstance(source, Trainer):
        data_shape = source.dataset.shape
        state = copy.deepcopy(source.state_dict())
    elif isinstance(source, dict):
        state = dict(source)
    else:
        raise TypeError(f"expected a Trainer, a TrainingRun or a state dict, got {type(source).__name__}")
    config = state.get("config")
    if isinstance(config, TrainConfig):
        config = config.to_dict()
    out: dict[str, Any] = {"format": FORMAT, "config": dict(config or {})}
    shape = data_shape if data_shape is not None else state.get("data_shape")
    if shape is not None:
        out["data_shape"] = [int(s) for s in shape]
    out["generator"] = state["generator"]
    if "generator_ema" in state:  # the weight average samples are shown from (config g_ema > 0)
        out["generator_ema"] = state["generator_ema"]
    if discriminator and "discriminator" in state:
        out["discriminator"] = state["discriminator"]
    if optimizers and discriminator:
        out.update({k: state[k] for k in ("opt_g", "opt_d") if k in state})
    out.update({k: int(state[k]) for k in ("step", "d_updates", "g_updates") if k in state})
    if "lr_set_at" in state:  # where the learning-rate schedule counts from (Trainer.lr_factor)
        out["lr_set_at"] = {k: int(v) for k, v in state["lr_set_at"].items()}
    if "rng" in state:
        out["rng"] = state["rng"]
    if isinstance(state.get("view"), dict):  # what the run showed (TrainingRun.checkpoint)
        out["view"] = {"smoothed_view": bool(state["view"].get("smoothed_view", False))}
    return out


def save_checkpoint(
    trainer_or_state: Any,
    path_or_buffer: str | os.PathLike | IO[bytes],
    *,
    discriminator: bool = True,
    optimizers: bool = True,
) -> None:
    """Write a checkpoint that `load_checkpoint` (weights_only) can read back."""
    state = checkpoint_state(trainer_or_state, discriminator=discriminator, optimizers=optimizers)
    torch.save(state, path_or_buffer)


def checkpoint_bytes(trainer_or_state: Any, **options: Any) -> bytes:
    """A checkpoint as bytes, e.g. for st.download_button."""
    buffer = io.BytesIO()
    save_checkpoint(trainer_or_state, buffer, **options)
    return buffer.getvalue()


# --- loading -----------------------------------------------------------------------------------
def _read_bounded(source: Source, max_bytes: int) -> bytes:
    too_big = (
        f"the checkpoint is larger than the {max_bytes / 1e6:.0f} MB limit: is it really a GAN Explainer checkpoint?"
    )
    if isinstance(source, (bytes, bytearray, memoryview)):
        raw = bytes(source)
    elif isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise ValueError(f"no checkpoint file at {path}")
        if path.stat().st_size > max_bytes:
            raise ValueError(too_big)
        raw = path.read_bytes()
    elif hasattr(source, "read"):
        if hasattr(source, "seek"):
            source.seek(0)
        raw = source.read(max_bytes + 1)
    else:
        raise TypeError(f"cannot read a checkpoint from {type(source).__name__}")
    if len(raw) > max_bytes:
        raise ValueError(too_big)
    if not raw:
        raise ValueError("the checkpoint file is empty")
    return raw


def load_checkpoint(source: Source, max_bytes: int = MAX_CHECKPOINT_BYTES) -> dict[str, Any]:
    """Read and validate a checkpoint (bytes, a path or a binary file object).

    Raises ValueError with a sentence a student can act on when the file is too large,
    truncated, not a checkpoint, contains code (anything but tensors and plain values), has an
    invalid config, or holds weights that do not fit the networks its config describes.
    Returns the checkpoint dict (config still a plain dict; see `checkpoint_config`).
    """
    raw = _read_bounded(source, max_bytes)
    try:
        state = torch.load(io.BytesIO(raw), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        # weights_only refused an object: code, a class, something other than tensors.
        detail = str(exc).splitlines()[-1] if str(exc).strip() else ""
        raise ValueError(
            "refused to load this file: it contains Python objects other than weights and plain "
            "settings, and loading those could run code on this computer. Only checkpoints saved "
            f"by GAN Explainer can be loaded. ({detail.strip()[:200]})"
        ) from None
    except (
        RuntimeError,
        EOFError,
        zipfile.BadZipFile,
        KeyError,
        IndexError,
        OSError,
        ValueError,
        TypeError,
        AttributeError,
    ) as exc:
        if raw[:2] == b"PK" and "central directory" in str(exc):
            reason = "the file is truncated (the download or upload was cut off)"
        else:
            reason = "it is not a PyTorch checkpoint or it is corrupt"
        raise ValueError(
            f"could not read the checkpoint: {reason}. Save it again from GAN Explainer (“💾 Save checkpoint”)."
        ) from None
    validate_checkpoint(state)
    return state


# Settings that older checkpoints kept in their config and that are not training settings now: the
# smoothed view is the run's view (checkpoint_view), not part of TrainConfig.
_VIEW_SETTINGS = ("smoothed_view",)


def checkpoint_config(state: dict[str, Any]) -> TrainConfig:
    """The run configuration stored in a checkpoint (validated; ValueError names the field)."""
    config = state.get("config") if isinstance(state, dict) else None
    if isinstance(config, TrainConfig):
        return config
    if not isinstance(config, dict):
        raise ValueError("this file is not a GAN Explainer checkpoint: it has no 'config' settings")
    try:
        return TrainConfig.from_dict({k: v for k, v in config.items() if k not in _VIEW_SETTINGS})
    except ValueError as exc:
        raise ValueError(f"the checkpoint's settings are invalid: {exc}") from None


def data_shape_of(state: dict[str, Any], config: TrainConfig | None = None) -> tuple[int, ...]:
    """Per-sample data shape the checkpoint's networks work on: (1,), (2,) or (1, H, W)."""
    cfg = config or checkpoint_config(state)
    shape = state.get("data_shape")
    if shape is not None:
        if (
            not isinstance(shape, (list, tuple))
            or not 1 <= len(shape) <= 3
            or not all(isinstance(s, int) and 1 <= s <= 4096 for s in shape)
        ):
            raise ValueError(f"the checkpoint's data_shape is invalid: {shape!r}")
        return tuple(shape)
    if cfg.dataset in _IMAGE_SHAPES:
        return _IMAGE_SHAPES[cfg.dataset]
    if cfg.dataset in _ONE_D:
        return (1,)
    if cfg.is_image:
        raise ValueError("the checkpoint was trained on uploaded images but does not say their size (data_shape)")
    return (2,)


def _describe(cfg: TrainConfig, shape: tuple[int, ...]) -> str:
    data = f"{shape[1]}x{shape[2]} images" if len(shape) == 3 else f"{shape[0]}-D points"
    return f"model {cfg.model}, noise_dim {cfg.noise_dim}, g_width {cfg.g_width}, d_width {cfg.d_width}, {data}"


def _check_weights(name: str, weights: Any, module: nn.Module, description: str) -> None:
    if not isinstance(weights, dict) or not all(isinstance(v, torch.Tensor) for v in weights.values()):
        raise ValueError(f"the checkpoint's {name} is not a set of weights")
    expected = module.state_dict()
    missing = sorted(set(expected) - set(weights))
    unexpected = sorted(set(weights) - set(expected))
    if missing or unexpected:
        parts = ([f"missing {', '.join(missing[:3])}"] if missing else []) + (
            [f"unexpected {', '.join(unexpected[:3])}"] if unexpected else []
        )
        raise ValueError(
            f"the checkpoint's {name} does not match its settings ({description}): "
            f"{'; '.join(parts)}. It was saved by a different architecture."
        )
    for key, tensor in expected.items():
        got = tuple(weights[key].shape)
        if got != tuple(tensor.shape):
            raise ValueError(
                f"the checkpoint's {name} does not match its settings ({description}): "
                f"{key} is {got} in the file but these settings need {tuple(tensor.shape)}."
            )


def validate_checkpoint(state: Any) -> TrainConfig:
    """Check structure, settings and weight shapes; returns the config. Raises ValueError."""
    if not isinstance(state, dict):
        raise ValueError("this file is not a GAN Explainer checkpoint (expected a dictionary of weights)")
    if "generator" not in state:
        raise ValueError("this file is not a GAN Explainer checkpoint: it has no generator weights")
    cfg = checkpoint_config(state)
    shape = data_shape_of(state, cfg)
    try:
        with torch.device("meta"):  # shapes only: no memory, no random init, no global RNG use
            g, d = build_models(cfg, shape)
    except ValueError as exc:
        raise ValueError(f"the checkpoint's settings cannot build networks: {exc}") from None
    description = _describe(cfg, shape)
    _check_weights("generator", state["generator"], g, description)
    if "generator_ema" in state:
        _check_weights("generator_ema", state["generator_ema"], g, description)
    if "discriminator" in state:
        _check_weights("discriminator", state["discriminator"], d, description)
    return cfg


def checkpoint_view(state: dict[str, Any]) -> bool:
    """Whether the run showed G's weight average (its smoothed view) when it was saved: the
    checkpoint's `view`, or the `smoothed_view` an older checkpoint kept in its config."""
    view = state.get("view")
    if isinstance(view, dict):
        return bool(view.get("smoothed_view", False))
    config = state.get("config")
    return isinstance(config, dict) and config.get("smoothed_view") is True


def generator_from_checkpoint(state: dict[str, Any]) -> tuple[TrainConfig, nn.Module]:
    """(config, frozen generator in eval mode on the CPU) from a loaded checkpoint: the weight
    average when the run kept one and showed it (its smoothed view was on), else the generator
    that trained."""
    cfg = validate_checkpoint(state)
    generator, _ = build_models(cfg, data_shape_of(state, cfg))
    use_average = checkpoint_view(state) and "generator_ema" in state
    generator.load_state_dict(state["generator_ema"] if use_average else state["generator"])
    generator.eval().requires_grad_(False)
    return cfg, generator


def load_into_run(run: Any, state: dict[str, Any], dataset: Dataset | None = None) -> TrainConfig:
    """Reset `run` (a TrainingRun) with the checkpoint's config, then load its weights.

    The data set: `dataset` when given, else the run's own when it has the same name, else the
    built-in one of that name. A checkpoint trained on uploaded images needs those images
    (the run's current ones, if their size matches). The run is left paused at the checkpoint's step.
    """
    cfg = validate_checkpoint(state)
    shape = data_shape_of(state, cfg)
    current = run.trainer.dataset if hasattr(run, "trainer") else getattr(run, "dataset", None)
    if dataset is None and current is not None and current.name == cfg.dataset:
        dataset = current
    if dataset is None:
        if cfg.dataset in ("custom", "custom-images"):
            size = "x".join(map(str, shape[1:])) if len(shape) == 3 else str(shape)
            raise ValueError(
                f"this checkpoint was trained on uploaded images ({size}): upload those images "
                "first (Image GAN page, “your own images”), then load the checkpoint again"
            )
        dataset = get_dataset(cfg.dataset)  # may raise DatasetUnavailable (MNIST offline)
    if tuple(dataset.shape) != shape:
        raise ValueError(
            f"the checkpoint works on data shaped {shape} but the data set '{dataset.name}' is {tuple(dataset.shape)}"
        )
    run.reset(cfg, dataset)
    run.load_state(state)
    run.set_view(checkpoint_view(state))
    return cfg
