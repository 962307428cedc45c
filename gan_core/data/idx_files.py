"""(Fashion-)MNIST IDX files: where they already are, whether they hold the original content, fetching them.

Where the loader looks, in order (`search_folders`):
  1. `$GAN_EXPLAINER_DATA/<kind>/` (and `$GAN_EXPLAINER_DATA/fashion-mnist/`, Debian's folder name):
     a folder a teacher or a lab sets up for every account;
  2. system folders a package installs: Debian's `dataset-fashion-mnist` puts the four original files
     in /usr/share/datasets/fashion-mnist/ (Debian ships no MNIST package);
  3. the user's cache, ~/.cache/gan_explainer/<kind>/, where downloads go and where a person may
     copy the files by hand;
  4. the download mirrors (the cache is filled).

What counts is the *content*: a file (gzipped or not) is decompressed and its bytes compared with
the MD5 of the original uncompressed IDX file, then its header is checked against the shape the
original has. Debian recompresses the files, so their `.gz` bytes (and the MD5s published for the
`.gz` files) differ while the content is identical; checking the container would reject them.

Nothing a person put in place is ever deleted: a file that is not the original is reported and
left alone. Only a file this loader downloaded itself (listed in the cache folder's
`.downloaded.json`) may be removed when it no longer checks out, so it can be fetched again.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import tempfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from http.client import HTTPException
from pathlib import Path
from typing import IO
from urllib.error import URLError
from urllib.request import urlopen

import numpy as np

from gan_core.data.base import DatasetUnavailable

DATA_ENV = "GAN_EXPLAINER_DATA"
KINDS = ("mnist", "fashion")
# Folders a system package installs the four original files into.
SYSTEM_DIRS: dict[str, tuple[Path, ...]] = {
    "fashion": (Path("/usr/share/datasets/fashion-mnist"),),
    "mnist": (),
}
DEBIAN_PACKAGES = {"fashion": "dataset-fashion-mnist"}
# Names a folder under $GAN_EXPLAINER_DATA may have, besides the kind itself.
FOLDER_ALIASES = {"fashion": ("fashion-mnist",), "mnist": ()}
SPLITS: dict[str, tuple[str, str]] = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
MANIFEST = ".downloaded.json"  # the files this loader downloaded into a cache folder (it may replace those)

MIRRORS: dict[str, tuple[str, ...]] = {
    "mnist": ("https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/"),
    "fashion": (
        "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    ),
}
# The MD5s published with the original .gz files (yann.lecun.com, zalandoresearch/fashion-mnist): what the
# mirrors serve, so a download is checked against them before it is kept.
GZ_MD5: dict[str, dict[str, str]] = {
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


@dataclass(frozen=True)
class IdxContent:
    """What an original file decompresses to: the MD5 of its IDX bytes (None: check the shape only)
    and the array shape its header declares."""

    md5: str | None
    shape: tuple[int, ...]


# Fashion-MNIST: computed here from the files of Debian's dataset-fashion-mnist 0.0~git20200523
# (decompressed), and equal to the sums published for the uncompressed original files. MNIST: the
# sums published for the uncompressed originals (train images: 47,040,016 bytes).
CONTENTS: dict[str, dict[str, IdxContent]] = {
    "mnist": {
        "train-images-idx3-ubyte": IdxContent("6bbc9ace898e44ae57da46a324031adb", (60000, 28, 28)),
        "train-labels-idx1-ubyte": IdxContent("a25bea736e30d166cdddb491f175f624", (60000,)),
        "t10k-images-idx3-ubyte": IdxContent("2646ac647ad5339dbf082846283269ea", (10000, 28, 28)),
        "t10k-labels-idx1-ubyte": IdxContent("27ae3e4e09519cfbb04c329615203637", (10000,)),
    },
    "fashion": {
        "train-images-idx3-ubyte": IdxContent("f4a8712d7a061bf5bd6d2ca38dc4d50a", (60000, 28, 28)),
        "train-labels-idx1-ubyte": IdxContent("9018921c3c673c538a1fc5bad174d6f9", (60000,)),
        "t10k-images-idx3-ubyte": IdxContent("8181f5470baa50b63fa0f6fddb340f0a", (10000, 28, 28)),
        "t10k-labels-idx1-ubyte": IdxContent("15d484375f8d13e6eb1aabb0c3f46965", (10000,)),
    },
}

# What a download of the training images and labels costs (the published .gz files: MNIST 9.9 MB and
# 0.03 MB, Fashion-MNIST 26.4 MB and 0.03 MB), rounded for a sentence.
DOWNLOAD_MB: dict[str, int] = {"mnist": 10, "fashion": 26}

Opener = Callable[..., IO[bytes]]  # urlopen-like: opener(url, timeout=...) -> readable context manager
ORIGINS = {
    "env": f"the folder in ${DATA_ENV}",
    "system": "a system folder",
    "cache": "your cache",
    "download": "downloaded into your cache",
}


def default_cache_dir() -> Path:
    return Path.home() / ".cache" / "gan_explainer"


@dataclass(frozen=True)
class Source:
    """A folder the files were (or may be) found in, and how it came to be searched."""

    folder: Path
    origin: str  # a key of ORIGINS

    def describe(self, kind: str) -> str:
        """Where the data came from, in words a teacher can act on."""
        if self.origin == "system" and kind in DEBIAN_PACKAGES:
            return f"{self.folder} (Debian package {DEBIAN_PACKAGES[kind]})"
        return f"{self.folder} ({ORIGINS.get(self.origin, self.origin)})"


@dataclass(frozen=True)
class LoadedSplit:
    images: np.ndarray  # (n, 28, 28) uint8
    labels: np.ndarray  # (n,) uint8
    source: Source
    notes: tuple[str, ...] = ()  # what was wrong elsewhere on the way (shown where useful)


# ---------------------------------------------------------------------------------------------
# The IDX container

_IDX_DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def decompressed(raw: bytes) -> bytes:
    """The IDX bytes of a file's content: gunzipped when it is gzip (detected from the content)."""
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as exc:
            raise ValueError(f"IDX data looks gzip-compressed but cannot be decompressed: {exc}") from exc
    return raw


