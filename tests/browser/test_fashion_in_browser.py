"""Fashion-MNIST in a real browser: the fashion preset trains on the Image GAN page from Debian's
files, and the Latent space page walks the shipped clothes generator (screenshots for docs/)."""

from __future__ import annotations

import re

import pytest

from gan_core.presets import PRESETS
from tests.browser.helpers import (
    CHARTS,
    SIDEBAR,
    chart_sizes,
    click_sidebar_button,
    exceptions,
    image_sources,
    open_page,
    screenshot_whole_page,
    status,
    step,
    wait_until,
    whole_page_in_view,
)

pytestmark = pytest.mark.browser


def class_axis_labels(page) -> list[list[str]]:
    """The x categories of every bar chart on the page, as Plotly drew them."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.js-plotly-plot')).flatMap(gd =>
              (gd._fullData || []).filter(t => t.type === 'bar').map(t => Array.from(t.x || [])))"""
    )


def test_fashion_preset_trains_and_draws_every_view(page, app_url, screenshot_dir, fashion_mnist):
    open_page(page, f"{app_url}/image-gan?preset=fashion")
    assert not exceptions(page), exceptions(page)
    main = page.locator("[data-testid='stMain']").inner_text()
    assert fashion_mnist.extra["source"] in main  # where the app found the data
    assert PRESETS["fashion"].summary in page.locator(SIDEBAR).inner_text()  # the picker's preset, as captioned
    click_sidebar_button(page, "▶ Start")
    assert wait_until(lambda: step(page) > 20, timeout=60), status(page)
    before = image_sources(page)
    assert wait_until(lambda: image_sources(page) != before, timeout=20)  # the live grid moves
    with whole_page_in_view(page):
        assert wait_until(
            lambda: len(chart_sizes(page)) >= CHARTS["image-gan"] and all(chart_sizes(page)), timeout=30
        ), chart_sizes(page)
        assert ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag",
                "Ankle boot"] in class_axis_labels(page)  # fmt: skip
    # About 40 s of training: the clothes a teacher would show, the confidence near 0.8 (docs screenshot).
    assert wait_until(lambda: step(page) > 2500, timeout=150), status(page)
    assert not exceptions(page), exceptions(page)
    with whole_page_in_view(page):
        wait_until(lambda: all(chart_sizes(page)), timeout=10)
        screenshot_whole_page(page, str(screenshot_dir / "image-gan-fashion.png"))
    click_sidebar_button(page, "⏸ Pause")
    assert wait_until(lambda: "paused" in status(page))


def test_latent_space_walks_the_pretrained_clothes_generator(page, app_url, screenshot_dir):
    open_page(page, f"{app_url}/latent-space")
    page.get_by_text(re.compile("Pretrained Fashion-MNIST generator")).click()
    assert wait_until(lambda: "Fashion-MNIST clothes" in page.locator("[data-testid='stMain']").inner_text(), 30)
    assert wait_until(lambda: len(image_sources(page)) >= 8, timeout=30), image_sources(page)
    assert not exceptions(page), exceptions(page)
    screenshot_whole_page(page, str(screenshot_dir / "latent-space-fashion.png"))
