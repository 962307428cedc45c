"""Issue 24 items 3 and 4: texts that depend on what a preset does branch on it, and the numbers they
quote come from the measured record (gan_core/measured.json), not from a typed sentence."""

from __future__ import annotations

import pytest
from apptest_utils import open_app

from gan_core import measured
from gan_core.presets import PRESETS
from ui import preset_texts
from ui.pages import PAGES

# Every page that offers presets, with every preset it offers.
CASES = [
    (p.path, p.slots[0], name) for p in PAGES if len(p.slots) == 1 and p.preset_choices for name in p.preset_choices
]


def _visible_text(at) -> str:
    parts = []
    for kind in ("markdown", "caption", "info", "warning", "success", "error", "title", "subheader"):
        parts += [e.value for e in getattr(at, kind)]
    return "\n".join(str(p) for p in parts)


def _open_with(page: str, slot: str, preset: str):
    at = open_app(page)
    picker = at.sidebar.selectbox(key=f"{slot}:preset-picker")
    if picker.value != preset:
        picker.set_value(preset).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.parametrize("page, slot, preset", CASES, ids=[f"{p.split('/')[-1]}-{n}" for p, _, n in CASES])
def test_no_healthy_promise_beside_a_collapse_preset_nor_the_reverse(page, slot, preset):
    text = _visible_text(_open_with(page, slot, preset))
    wrong = preset_texts.HEALTHY_MARKS if PRESETS[preset].collapses else preset_texts.COLLAPSE_MARKS
    assert not [mark for mark in wrong if mark in text], (preset, [m for m in wrong if m in text])


def test_every_preset_a_page_offers_is_in_the_measured_record():
    offered = {name for _, _, name in CASES}
    assert offered <= set(measured.record()), sorted(offered - set(measured.record()))
    for m in measured.record().values():
        assert len(m.seeds) >= 3 and m.cpu and m.date and m.steps > 0


def _fake_record(value: float) -> dict[str, measured.Measured]:
    ranges = dict.fromkeys(measured.MEASURES, (value, value))
    return {name: measured.Measured(name, (0, 1, 2), 1234, "a test CPU", "2000-01-01", ranges) for name in PRESETS}


@pytest.mark.parametrize(
    "page, slot, preset, shown",
    [
        ("app_pages/playground.py", "playground", "ring8", "ends at 37 %"),
        ("app_pages/playground.py", "playground", "ring8-collapse", "ends below the 50 % line: 37 %"),
        ("app_pages/image_gan.py", "images", "digits", "it ends at 37 %"),
        ("app_pages/overview.py", "overview", "ring8", "(0 of 8 at step 1,234"),
    ],
)
def test_the_numbers_a_text_quotes_are_the_records(monkeypatch, page, slot, preset, shown):
    """With a made-up record, the page quotes the made-up numbers: none of them is typed into a text."""
    monkeypatch.setattr(preset_texts, "record", lambda: _fake_record(0.37))
    text = _visible_text(_open_with(page, slot, preset))
    assert shown in text, text[-2000:]


def test_a_presets_explanation_leaves_once_the_data_is_not_the_presets():
    """Review of issue 24: after the playground's data switched to moons (no preset of its own), the box
    kept 'ring8: G spreads over all 8 modes'; the sidebar now says the preset was changed."""
    at = _open_with("app_pages/playground.py", "playground", "ring8")
    assert "G spreads over all 8 modes" in _visible_text(at)
    at.segmented_control(key="pg:dataset").set_value("moons").run()
    assert not at.exception
    assert "G spreads over all 8 modes" not in _visible_text(at)
    assert any("changed since it was loaded: dataset" in c.value for c in at.sidebar.caption)


def test_the_smoothed_views_toggle_does_not_change_the_lesson_text():
    """The toggle starts a weight average (g_ema) on a collapse preset: a display setting, so the
    preset's sentences stay."""
    at = _open_with("app_pages/playground.py", "playground", "ring8-collapse")
    before = [m for m in preset_texts.COLLAPSE_MARKS if m in _visible_text(at)]
    at.sidebar.toggle(key="playground:smoothed_view").set_value(True).run()
    assert before and [m for m in preset_texts.COLLAPSE_MARKS if m in _visible_text(at)] == before
