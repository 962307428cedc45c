"""Bad input from a link or a control: a readable message, the run keeps its last good
settings, and other sessions do not notice (#6). Engine-level rejections of uploads and
checkpoints are in test_uploads.py, test_checkpoint.py, test_toy_data.py and test_config.py."""

from __future__ import annotations

import math
import re

import pytest
from apptest_utils import TIMEOUT, session_run
from streamlit.testing.v1 import AppTest

from gan_core.presets import get_preset
from tests.apptest_utils import ROOT

BAD_URL_VALUES = [
    ("lr_g", "0", "lr_g must be in (0, 1]"),
    ("lr_g", "-0.001", "lr_g must be in (0, 1]"),
    ("lr_g", "1e9", "lr_g must be in (0, 1]"),
    ("lr_g", "nan", "lr_g must be a finite number"),
    ("lr_d", "inf", "lr_d must be a finite number"),
    ("lr_d", "fast", "lr_d must be a number"),
    ("batch_size", "0", "batch_size must be between 1 and 4096"),
    ("batch_size", "99999999", "batch_size must be between 1 and 4096"),
    ("batch_size", "12.5", "batch_size must be a whole number"),
    ("d_steps", "-3", "d_steps must be between 1 and 20"),
    ("loss", "magic", "loss must be one of"),
    ("beta1", "2", "beta1 must be in [0, 0.999]"),
]


def open_with(params: dict[str, str], page: str = "app_pages/playground.py") -> AppTest:
    """Open `page` from a link carrying `params` (a link names its page: /playground?lr_g=...)."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    at.query_params.clear()
    at.query_params.update(params)
    at.switch_page(page).run()
    return at


def _shown(markdown: str) -> str:
    """A message as the page shows it: the link's text is escaped so it cannot format the page."""
    return re.sub(r"\\(.)", r"\1", markdown)


@pytest.mark.parametrize("name, value, message", BAD_URL_VALUES)
def test_bad_link_values_are_reported_and_ignored(name, value, message):
    at = open_with({name: value})
    assert not at.exception
    warnings = " ".join(_shown(w.value) for w in at.warning)
    assert f"Ignored {name}=“{value}”" in warnings and message in warnings, warnings
    run = session_run(at, "playground")
    assert run.config == get_preset("ring8").config  # the last good settings stay


def test_unknown_preset_in_link_falls_back_with_a_message():
    at = open_with({"preset": "ring9-turbo"})
    assert not at.exception
    assert any("which this page does not offer" in w.value for w in at.warning)
    assert session_run(at, "playground").config.dataset == "ring8"


def test_good_link_values_apply():
    at = open_with({"preset": "ring8-collapse", "lr_g": "0.0002"})
    assert not at.exception and not at.warning
    cfg = session_run(at, "playground").config
    assert cfg.lr_g == 2e-4 and cfg.d_layers == get_preset("ring8-collapse").config.d_layers


def test_one_sessions_bad_input_does_not_touch_another_session():
    good = open_with({})
    good_run = session_run(good, "playground")
    bad = open_with({"lr_g": "NaN", "batch_size": "-1"})
    assert bad.warning and not bad.exception
    assert session_run(bad, "playground") is not good_run  # per-session isolation
    bad_run = session_run(bad, "playground")
    bad_run.update(lr_g=1e-5)
    assert good_run.config.lr_g == get_preset("ring8").config.lr_g
    good.run()
    assert not good.exception and not good.warning
    assert math.isclose(session_run(good, "playground").config.lr_g, get_preset("ring8").config.lr_g)
