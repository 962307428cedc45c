"""Datasets by name. Toy sets are built in; image sets load lazily (they may read assets)."""

from __future__ import annotations

from gan_core.data.base import Dataset, Mixture
from gan_core.data.toy import TOY_BUILDERS, parse_points_csv, points_dataset


def get_dataset(name: str) -> Dataset:
    """The built-in dataset `name`. 'custom'/'custom-images' come from the user, not from here."""
    if name in TOY_BUILDERS:
        return TOY_BUILDERS[name]()
    if name in ("custom", "custom-images"):
        raise ValueError(f"dataset {name!r} is supplied by the user: pass it to the trainer directly")
    from gan_core.data.images import image_dataset  # deferred: reads assets / may download

    return image_dataset(name)


__all__ = ["Dataset", "Mixture", "get_dataset", "parse_points_csv", "points_dataset"]
