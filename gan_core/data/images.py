"""Image datasets: shipped 8x8 digits, procedural shapes, (Fashion-)MNIST where found or downloaded, user images.

Every loader returns a `Dataset` whose `data` is float32 (n, 1, H, W) in [-1, 1], the range a
tanh generator produces, so the discriminator can never tell real from fake by scale alone.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.request import urlopen

import numpy as np
import torch
from PIL import Image, ImageDraw

from gan_core.data.base import Dataset, DatasetUnavailable
from gan_core.data.idx_files import CONTENTS, GZ_MD5, MIRRORS, IdxContent, Opener, load_split
from gan_core.data.idx_files import default_cache_dir as default_cache_dir  # re-exported: callers' old home
from gan_core.data.idx_files import read_idx as read_idx

ASSETS_ENV = "GAN_EXPLAINER_ASSETS"
DIGIT_NAMES = tuple(str(d) for d in range(10))
SHAPE_NAMES = ("circle", "square", "triangle", "cross")
FASHION_NAMES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

# The training split's files (the test split's are only read by scripts/train_reference_classifier.py).
MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
MNIST_MIRRORS = MIRRORS
MNIST_MD5 = GZ_MD5  # of the published .gz files: what a download is checked against
MNIST_CONTENTS = CONTENTS  # of the original files' uncompressed bytes: what every copy is checked against
# The app and the presets train on a random 10,000 of the 60,000 training images: plenty for a CPU
# GAN, 31 MB of float32 instead of 188 MB (shared by every session of a server).
MNIST_LIMIT = 10_000

# ---------------------------------------------------------------------------------------------
# Helpers


def assets_dir() -> Path:
    """The shipped assets folder; `GAN_EXPLAINER_ASSETS` overrides it (tests, installed copies)."""
    override = os.environ.get(ASSETS_ENV)
    return Path(override) if override else Path(__file__).resolve().parents[2] / "assets"


def _to_tensor(images01: np.ndarray) -> torch.Tensor:
    """(n, H, W) in [0, 1] -> (n, 1, H, W) float32 in [-1, 1]."""
    scaled = images01.astype(np.float32) * 2.0 - 1.0
    return torch.from_numpy(np.ascontiguousarray(scaled[:, None]))


# ---------------------------------------------------------------------------------------------
# Shipped digits and procedural shapes


def load_digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 UCI digits as float32 (n, 8, 8) in [0, 1] and uint8 labels (see DIGITS_LICENSE.md)."""
    path = assets_dir() / "digits.npz"
    if not path.is_file():
        raise DatasetUnavailable(
            f"the built-in digits are missing: expected {path} (regenerate it with scripts/extract_digits.py)"
        )
    with np.load(path) as archive:
        images, labels = archive["images"], archive["labels"]
    return images.astype(np.float32) / 16.0, labels.astype(np.uint8)


def digits_dataset() -> Dataset:
    images, labels = load_digits_arrays()
    return Dataset(
        name="digits",
        kind="image",
        shape=(1, 8, 8),
        data=_to_tensor(images),
        labels=labels,
        description="1,797 handwritten digits, 8x8 (UCI, Alpaydin & Kaynak 1998, CC BY 4.0).",
        extra={"class_names": DIGIT_NAMES},
    )


def _draw_shape(draw: ImageDraw.ImageDraw, shape: str, cx: float, cy: float, r: float) -> None:
    if shape == "circle":
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)
    elif shape == "square":
        s = r * 0.85  # a square of the same "radius" looks much bigger than the circle
        draw.rectangle((cx - s, cy - s, cx + s, cy + s), fill=255)
    elif shape == "triangle":
        draw.polygon([(cx, cy - r), (cx + r * 0.95, cy + r * 0.8), (cx - r * 0.95, cy + r * 0.8)], fill=255)
    elif shape == "cross":
        w = r * 0.3
        draw.rectangle((cx - r, cy - w, cx + r, cy + w), fill=255)
        draw.rectangle((cx - w, cy - r, cx + w, cy + r), fill=255)
    else:
        raise ValueError(f"unknown shape {shape!r}")


