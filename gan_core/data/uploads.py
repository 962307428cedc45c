"""Turn uploaded image files (or a zip of them) into a small grayscale training set, safely.

Uploads come from anyone in the room, so nothing here trusts a file: archives are read in
memory (never extracted), with limits on entries, declared and actual sizes, no nested
archives and no odd paths; images are opened header-first and refused when their pixel count
could blow up memory (a "decompression bomb") before any pixel is decoded. Files that are
not images are skipped and reported, so one stray README in a zip does not spoil the rest.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from gan_core.data import Dataset
from gan_core.data.images import images_from_arrays

SIZES = (16, 28)  # square sides the DCGAN can build (divisible by 4)
MIN_IMAGES, MAX_IMAGES = 8, 2000
MAX_FILE_BYTES = 10 * 1024 * 1024  # one image file
MAX_ZIP_ENTRIES = 2500
MAX_TOTAL_BYTES = 100 * 1024 * 1024  # everything uncompressed, all files together
MAX_PIXELS = 4096 * 4096  # per image, checked from the header before decoding
FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp", ".webp")
_ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar", ".jar")
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!")


@dataclass
class UploadedImages:
    """The decoded set: (n, size, size) float32 in [0, 1], bright shapes on black like the digits."""

    images: np.ndarray
    names: list[str]
    skipped: list[str] = field(default_factory=list)  # "name: why" for each file left out

    def dataset(self) -> Dataset:
        n, h, w = self.images.shape
        return images_from_arrays(self.images, name="custom-images", description=f"{n} uploaded images, {h}x{w}.")


def _is_archive(name: str, data: bytes) -> bool:
    return name.lower().endswith(_ARCHIVE_SUFFIXES) or data[:6].startswith(_ARCHIVE_MAGIC)


def _safe_member_name(name: str) -> bool:
    """A zip entry name we are willing to read: relative, no '..', no drive letters."""
    normal = name.replace("\\", "/")
    if normal.startswith("/") or (len(normal) > 1 and normal[1] == ":"):
        return False
    return ".." not in normal.split("/")


def _zip_members(name: str, data: bytes, budget: list[int]) -> Iterable[tuple[str, bytes]]:
    """(name, bytes) of each file in a zip, checked before and while reading."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ValueError(f"{name}: not a readable zip archive") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > MAX_ZIP_ENTRIES:
            raise ValueError(f"{name}: {len(infos)} entries is too many (at most {MAX_ZIP_ENTRIES})")
        declared = sum(i.file_size for i in infos)
        if declared > budget[0]:
            raise ValueError(
                f"{name}: unpacks to {declared / 1e6:.0f} MB, more than the "
                f"{MAX_TOTAL_BYTES / 1e6:.0f} MB limit (a zip bomb?)"
            )
        for info in infos:
            if not _safe_member_name(info.filename):
                raise ValueError(f"{name}: refused entry {info.filename!r}: paths must stay inside the archive")
            if info.is_dir():
                continue
            if _is_archive(info.filename, b""):
                raise ValueError(f"{name}: contains another archive ({info.filename}); put the images in one zip")
            if info.file_size > MAX_FILE_BYTES:
                raise ValueError(
                    f"{name}: {info.filename} is {info.file_size / 1e6:.0f} MB, "
                    f"more than {MAX_FILE_BYTES / 1e6:.0f} MB per image"
                )
            base = posixpath.basename(info.filename)
            if base.startswith(".") or info.filename.startswith("__MACOSX/"):
                continue  # macOS resource forks and hidden files: not the user's images
            if info.flag_bits & 0x1:
                raise ValueError(f"{name}: {info.filename} is encrypted")
            # Never trust the declared size: read at most the limit and one byte more.
            try:
                with archive.open(info) as member:
                    content = member.read(min(MAX_FILE_BYTES, budget[0]) + 1)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError) as exc:
                # zipfile stops at the declared size and then fails the CRC: a lying entry lands here
                raise ValueError(f"{name}: {info.filename} is corrupt ({exc})") from None
            if len(content) > min(MAX_FILE_BYTES, budget[0]):
                raise ValueError(f"{name}: {info.filename} unpacks to more than it declares (a zip bomb?)")
            budget[0] -= len(content)
            if content[:6].startswith(_ARCHIVE_MAGIC):
                raise ValueError(f"{name}: contains another archive ({info.filename}); put the images in one zip")
            yield f"{name}/{info.filename}", content


