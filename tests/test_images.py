"""Image datasets: what the trainer and the app rely on (shape, range, reproducibility, safe downloads)."""

from __future__ import annotations

import gzip
import hashlib
import io
from pathlib import Path
from urllib.error import URLError

import numpy as np
import pytest
import torch

from gan_core.data import idx_files
from gan_core.data import images as img
from gan_core.data.idx_files import IdxContent
from gan_core.data.images import (
    DatasetUnavailable,
    digits_dataset,
    image_dataset,
    images_from_arrays,
    load_digits_arrays,
    mnist_dataset,
    read_idx,
    shapes_dataset,
)

IMAGES_GZ, LABELS_GZ = img.MNIST_FILES


# --- helpers ---------------------------------------------------------------------------------


def idx_bytes(array: np.ndarray, type_code: int = 0x08) -> bytes:
    dtype = {0x08: ">u1", 0x0C: ">i4", 0x0D: ">f4"}[type_code]
    header = bytes([0, 0, type_code, array.ndim]) + b"".join(d.to_bytes(4, "big") for d in array.shape)
    return header + array.astype(dtype).tobytes()


@pytest.fixture
def fake_mnist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A 'server' folder with tiny MNIST-format files, plus mirrors/checksums pointing at it, and
    the content checks of those files (what CONTENTS holds for the real ones). No system folder
    and no $GAN_EXPLAINER_DATA unless a test sets one."""
    monkeypatch.setattr(idx_files, "SYSTEM_DIRS", {"mnist": (), "fashion": ()})
    monkeypatch.delenv(idx_files.DATA_ENV, raising=False)
    rng = np.random.default_rng(1)
    pixels = rng.integers(0, 256, size=(20, 28, 28), dtype=np.uint8)
    labels = (np.arange(20) % 10).astype(np.uint8)
    raw = {IMAGES_GZ[:-3]: idx_bytes(pixels), LABELS_GZ[:-3]: idx_bytes(labels)}
    server = tmp_path / "server"
    server.mkdir()
    for name, content in raw.items():
        (server / f"{name}.gz").write_bytes(gzip.compress(content, mtime=0))
    md5 = {name: hashlib.md5((server / name).read_bytes()).hexdigest() for name in img.MNIST_FILES}
    contents = {
        IMAGES_GZ[:-3]: IdxContent(hashlib.md5(raw[IMAGES_GZ[:-3]]).hexdigest(), (20, 28, 28)),
        LABELS_GZ[:-3]: IdxContent(hashlib.md5(raw[LABELS_GZ[:-3]]).hexdigest(), (20,)),
    }
    return {
        "pixels": pixels,
        "labels": labels,
        "raw": raw,
        "cache": tmp_path / "cache",
        "mirrors": {"mnist": (server.as_uri() + "/",)},
        "checksums": {"mnist": md5},
        "contents": {"mnist": contents},
    }


def load_fake(fake: dict, **kwargs) -> img.Dataset:
    options = {"mirrors": fake["mirrors"], "checksums": fake["checksums"], "contents": fake["contents"]} | kwargs
    return mnist_dataset("mnist", cache_dir=fake["cache"], **options)


def place(folder: Path, fake: dict, compress=lambda raw: gzip.compress(raw, compresslevel=1, mtime=12345)) -> Path:
    """Put the fake files in `folder` as a person (or Debian) would: recompressed, so their .gz
    bytes differ from the published ones while the content is the same."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in fake["raw"].items():
        packed = compress(content)
        (folder / (f"{name}.gz" if packed[:2] == b"\x1f\x8b" else name)).write_bytes(packed)
    return folder


def no_network(url: str, timeout: float) -> io.BytesIO:
    raise AssertionError(f"network used for {url}")


def offline_opener(url: str, timeout: float) -> io.BytesIO:
    raise URLError("[Errno -3] Temporary failure in name resolution")


# --- built-in digits -------------------------------------------------------------------------


def test_digits_arrays_are_the_uci_set() -> None:
    images, labels = load_digits_arrays()
    assert images.shape == (1797, 8, 8) and images.dtype == np.float32
    assert images.min() == 0.0 and images.max() == 1.0
    assert np.allclose(images * 16, np.round(images * 16))  # originally counts 0..16
    assert np.array_equal(np.unique(labels), np.arange(10))
    assert np.bincount(labels).min() >= 170


