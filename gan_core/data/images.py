"""Image datasets: shipped 8x8 digits, procedural shapes, (Fashion-)MNIST on demand, user images.

Every loader returns a `Dataset` whose `data` is float32 (n, 1, H, W) in [-1, 1], the range a
tanh generator produces, so the discriminator can never tell real from fake by scale alone.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from http.client import HTTPException
from pathlib import Path
from typing import IO, Any
from urllib.error import URLError
from urllib.request import urlopen

import numpy as np
import torch
from PIL import Image, ImageDraw

from gan_core.data.base import Dataset

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

# Only the training split is fetched: a GAN has no use for a test set, and it halves the download.
MNIST_FILES = ("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")
MNIST_MIRRORS: dict[str, tuple[str, ...]] = {
    "mnist": ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    "fashion": (
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ),
}
# The MD5s published with the original files (yann.lecun.com, zalandoresearch/fashion-mnist).
MNIST_MD5: dict[str, dict[str, str]] = {
    "mnist": {
        "train-images-idx3-ubyte.gz": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
        "train-labels-idx1-ubyte.gz": "d53e105ee54ea40749a09fcbcd1e9432",
        "t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",
        "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c",
    },
    "fashion": {
        "train-images-idx3-ubyte.gz": "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
        "train-labels-idx1-ubyte.gz": "25c81989df183df01b3e8a0aad5dffbe",
        "t10k-images-idx3-ubyte.gz": "bef4ecab320f06d8554ea6380940ec79",
        "t10k-labels-idx1-ubyte.gz": "bb300cfdad3c16e7a12a480ee83cd310",
    },
}

Opener = Callable[..., IO[bytes]]  # urlopen-like: opener(url, timeout=...) -> readable context manager


class DatasetUnavailable(RuntimeError):
    """A dataset cannot be obtained right now (offline, bad download); the message says what to do."""


# ---------------------------------------------------------------------------------------------
# Helpers


def assets_dir() -> Path:
    """The shipped assets folder; `GAN_EXPLAINER_ASSETS` overrides it (tests, installed copies)."""
    override = os.environ.get(ASSETS_ENV)
    return Path(override) if override else Path(__file__).resolve().parents[2] / "assets"


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "gan_explainer"


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
# IDX files (the MNIST container format)

_IDX_DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def read_idx(source: str | Path | bytes) -> np.ndarray:
    """Parse an IDX file (gzip-compressed or plain, detected from its content) into an array.

    Raises ValueError with the reason when the header or the payload size is wrong, so a
    truncated download is reported rather than reshaped into garbage.
    """
    raw = bytes(source) if isinstance(source, (bytes, bytearray, memoryview)) else Path(source).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"IDX data looks gzip-compressed but cannot be decompressed: {exc}") from exc
    if len(raw) < 4:
        raise ValueError(f"IDX data too short for a header ({len(raw)} bytes)")
    if raw[0] != 0 or raw[1] != 0:
        raise ValueError(f"bad IDX magic {raw[:4].hex()}: the first two bytes must be zero")
    if raw[2] not in _IDX_DTYPES:
        raise ValueError(f"bad IDX magic {raw[:4].hex()}: unknown element type 0x{raw[2]:02x}")
    ndim = raw[3]
    if ndim == 0:
        raise ValueError("bad IDX magic: zero dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"IDX header declares {ndim} dimensions but the data ends after {len(raw)} bytes")
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    expected = int(np.prod(dims, dtype=object)) * dtype.itemsize
    if len(raw) - header != expected:
        raise ValueError(
            f"IDX payload is {len(raw) - header} bytes but dimensions {dims} "
            f"of {dtype} need {expected}: the file is truncated or corrupt"
        )
    array = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return array.astype(dtype.newbyteorder("="))


# ---------------------------------------------------------------------------------------------
# (Fashion-)MNIST, downloaded on demand


def _md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)  # integrity against the published sums, not security
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _download(url: str, target: Path, md5: str, opener: Opener, timeout: float) -> str | None:
    """Fetch `url` into `target` atomically; return None on success or the reason it failed.

    The bytes go to a temporary file beside the target and are renamed only once the checksum
    matches, so an interrupted or corrupt download never sits where the loader would trust it.
    """
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    tmp = Path(tmp_name)
    try:
        digest = hashlib.md5(usedforsecurity=False)
        with os.fdopen(fd, "wb") as out, opener(url, timeout=timeout) as response:
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
        if digest.hexdigest() != md5:
            return f"{url}: checksum mismatch (md5 {digest.hexdigest()}, expected {md5})"
        os.replace(tmp, target)
        return None
    except (URLError, OSError, HTTPException, ValueError) as exc:  # offline, timeout, cut-off, bad URL
        return f"{url}: {getattr(exc, 'reason', None) or exc}"
    finally:
        tmp.unlink(missing_ok=True)


def fetch_file(
    name: str,
    md5: str,
    mirrors: Sequence[str],
    cache_dir: Path,
    *,
    download: bool = True,
    opener: Opener = urlopen,
    timeout: float = 30.0,
) -> Path:
    """Return the path of a verified copy of `name`, downloading it from the first mirror that works."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / name
    problems: list[str] = []
    if target.exists():
        if _md5_of(target) == md5:
            return target
        target.unlink()  # never train on a corrupt file; fetch it again instead
        problems.append(f"the cached {target} was corrupt and has been deleted")
    if not download:
        problems.append("downloading is switched off")
    else:
        for mirror in mirrors:
            problem = _download(mirror.rstrip("/") + "/" + name, target, md5, opener, timeout)
            if problem is None:
                return target
            problems.append(problem)
    raise DatasetUnavailable(
        f"could not get {name}: "
        + "; ".join(problems or ["no mirror configured"])
        + f". To use it offline, download {name} yourself and put it in {cache_dir}"
        " (it is checked against the published MD5), or train on the built-in 'digits' instead."
    )