def _expand(files: Iterable[tuple[str, bytes]]) -> Iterable[tuple[str, bytes]]:
    budget = [MAX_TOTAL_BYTES]  # shared by every file and archive in this upload
    for name, data in files:
        data = bytes(data)
        if data[:4] in (b"PK\x03\x04", b"PK\x05\x06") or name.lower().endswith(".zip"):
            yield from _zip_members(name, data, budget)
            continue
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(f"{name} is {len(data) / 1e6:.0f} MB, more than {MAX_FILE_BYTES / 1e6:.0f} MB per image")
        budget[0] -= len(data)
        if budget[0] < 0:
            raise ValueError(f"the upload is larger than {MAX_TOTAL_BYTES / 1e6:.0f} MB in all")
        yield name, data


def decode_image(data: bytes, size: int, invert: str | bool = "auto") -> np.ndarray:
    """One image file -> (size, size) float32 in [0, 1]. Raises ValueError saying why not.

    The image is flattened onto white if transparent, converted to grayscale, padded to a
    square (keeping its aspect) and resized with area averaging. invert="auto" flips images
    whose border is light, so drawings on paper become bright strokes on black like the digits.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size}")
    try:
        # Image.open reads the header only. PIL itself refuses > 2 * Image.MAX_IMAGE_PIXELS
        # (DecompressionBombError); our own, much lower limit is checked before any decoding.
        # (No warnings.catch_warnings here: it is process-global and the server is threaded.)
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ValueError(
                    f"image is {width}x{height} pixels, more than the {MAX_PIXELS / 1e6:.0f} megapixel limit"
                )
            image.seek(0)  # animations: the first frame
            if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
                rgba = image.convert("RGBA")
                flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                flat.alpha_composite(rgba)
                gray = flat.convert("L")
            else:
                gray = image.convert("L")
    except ValueError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise ValueError(
            "not an image (PNG, JPEG, GIF, BMP or WebP)"
            if isinstance(exc, UnidentifiedImageError)
            else "image too large to decode safely"
        ) from None
    except (OSError, SyntaxError, EOFError) as exc:  # truncated or corrupt files
        raise ValueError(f"cannot decode the image ({exc})") from None
    pixels = np.asarray(gray, dtype=np.float32) / 255.0
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    light_background = float(np.median(border)) > 0.5
    background = 255 if light_background else 0
    square = ImageOps.pad(gray, (size, size), method=Image.Resampling.BOX, color=background)
    out = np.asarray(square, dtype=np.float32) / 255.0
    if invert is True or (invert == "auto" and light_background):
        out = 1.0 - out
    return out


def images_from_uploads(
    files: Iterable[tuple[str, bytes]],
    size: int = 16,
    invert: str | bool = "auto",
    min_images: int = MIN_IMAGES,
    max_images: int = MAX_IMAGES,
) -> UploadedImages:
    """Decode uploaded files (images and/or zips of images) into a training set.

    `files`: (file name, bytes) pairs, e.g. from st.file_uploader. Raises ValueError with a
    sentence for the user when the upload is unsafe or yields too few or too many images.
    """
    if size not in SIZES:
        raise ValueError(f"size must be one of {SIZES}, got {size}")
    images: list[np.ndarray] = []
    names: list[str] = []
    skipped: list[str] = []
    for name, data in _expand(files):
        if len(images) >= max_images:
            raise ValueError(f"too many images: at most {max_images} (a CPU GAN learns fine from a few hundred)")
        try:
            images.append(decode_image(data, size, invert))
            names.append(name)
        except ValueError as exc:
            skipped.append(f"{name}: {exc}")
    if len(images) < min_images:
        note = f" Skipped: {'; '.join(skipped[:5])}{' …' if len(skipped) > 5 else ''}." if skipped else ""
        raise ValueError(f"found {len(images)} usable image(s); a GAN needs at least {min_images}.{note}")
    return UploadedImages(np.stack(images).astype(np.float32), names, skipped)