def test_digits_dataset_is_scaled_like_a_tanh_generator() -> None:
    ds = digits_dataset()
    assert (ds.name, ds.kind, ds.shape) == ("digits", "image", (1, 8, 8))
    assert ds.data.shape == (1797, 1, 8, 8) and ds.data.dtype == torch.float32
    assert ds.data.min().item() == -1.0 and ds.data.max().item() == 1.0
    images, _ = load_digits_arrays()
    assert torch.allclose(ds.data[:, 0], torch.from_numpy(images) * 2 - 1)
    assert ds.sample(5, torch.Generator().manual_seed(0)).shape == (5, 1, 8, 8)


def test_assets_folder_can_be_overridden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    np.savez_compressed(
        tmp_path / "digits.npz", images=np.full((3, 8, 8), 16, np.uint8), labels=np.array([1, 2, 3], np.uint8)
    )
    monkeypatch.setenv("GAN_EXPLAINER_ASSETS", str(tmp_path))
    images, labels = load_digits_arrays()
    assert images.shape == (3, 8, 8) and images.max() == 1.0 and labels.tolist() == [1, 2, 3]
    monkeypatch.setenv("GAN_EXPLAINER_ASSETS", str(tmp_path / "nowhere"))
    with pytest.raises(DatasetUnavailable, match="digits.npz"):
        load_digits_arrays()


# --- shapes ----------------------------------------------------------------------------------


def test_shapes_have_expected_shape_range_and_balanced_classes() -> None:
    ds = shapes_dataset(n=200, size=16, seed=0)
    assert ds.data.shape == (200, 1, 16, 16) and ds.shape == (1, 16, 16)
    assert ds.data.min().item() == -1.0 and ds.data.max().item() == 1.0
    assert np.bincount(ds.labels).tolist() == [50, 50, 50, 50]
    soft_edges = ((ds.data > -0.9) & (ds.data < 0.9)).float().mean().item()
    assert soft_edges > 0.01  # anti-aliased, not binary
    # Each shape class looks different on average (crosses cover less area than squares).
    area = [(ds.data[ds.labels == k] > 0).float().mean().item() for k in range(4)]
    assert area[3] < area[1]


def test_shapes_are_deterministic_per_seed() -> None:
    a, b = shapes_dataset(n=50, seed=3), shapes_dataset(n=50, seed=3)
    assert torch.equal(a.data, b.data) and np.array_equal(a.labels, b.labels)
    assert not torch.equal(a.data, shapes_dataset(n=50, seed=4).data)


def test_shapes_size_is_configurable_and_checked() -> None:
    assert shapes_dataset(n=8, size=32).data.shape == (8, 1, 32, 32)
    with pytest.raises(ValueError, match="size"):
        shapes_dataset(n=8, size=4)


# --- IDX reader ------------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_round_trips_plain_and_gzip(tmp_path: Path, compress: bool) -> None:
    array = np.random.default_rng(0).integers(0, 256, size=(7, 5, 3), dtype=np.uint8)
    raw = idx_bytes(array)
    path = tmp_path / "x.idx"
    path.write_bytes(gzip.compress(raw) if compress else raw)
    assert np.array_equal(read_idx(path), array)
    assert np.array_equal(read_idx(str(path)), array)
    assert np.array_equal(read_idx(path.read_bytes()), array)


def test_read_idx_handles_big_endian_types() -> None:
    ints = np.array([1, -2, 70000], dtype=np.int32)
    assert read_idx(idx_bytes(ints, 0x0C)).tolist() == [1, -2, 70000]
    floats = np.array([[0.5, -1.25]], dtype=np.float32)
    assert np.array_equal(read_idx(idx_bytes(floats, 0x0D)), floats)


