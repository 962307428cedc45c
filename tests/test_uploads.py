"""The class's own images: decoded into a training set, and nothing a stranger uploads can hurt."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import numpy as np
import pytest
from PIL import Image, ImageDraw

from gan_core.data import uploads
from gan_core.data.uploads import images_from_uploads


def png(color: int = 0, size: tuple[int, int] = (40, 30), mode: str = "L", shape: bool = True) -> bytes:
    image = Image.new(mode, size, color)
    if shape:
        fill = 255 - color if mode == "L" else (0, 0, 0, 255)
        ImageDraw.Draw(image).ellipse((5, 5, 25, 25), fill=fill)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def test_images_become_a_square_grayscale_training_set():
    files = [(f"drawing{i}.png", png(color=255)) for i in range(10)]  # black ellipse on white paper
    result = images_from_uploads(files, size=16)
    assert result.images.shape == (10, 16, 16) and result.images.dtype == np.float32
    assert 0.0 <= result.images.min() and result.images.max() <= 1.0
    # Paper is inverted: the background becomes black, the stroke bright, like the digits.
    assert result.images[0, 0, 0] < 0.05 and result.images[0].max() > 0.9
    dataset = result.dataset()
    assert dataset.name == "custom-images" and dataset.shape == (1, 16, 16)
    assert float(dataset.data.min()) >= -1.0 and float(dataset.data.max()) <= 1.0


def test_transparent_and_colour_images_and_28px():
    rgba = [(f"e{i}.png", png(color=0, mode="RGBA")) for i in range(8)]
    result = images_from_uploads(rgba, size=28)
    assert result.images.shape == (8, 28, 28)
    assert result.images[:, 0, 0].max() < 0.05  # transparent background -> white paper -> black


def test_zip_of_images_with_junk_reports_what_it_skipped():
    entries = {f"set/img{i}.png": png() for i in range(9)}
    entries["set/README.txt"] = b"these are my drawings"
    entries["__MACOSX/set/._img0.png"] = b"resource fork"
    result = images_from_uploads([("class.zip", zip_bytes(entries))])
    assert len(result.images) == 9
    assert len(result.skipped) == 1 and "README.txt" in result.skipped[0] and "not an image" in result.skipped[0]


def test_non_image_files_only_is_a_clear_error():
    with pytest.raises(ValueError, match="0 usable image.*notes.txt: not an image"):
        images_from_uploads([("notes.txt", b"hello")] * 8)


@pytest.mark.parametrize("n, message", [(7, "at least 8"), (12, "too many")])
def test_count_limits(n, message):
    with pytest.raises(ValueError, match=message):
        images_from_uploads([(f"{i}.png", png()) for i in range(n)], max_images=10)


@pytest.mark.parametrize("name", ["../escape.png", "/etc/evil.png", "a/../../b.png", "C:/x.png", "..\\win.png"])
def test_zip_path_traversal_is_refused(name):
    entries = {f"ok{i}.png": png() for i in range(8)}
    entries[name] = png()
    with pytest.raises(ValueError, match="paths must stay inside"):
        images_from_uploads([("evil.zip", zip_bytes(entries))])


def test_nested_archives_are_refused():
    inner = zip_bytes({f"{i}.png": png() for i in range(8)})
    with pytest.raises(ValueError, match="another archive"):
        images_from_uploads([("outer.zip", zip_bytes({"inner.zip": inner}))])
    with pytest.raises(ValueError, match="another archive"):  # disguised by its name
        images_from_uploads([("outer.zip", zip_bytes({"inner.png": inner}))])


def test_zip_bomb_by_declared_size_is_refused_before_reading():
    """A 200 MB run of zeros deflates to ~200 kB: the central directory declares the size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("bomb.png", "w", force_zip64=True) as member:
            block = bytes(1 << 20)
            for _ in range(200):
                member.write(block)
    assert len(buffer.getvalue()) < 1_000_000
    with pytest.raises(ValueError, match="zip bomb"):
        images_from_uploads([("bomb.zip", buffer.getvalue())])


def test_zip_member_that_unpacks_beyond_its_declared_size_is_stopped(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_FILE_BYTES", 50_000)
    big = zip_bytes({"big.png": bytes(200_000)})
    with pytest.raises(ValueError, match="per image|zip bomb"):
        images_from_uploads([("big.zip", big)])
    # Lie in the central directory: declare 10 bytes for a 200 kB member.
    raw = bytearray(big)
    cd = raw.rfind(b"PK\x01\x02")
    struct.pack_into("<I", raw, cd + 24, 10)
    with pytest.raises(ValueError):
        images_from_uploads([("liar.zip", bytes(raw))])


def test_too_many_zip_entries(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ZIP_ENTRIES", 20)
    with pytest.raises(ValueError, match="too many"):
        images_from_uploads([("many.zip", zip_bytes({f"{i}.png": png() for i in range(21)}))])


def bomb_png(width: int, height: int) -> bytes:
    """A valid PNG header declaring width x height pixels, with almost no data behind it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grayscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize("side", [5000, 100_000])  # over our limit; over PIL's own bomb limit too
def test_decompression_bomb_image_is_refused_without_decoding(side):
    with pytest.raises(ValueError, match="megapixel limit|too large"):
        uploads.decode_image(bomb_png(side, side), 16)
    result = images_from_uploads([("bomb.png", bomb_png(side, side))] + [(f"{i}.png", png()) for i in range(8)])
    assert len(result.images) == 8 and "bomb.png" in result.skipped[0]


def test_truncated_image_is_skipped_with_a_reason():
    with pytest.raises(ValueError, match="cannot decode|not an image"):
        uploads.decode_image(png()[:60], 16)


def test_sizes_are_limited_to_what_the_dcgan_builds():
    with pytest.raises(ValueError, match="size"):
        images_from_uploads([(f"{i}.png", png()) for i in range(8)], size=10)