def read_idx(source: str | Path | bytes) -> np.ndarray:
    """Parse an IDX file (gzip-compressed or plain, detected from its content) into an array.

    Raises ValueError with the reason when the header or the payload size is wrong, so a
    truncated download is reported rather than reshaped into garbage.
    """
    raw = bytes(source) if isinstance(source, (bytes, bytearray, memoryview)) else Path(source).read_bytes()
    raw = decompressed(raw)
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


def check_content(raw: bytes, expected: IdxContent | None) -> np.ndarray:
    """The array in `raw` if its decompressed content is the original's (MD5 and shape); else ValueError."""
    content = decompressed(raw)
    if expected is not None and expected.md5 is not None:
        digest = hashlib.md5(content, usedforsecurity=False).hexdigest()  # integrity, not security
        if digest != expected.md5:
            raise ValueError(
                f"its content is not the original file's "
                f"(MD5 of the uncompressed bytes {digest}, expected {expected.md5})"
            )
    array = read_idx(content)
    if array.dtype != np.uint8:
        raise ValueError(f"it holds {array.dtype} values, not bytes (0..255)")
    if expected is not None and array.shape != expected.shape:
        raise ValueError(f"it holds an array of shape {array.shape}, expected {expected.shape}")
    return array


# ---------------------------------------------------------------------------------------------
# Where to look


def search_folders(kind: str, cache_dir: Path | None = None) -> list[Source]:
    """The folders to look in for `kind`, in order (see the module docstring); the download goes
    to the last one, the cache."""
    sources: list[Source] = []
    env = os.environ.get(DATA_ENV, "").strip()
    if env:
        for name in (kind, *FOLDER_ALIASES.get(kind, ())):
            sources.append(Source(Path(env).expanduser() / name, "env"))
    sources += [Source(Path(folder), "system") for folder in SYSTEM_DIRS.get(kind, ())]
    sources.append(Source((cache_dir if cache_dir is not None else default_cache_dir()) / kind, "cache"))
    return sources


def _file_in(folder: Path, name: str) -> Path | None:
    """`name.gz` or the uncompressed `name` in `folder`, whichever is there (gzipped first)."""
    for candidate in (folder / f"{name}.gz", folder / name):
        if candidate.is_file():
            return candidate
    return None


def _manifest(folder: Path) -> dict[str, str]:
    try:
        data = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def _write_manifest(folder: Path, entries: dict[str, str]) -> None:
    path = folder / MANIFEST
    if entries:
        path.write_text(json.dumps(entries, indent=1, sort_keys=True))
    else:
        path.unlink(missing_ok=True)


def _load_from(
    source: Source, kind: str, names: Sequence[str], contents: Mapping[str, IdxContent], problems: list[str]
) -> tuple[np.ndarray, ...] | None:
    """The arrays of `names` from one folder, all checked; None (and `problems` says why) otherwise.

    A file that fails its check is removed only when this loader downloaded it (the manifest)."""
    paths = [_file_in(source.folder, name) for name in names]
    if not any(paths):
        return None
    if not all(paths):
        missing = [name for name, path in zip(names, paths) if path is None]
        problems.append(f"{source.folder} lacks {', '.join(missing)} (.gz or uncompressed)")
        return None
    arrays = []
    for name, path in zip(names, paths):
        try:
            arrays.append(check_content(path.read_bytes(), contents.get(name)))
        except (OSError, ValueError) as exc:
            problems.append(f"{path}: {exc}" + _forget_if_ours(source, path))
            return None
    return tuple(arrays)


