"""The page list: one place that says which runs (slots) each page shows and their presets."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    path: str
    title: str
    icon: str
    url_path: str
    slots: tuple[str, ...]  # the session runs this page shows; the first gets the sidebar
    presets: tuple[str, ...]  # default preset per slot
    preset_choices: tuple[str, ...] = ()  # presets offered in the sidebar ('' = none)
    default: bool = False
    slot_labels: tuple[str, ...] = ()  # how the sidebar names each run when a page has several


# The image pages' presets. The Fashion-MNIST ones are offered only where its files are on the
# computer (app.py's sidebar asks ui.images.preset_missing_reason and says what to do otherwise).
IMAGE_PRESETS = ("digits", "digits-collapse", "fashion", "fashion-collapse")

PAGES: tuple[PageInfo, ...] = (
    PageInfo(
        "app_pages/overview.py",
        "Overview",
        "🏠",
        "overview",
        ("overview",),
        ("ring8",),
        ("ring8", "ring8-collapse", "grid25", "spiral"),
        default=True,
    ),
    PageInfo(
        "app_pages/playground.py",
        "2D playground",
        "🎯",
        "playground",
        ("playground",),
        ("ring8",),
        ("ring8", "ring8-collapse", "grid25", "grid25-collapse", "spiral"),
    ),
    PageInfo(
        "app_pages/image_gan.py",
        "Image GAN",
        "🖼️",
        "image-gan",
        ("images",),
        ("digits",),
        IMAGE_PRESETS,
    ),
    PageInfo(
        "app_pages/inside.py",
        "Inside G and D",
        "🔬",
        "inside",
        ("images",),
        ("digits",),
        IMAGE_PRESETS,
    ),
    PageInfo(
        "app_pages/latent_space.py",
        "Latent space",
        "🧭",
        "latent-space",
        ("images",),
        ("digits",),
        IMAGE_PRESETS,
    ),
    PageInfo(
        "app_pages/mode_collapse.py",
        "Mode collapse lab",
        "🌀",
        "mode-collapse",
        ("lab-a", "lab-b"),
        ("ring8-collapse", "ring8"),
        slot_labels=("A", "B"),
    ),
    PageInfo("app_pages/theory.py", "Theory", "📐", "theory", ("theory",), ("gauss1d",), ("gauss1d", "bimodal1d")),
    # The challenge run: its preset is the open challenge's (ui.board), not a picker's.
    PageInfo("app_pages/board.py", "Class board", "🏆", "board", ("board",), ("ring8-collapse",)),
)

BY_URL = {p.url_path: p for p in PAGES}
BY_PATH = {p.path: p for p in PAGES}