def shapes_dataset(n: int = 2000, size: int = 16, seed: int = 0) -> Dataset:
    """White shapes on black at random position and size: a data set whose modes are obvious.

    Shapes are drawn 4x larger and downsampled, which anti-aliases the edges. Classes are
    balanced and the result depends only on (n, size, seed).
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not 8 <= size <= 64:
        raise ValueError(f"size must be between 8 and 64 pixels, got {size}")
    rng = np.random.default_rng(seed)
    labels = rng.permutation(np.arange(n) % len(SHAPE_NAMES)).astype(np.uint8)
    big = size * 4
    images = np.empty((n, size, size), dtype=np.float32)
    for i, label in enumerate(labels):
        r = rng.uniform(0.22, 0.42) * big
        cx, cy = rng.uniform(r + 2, big - r - 2, size=2)
        canvas = Image.new("L", (big, big), 0)
        _draw_shape(ImageDraw.Draw(canvas), SHAPE_NAMES[label], cx, cy, r)
        small = canvas.resize((size, size), Image.Resampling.BOX)
        images[i] = np.asarray(small, dtype=np.float32) / 255.0
    return Dataset(
        name="shapes",
        kind="image",
        shape=(1, size, size),
        data=_to_tensor(images),
        labels=labels,
        description=f"{n} procedural {size}x{size} shapes: " + ", ".join(SHAPE_NAMES) + ".",
        extra={"class_names": SHAPE_NAMES, "seed": seed},
    )


# ---------------------------------------------------------------------------------------------
# (Fashion-)MNIST: found where it already is, or downloaded (idx_files.py)


def mnist_dataset(
    kind: str = "mnist",
    cache_dir: str | Path | None = None,
    download: bool = True,
    *,
    limit: int | None = None,
    seed: int = 0,
    split: str = "train",
    mirrors: Mapping[str, Sequence[str]] | None = None,
    checksums: Mapping[str, Mapping[str, str]] | None = None,
    contents: Mapping[str, Mapping[str, IdxContent]] | None = None,
    opener: Opener = urlopen,
    timeout: float = 30.0,
) -> Dataset:
    """The 60,000 MNIST (kind="mnist") or Fashion-MNIST (kind="fashion") training images, 28x28
    (split="test": the 10,000 test images).

    The files are looked for in $GAN_EXPLAINER_DATA, in system folders (Debian's
    dataset-fashion-mnist) and in `cache_dir` (default ~/.cache/gan_explainer/<kind>), checked by
    their decompressed content, and downloaded into the cache only when no copy checks out (see
    idx_files.py). `extra["source"]` says where they were found. `limit` keeps a random subset
    (fixed by `seed`) so CPU training stays quick. `mirrors`, `checksums`, `contents` and `opener`
    exist so tests can serve files locally. Raises DatasetUnavailable when no copy can be had.
    """
    loaded = load_split(
        kind,
        split,
        cache_dir,
        download,
        mirrors=mirrors,
        checksums=checksums,
        contents=contents,
        opener=opener,
        timeout=timeout,
    )
    images, labels = loaded.images, loaded.labels
    total = len(images)
    if limit is not None and limit < len(images):
        if limit < 1:
            raise ValueError(f"limit must be positive, got {limit}")
        keep = np.sort(np.random.default_rng(seed).choice(len(images), size=limit, replace=False))
        images, labels = images[keep], labels[keep]
    title = "MNIST digits" if kind == "mnist" else "Fashion-MNIST clothes"
    subset = f" (a random {len(images):,} of the {total:,})" if len(images) < total else ""
    where = loaded.source.describe(kind)
    return Dataset(
        name=kind,
        kind="image",
        shape=(1, *images.shape[1:]),
        data=_to_tensor(images.astype(np.float32) / 255.0),
        labels=labels.astype(np.uint8),
        description=f"{len(images):,} {title}{subset}, {images.shape[1]}x{images.shape[2]}, from {where}.",
        extra={
            "class_names": DIGIT_NAMES if kind == "mnist" else FASHION_NAMES,
            "source": where,
            "source_folder": str(loaded.source.folder),
            "source_origin": loaded.source.origin,
            "split": split,
        },
    )


# ---------------------------------------------------------------------------------------------
# User images and the dispatcher


def images_from_arrays(
    images: np.ndarray | Sequence[np.ndarray],
    name: str,
    labels: np.ndarray | Sequence[int] | None = None,
    description: str = "",
) -> Dataset:
    """Build a dataset from grayscale images: uint8 (0..255) or floats in [0, 1], shaped (n, H, W).

    The limits (at least 8 images, sides of 8..64 px, all the same size) keep a CPU GAN trainable.
    """
    if isinstance(images, np.ndarray):
        stack = images
    else:
        shapes = {np.shape(image) for image in images}
        if len(shapes) > 1:
            raise ValueError(f"all images must have the same size, got {sorted(shapes)}")
        stack = np.stack([np.asarray(image) for image in images]) if shapes else np.zeros((0, 8, 8))
    if stack.ndim != 3:
        raise ValueError(f"expected 2-D grayscale images stacked as (n, H, W), got shape {stack.shape}")
    n, height, width = stack.shape
    if n < 8:
        raise ValueError(f"need at least 8 images to learn from, got {n}")
    if not (8 <= height <= 64 and 8 <= width <= 64):
        raise ValueError(f"image sides must be between 8 and 64 pixels, got {height}x{width}")
    if stack.dtype == np.bool_:
        pixels = stack.astype(np.float32)
    elif np.issubdtype(stack.dtype, np.integer):
        if stack.min() < 0 or stack.max() > 255:
            raise ValueError("integer images must hold values 0..255")
        pixels = stack.astype(np.float32) / 255.0
    elif np.issubdtype(stack.dtype, np.floating):
        pixels = stack.astype(np.float32)
        if not np.isfinite(pixels).all() or pixels.min() < 0.0 or pixels.max() > 1.0:
            raise ValueError("float images must be finite and within [0, 1]")
    else:
        raise ValueError(f"unsupported pixel type {stack.dtype}")
    label_array = None if labels is None else np.asarray(labels)
    if label_array is not None and label_array.shape != (n,):
        raise ValueError(f"expected {n} labels, got shape {label_array.shape}")
    return Dataset(
        name=name,
        kind="image",
        shape=(1, height, width),
        data=_to_tensor(pixels),
        labels=label_array,
        description=description or f"{n} images, {height}x{width}.",
    )


IMAGE_DATASETS = ("digits", "shapes", "mnist", "fashion")


def image_dataset(name: str, **options: Any) -> Dataset:
    """Dispatch by name; `options` go to the loader (e.g. `limit=` for MNIST, `seed=` for shapes).
    MNIST and Fashion-MNIST default to the MNIST_LIMIT subset the app trains on, so a preset run
    headless (tests, benchmarks, CLI) sees the same images as in the app."""
    if name == "digits":
        return digits_dataset(**options)
    if name == "shapes":
        return shapes_dataset(**options)
    if name in ("mnist", "fashion"):
        return mnist_dataset(name, **{"limit": MNIST_LIMIT, **options})
    raise ValueError(f"unknown image dataset {name!r}; choose one of {IMAGE_DATASETS}")