def _forget_if_ours(source: Source, path: Path) -> str:
    """Delete a failed file only if it is this loader's own download; say what happened to it."""
    if source.origin not in ("cache", "download"):
        return "; left in place"
    entries = _manifest(source.folder)
    if path.name not in entries:
        return "; left in place (not downloaded by GAN Explainer, so it is not deleted)"
    try:
        path.unlink()
    except OSError:
        return "; left in place (could not delete it)"
    entries.pop(path.name)
    _write_manifest(source.folder, entries)
    return "; deleted (GAN Explainer had downloaded it; it is fetched again)"


# ---------------------------------------------------------------------------------------------
# Downloads


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


def _fetch_into(
    folder: Path,
    names: Sequence[str],
    gz_md5: Mapping[str, str],
    mirrors: Sequence[str],
    opener: Opener,
    timeout: float,
    problems: list[str],
) -> list[str] | None:
    """Download the `.gz` of each of `names` that `folder` lacks and record it in the folder's
    manifest; the names fetched, or None when one could not be fetched (`problems` says why)."""
    folder.mkdir(parents=True, exist_ok=True)
    fetched = []
    for name in names:
        if _file_in(folder, name) is not None:
            continue
        gz = f"{name}.gz"
        if gz not in gz_md5:
            problems.append(f"no published checksum for {gz}")
            return None
        reasons = []
        for mirror in mirrors:
            reason = _download(mirror.rstrip("/") + "/" + gz, folder / gz, gz_md5[gz], opener, timeout)
            if reason is None:
                entries = _manifest(folder)
                entries[gz] = gz_md5[gz]
                _write_manifest(folder, entries)
                fetched.append(name)
                break
            reasons.append(reason)
        else:
            problems.extend(reasons or ["no download mirror configured"])
            return None
    return fetched


# ---------------------------------------------------------------------------------------------
# The one entry point


def load_split(
    kind: str,
    split: str = "train",
    cache_dir: str | Path | None = None,
    download: bool = True,
    *,
    mirrors: Mapping[str, Sequence[str]] | None = None,
    checksums: Mapping[str, Mapping[str, str]] | None = None,
    contents: Mapping[str, Mapping[str, IdxContent]] | None = None,
    opener: Opener = urlopen,
    timeout: float = 30.0,
) -> LoadedSplit:
    """The images and labels of `split` ("train": 60,000; "test": 10,000) of `kind` ("mnist" or
    "fashion"), from the first folder of `search_folders` whose files check out, else downloaded
    into the cache. `mirrors`, `checksums` (of the served .gz files) and `contents` exist so tests
    can serve and check small files. Raises DatasetUnavailable saying where it looked and what to do.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown MNIST kind {kind!r}; choose one of {KINDS}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {tuple(SPLITS)}")
    names = SPLITS[split]
    expected = (CONTENTS if contents is None else contents).get(kind, {})
    problems: list[str] = []
    searched = search_folders(kind, Path(cache_dir) if cache_dir is not None else None)
    for source in searched:
        arrays = _load_from(source, kind, names, expected, problems)
        if arrays is not None:
            return _checked_pair(arrays, source, problems)
    cache = searched[-1]
    if not download:
        problems.append("downloading is switched off")
    else:
        gz_md5 = (GZ_MD5 if checksums is None else checksums).get(kind, {})
        urls = (MIRRORS if mirrors is None else mirrors).get(kind, ())
        # Only what the cache lacks is fetched: a file a person put there is never replaced.
        if _fetch_into(cache.folder, names, gz_md5, urls, opener, timeout, problems):
            fresh = Source(cache.folder, "download")
            arrays = _load_from(fresh, kind, names, expected, problems)
            if arrays is not None:
                return _checked_pair(arrays, fresh, problems)
    raise DatasetUnavailable(_unavailable_message(kind, names, searched, problems))


def _checked_pair(arrays: tuple[np.ndarray, ...], source: Source, problems: list[str]) -> LoadedSplit:
    images, labels = arrays
    if images.ndim != 3 or labels.shape != images.shape[:1]:
        raise DatasetUnavailable(f"the files in {source.folder} disagree: images {images.shape}, labels {labels.shape}")
    return LoadedSplit(images, labels, source, tuple(problems))


def _unavailable_message(kind: str, names: Sequence[str], searched: Sequence[Source], problems: list[str]) -> str:
    title = "Fashion-MNIST" if kind == "fashion" else "MNIST"
    files = " and ".join(f"{n}.gz" for n in names)
    where = ", ".join(str(s.folder) for s in searched)
    hint = (
        f"On Debian or Ubuntu, `sudo apt-get install {DEBIAN_PACKAGES[kind]}` installs it for everyone. "
        if kind in DEBIAN_PACKAGES
        else ""
    )
    return (
        f"could not find {title} ({'; '.join(problems) or 'no copy found'}). Looked in: {where}. {hint}"
        f"Otherwise put {files} (the original files, gzipped or not) in {searched[-1].folder} or in a folder "
        f"named {kind} inside ${DATA_ENV}, or train on the built-in 'digits' instead."
    )
