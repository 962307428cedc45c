"""Write assets/digits.npz from scikit-learn's bundled copy of the UCI handwritten digits.

Why a script: the app ships the 1,797 8x8 digits so the image lessons work offline, but
scikit-learn is *not* a project dependency. Run this once in a throwaway environment:

    python -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn numpy
    /tmp/skl/bin/python scripts/extract_digits.py

The result is deterministic (same arrays, same order as `sklearn.datasets.load_digits`).
Attribution and licence: assets/DIGITS_LICENSE.md.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "assets" / "digits.npz"


def main() -> None:
    from sklearn.datasets import load_digits  # only needed here, in the throwaway env

    bunch = load_digits()
    images = bunch.images
    if images.shape != (1797, 8, 8) or images.min() < 0 or images.max() > 16:
        raise SystemExit(f"unexpected digits array: shape {images.shape}, range {images.min()}..{images.max()}")
    if not np.array_equal(images, np.round(images)):
        raise SystemExit("digits pixel values are expected to be integers 0..16")
    images_u8 = images.astype(np.uint8)
    labels_u8 = bunch.target.astype(np.uint8)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, images=images_u8, labels=labels_u8)
    digest = hashlib.sha256(images_u8.tobytes() + labels_u8.tobytes()).hexdigest()
    print(f"wrote {OUT} ({images_u8.shape[0]} images); sha256(images+labels bytes) = {digest}")


if __name__ == "__main__":
    main()