def mnist_dataset(
    kind: str = "mnist",
    cache_dir: str | Path | None = None,
    download: bool = True,
    *,
    limit: int | None = None,
    seed: int = 0,
    mirrors: Mapping[str, Sequence[str]] | None = None,
    checksums: Mapping[str, Mapping[str, str]] | None = None,
    opener: Opener = urlopen,
    timeout: float = 30.0,
) -> Dataset:
    """The 60,000 MNIST (kind="mnist") or Fashion-MNIST (kind="fashion") training images, 28x28.

    Files are cached under `cache_dir` (default ~/.cache/gan_explainer/<kind>) and verified
    by MD5 on every load. `limit` keeps a random subset (fixed by `seed`) so CPU training stays
    quick. `mirrors`, `checksums` and `opener` exist so tests can serve files locally.
    Raises DatasetUnavailable when the files cannot be obtained.
    """
    mirrors = MNIST_MIRRORS if mirrors is None else mirrors
    checksums = MNIST_MD5 if checksums is None else checksums
    if kind not in checksums:
        raise ValueError(f"unknown MNIST kind {kind!r}; choose one of {sorted(checksums)}")
    folder = (Path(cache_dir) if cache_dir is not None else default_cache_dir()) / kind
    images_path, labels_path = (
        fetch_file(
            name,
            checksums[kind][name],
            mirrors.get(kind, ()),
            folder,
            download=download,
            opener=opener,
            timeout=timeout,
        )
        for name in MNIST_FILES
    )
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.ndim != 3 or labels.shape != images.shape[:1]:
        raise DatasetUnavailable(f"{kind} files disagree: images {images.shape}, labels {labels.shape}")
    if limit is not None and limit < len(images):
        if limit < 1:
            raise ValueError(f"limit must be positive, got {limit}")
        keep = np.sort(np.random.default_rng(seed).choice(len(images), size=limit, replace=False))
        images, labels = images[keep], labels[keep]
    title = "MNIST digits" if kind == "mnist" else "Fashion-MNIST clothes"
    return Dataset(
        name=kind,
        kind="image",
        shape=(1, *images.shape[1:]),
        data=_to_tensor(images.astype(np.float32) / 255.0),
        labels=labels.astype(np.uint8),
        description=f"{len(images)} {title}, {images.shape[1]}x{images.shape[2]}.",
        extra={"class_names": DIGIT_NAMES if kind == "mnist" else FASHION_NAMES},
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
    """Dispatch by name; `options` go to the loader (e.g. `limit=` for MNIST, `seed=` for shapes)."""
    if name == "digits":
        return digits_dataset(**options)
    if name == "shapes":
        return shapes_dataset(**options)
    if name in ("mnist", "fashion"):
        return mnist_dataset(name, **options)
    raise ValueError(f"unknown image dataset {name!r}; choose one of {IMAGE_DATASETS}")