@pytest.mark.parametrize(
    "raw, message",
    [
        (b"\x01\x00\x08\x01" + (3).to_bytes(4, "big") + b"abc", "magic"),
        (b"\x00\x00\x07\x01" + (3).to_bytes(4, "big") + b"abc", "element type"),
        (b"\x00\x00\x08\x01" + (4).to_bytes(4, "big") + b"abc", "truncated"),
        (b"\x00\x00\x08\x01" + (2).to_bytes(4, "big") + b"abc", "truncated"),
        (b"\x00\x00\x08\x02" + (2).to_bytes(4, "big"), "dimensions"),
        (b"\x00\x00", "too short"),
        (b"\x1f\x8b\x08garbage", "gzip"),
    ],
)
def test_read_idx_rejects_bad_files(raw: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        read_idx(raw)


# --- MNIST download and cache ----------------------------------------------------------------


def test_mnist_downloads_verifies_and_scales(fake_mnist: dict) -> None:
    ds = load_fake(fake_mnist)
    assert (ds.name, ds.shape) == ("mnist", (1, 28, 28))
    assert ds.data.shape == (20, 1, 28, 28)
    expected = torch.from_numpy(fake_mnist["pixels"]).float() / 255 * 2 - 1
    assert torch.allclose(ds.data[:, 0], expected)
    assert ds.labels.tolist() == fake_mnist["labels"].tolist()
    cached = sorted(p.name for p in (fake_mnist["cache"] / "mnist").iterdir())
    assert cached == sorted([*img.MNIST_FILES, idx_files.MANIFEST])  # and no leftover temporary files
    assert ds.extra["source_origin"] == "download" and "downloaded into your cache" in ds.description


def test_mnist_limit_keeps_a_reproducible_subset(fake_mnist: dict) -> None:
    a, b = load_fake(fake_mnist, limit=5), load_fake(fake_mnist, limit=5)
    assert a.data.shape == (5, 1, 28, 28) and torch.equal(a.data, b.data)
    full = load_fake(fake_mnist)
    rows = [int(torch.nonzero((full.data == row).all(dim=(1, 2, 3)))[0]) for row in a.data]
    assert len(set(rows)) == 5 and full.labels[rows].tolist() == a.labels.tolist()


def test_bad_checksum_is_an_error_and_leaves_nothing_cached(fake_mnist: dict) -> None:
    wrong = {"mnist": dict.fromkeys(img.MNIST_FILES, "0" * 32)}
    with pytest.raises(DatasetUnavailable, match="checksum mismatch"):
        load_fake(fake_mnist, checksums=wrong)
    folder = fake_mnist["cache"] / "mnist"
    assert not folder.exists() or list(folder.iterdir()) == []


def test_offline_raises_a_helpful_error(fake_mnist: dict) -> None:
    with pytest.raises(DatasetUnavailable) as info:
        load_fake(fake_mnist, opener=offline_opener)
    message = str(info.value)
    assert "name resolution" in message  # what happened
    assert IMAGES_GZ in message and str(fake_mnist["cache"] / "mnist") in message  # what to do
    assert "digits" in message
    assert isinstance(info.value, RuntimeError)


def test_timeout_and_cut_off_download_leave_no_file(fake_mnist: dict) -> None:
    def timing_out(url: str, timeout: float) -> io.BytesIO:
        raise TimeoutError("timed out")

    class CutOff(io.BytesIO):
        def read(self, size: int = -1) -> bytes:
            raise ConnectionResetError("connection reset by peer")

    for opener in (timing_out, lambda url, timeout: CutOff(b"")):
        with pytest.raises(DatasetUnavailable):
            load_fake(fake_mnist, opener=opener)
        assert list((fake_mnist["cache"] / "mnist").iterdir()) == []


def test_cached_files_are_used_without_network(fake_mnist: dict) -> None:
    first = load_fake(fake_mnist)
    again = load_fake(fake_mnist, opener=no_network)
    assert torch.equal(first.data, again.data)
    assert torch.equal(first.data, load_fake(fake_mnist, download=False).data)


def test_a_failing_mirror_falls_back_to_the_next(fake_mnist: dict, tmp_path: Path) -> None:
    mirrors = {"mnist": ((tmp_path / "missing").as_uri() + "/", *fake_mnist["mirrors"]["mnist"])}
    assert load_fake(fake_mnist, mirrors=mirrors).data.shape == (20, 1, 28, 28)


def test_a_corrupt_file_a_person_placed_is_reported_and_never_deleted(fake_mnist: dict) -> None:
    """The issue's bug: a file copied into the cache by hand was called corrupt and deleted."""
    folder = fake_mnist["cache"] / "mnist"
    place(folder, fake_mnist)
    (folder / IMAGES_GZ).write_bytes(gzip.compress(b"half a file"))
    for download in (False, True):
        with pytest.raises(DatasetUnavailable) as info:
            load_fake(fake_mnist, download=download, opener=no_network)
        assert str(folder / IMAGES_GZ) in str(info.value) and "not deleted" in str(info.value)
        assert (folder / IMAGES_GZ).read_bytes() == gzip.compress(b"half a file")  # untouched


def test_a_corrupt_downloaded_file_is_removed_and_fetched_again(fake_mnist: dict) -> None:
    load_fake(fake_mnist)  # downloads both files and lists them as its own
    folder = fake_mnist["cache"] / "mnist"
    (folder / IMAGES_GZ).write_bytes(b"bit rot")
    with pytest.raises(DatasetUnavailable, match="deleted"):
        load_fake(fake_mnist, download=False)
    assert not (folder / IMAGES_GZ).exists()
    assert load_fake(fake_mnist).data.shape == (20, 1, 28, 28)  # fetched again
    assert hashlib.md5((folder / IMAGES_GZ).read_bytes()).hexdigest() == fake_mnist["checksums"]["mnist"][IMAGES_GZ]


def test_recompressed_or_uncompressed_copies_are_accepted_by_content(fake_mnist: dict) -> None:
    """Debian recompresses the original files: other .gz bytes, the same content."""
    folder = place(fake_mnist["cache"] / "mnist", fake_mnist)
    published = fake_mnist["checksums"]["mnist"][IMAGES_GZ]
    assert hashlib.md5((folder / IMAGES_GZ).read_bytes()).hexdigest() != published
    ds = load_fake(fake_mnist, download=False, opener=no_network)
    assert torch.equal(ds.data[:, 0], torch.from_numpy(fake_mnist["pixels"]).float() / 255 * 2 - 1)
    assert ds.extra["source_origin"] == "cache"
    for path in folder.iterdir():
        path.unlink()
    place(folder, fake_mnist, compress=lambda raw: raw)  # gunzipped by hand
    assert sorted(p.name for p in folder.iterdir()) == sorted(n[:-3] for n in img.MNIST_FILES)
    assert load_fake(fake_mnist, download=False).labels.tolist() == fake_mnist["labels"].tolist()


def test_other_content_under_the_right_name_is_refused(fake_mnist: dict) -> None:
    folder = fake_mnist["cache"] / "mnist"
    place(folder, fake_mnist)
    other = np.zeros((20, 28, 28), np.uint8)  # a valid IDX file, not the original content
    (folder / IMAGES_GZ).write_bytes(gzip.compress(idx_bytes(other)))
    with pytest.raises(DatasetUnavailable, match="not the original"):
        load_fake(fake_mnist, download=False)
    assert (folder / IMAGES_GZ).exists()


def test_a_system_folder_is_used_before_the_cache_and_the_network(
    fake_mnist: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system = place(tmp_path / "usr-share-datasets" / "mnist", fake_mnist)
    monkeypatch.setattr(idx_files, "SYSTEM_DIRS", {"mnist": (system,), "fashion": ()})
    ds = load_fake(fake_mnist, opener=no_network)
    assert ds.extra["source_origin"] == "system" and ds.extra["source_folder"] == str(system)
    assert str(system) in ds.description
    assert not fake_mnist["cache"].exists()  # nothing copied, nothing downloaded


def test_the_environment_folder_comes_first(fake_mnist: dict, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shared = tmp_path / "class-data"
    place(shared / "mnist", fake_mnist)
    broken_system = tmp_path / "system"
    broken_system.mkdir()
    (broken_system / IMAGES_GZ).write_bytes(b"junk")
    monkeypatch.setattr(idx_files, "SYSTEM_DIRS", {"mnist": (broken_system,), "fashion": ()})
    monkeypatch.setenv(idx_files.DATA_ENV, str(shared))
    ds = load_fake(fake_mnist, opener=no_network)
    assert ds.extra["source_origin"] == "env" and ds.extra["source_folder"] == str(shared / "mnist")
    assert "GAN_EXPLAINER_DATA" in ds.description
    assert [s.origin for s in idx_files.search_folders("mnist", fake_mnist["cache"])] == ["env", "system", "cache"]
    # A bad copy in one place is reported, left alone, and the next place is tried.
    monkeypatch.delenv(idx_files.DATA_ENV)
    place(fake_mnist["cache"] / "mnist", fake_mnist)
    assert load_fake(fake_mnist, opener=no_network).extra["source_origin"] == "cache"
    assert (broken_system / IMAGES_GZ).read_bytes() == b"junk"


def test_unavailable_message_names_the_debian_package_and_the_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(idx_files, "SYSTEM_DIRS", {"mnist": (), "fashion": (tmp_path / "nothing-here",)})
    monkeypatch.setenv(idx_files.DATA_ENV, str(tmp_path / "env"))
    with pytest.raises(DatasetUnavailable) as info:
        mnist_dataset("fashion", cache_dir=tmp_path / "cache", download=False)
    message = str(info.value)
    assert "apt-get install dataset-fashion-mnist" in message
    assert str(tmp_path / "nothing-here") in message and str(tmp_path / "cache" / "fashion") in message
    assert str(tmp_path / "env" / "fashion") in message and "downloading is switched off" in message


def test_the_debian_package_is_found_and_checked(fashion_mnist) -> None:
    """Real data: Debian's dataset-fashion-mnist, recompressed originals, found in place."""
    assert fashion_mnist.extra["source_origin"] in ("system", "env")
    if fashion_mnist.extra["source_origin"] == "system":
        assert "Debian package dataset-fashion-mnist" in fashion_mnist.description
    assert fashion_mnist.data.shape == (img.MNIST_LIMIT, 1, 28, 28)
    assert np.bincount(fashion_mnist.labels, minlength=10).min() > 900  # a random 10k of 60k balanced classes
    debian = Path("/usr/share/datasets/fashion-mnist")
    if debian.is_dir():
        for name in ("train-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
            raw = (debian / name).read_bytes()
            assert hashlib.md5(raw).hexdigest() != img.MNIST_MD5["fashion"][name]  # recompressed
            idx_files.check_content(raw, idx_files.CONTENTS["fashion"][name[:-3]])  # the original content
        test = mnist_dataset("fashion", split="test", download=False)
        assert test.data.shape == (10000, 1, 28, 28) and test.extra["split"] == "test"


def test_published_checksums_are_well_formed() -> None:
    for kind in ("mnist", "fashion"):
        assert set(img.MNIST_FILES) <= set(img.MNIST_MD5[kind])
        assert all(len(s) == 32 and int(s, 16) >= 0 for s in img.MNIST_MD5[kind].values())
        assert img.MNIST_MIRRORS[kind]
        contents = img.MNIST_CONTENTS[kind]
        assert {f"{name}.gz" for name in contents} == set(img.MNIST_MD5[kind])
        assert all(len(c.md5) == 32 and c.shape[0] in (60000, 10000) for c in contents.values())
    assert img.MNIST_MD5["mnist"][IMAGES_GZ] == "f68b3c2dcbeaaa9fbdd348bbdeb94873"


# --- user images and dispatcher --------------------------------------------------------------


def test_images_from_uint8_and_float_arrays() -> None:
    pixels = np.zeros((8, 10, 12), dtype=np.uint8)
    pixels[:, 0, 0] = 255
    ds = images_from_arrays(pixels, "mine", labels=list(range(8)))
    assert ds.data.shape == (8, 1, 10, 12) and ds.shape == (1, 10, 12)
    assert ds.data[0, 0, 0, 0].item() == 1.0 and ds.data[0, 0, 1, 1].item() == -1.0
    floats = images_from_arrays([p.astype(np.float32) / 255 for p in pixels], "mine")
    assert torch.allclose(floats.data, ds.data) and floats.labels is None


@pytest.mark.parametrize(
    "images, message",
    [
        (np.zeros((7, 16, 16), np.uint8), "at least 8"),
        (np.zeros((8, 4, 16), np.uint8), "between 8 and 64"),
        (np.zeros((8, 65, 65), np.uint8), "between 8 and 64"),
        (np.zeros((8, 16, 16, 3), np.uint8), "grayscale"),
        ([np.zeros((16, 16))] * 7 + [np.zeros((12, 12))], "same size"),
        (np.full((8, 16, 16), 1.5), "within \\[0, 1\\]"),
        (np.full((8, 16, 16), 300), "0..255"),
    ],
)
def test_images_from_arrays_rejects_unusable_uploads(images, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        images_from_arrays(images, "upload")


def test_image_dataset_dispatches_by_name(fake_mnist: dict) -> None:
    assert image_dataset("digits").data.shape == (1797, 1, 8, 8)
    assert image_dataset("shapes", n=12, size=16).data.shape == (12, 1, 16, 16)
    options = dict(
        cache_dir=fake_mnist["cache"],
        mirrors=fake_mnist["mirrors"],
        checksums=fake_mnist["checksums"],
        contents=fake_mnist["contents"],
    )
    assert image_dataset("mnist", limit=4, **options).data.shape == (4, 1, 28, 28)
    assert image_dataset("mnist", **options).data.shape == (20, 1, 28, 28)  # fewer than MNIST_LIMIT: all
    with pytest.raises(ValueError, match="unknown image dataset"):
        image_dataset("cifar")
