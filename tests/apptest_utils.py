"""Helpers for Streamlit AppTest page tests."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

from gan_core.runs.runner import live_runs

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 60  # first runs import torch models and build runs; CI machines are slow


def open_app(page: str | None = None) -> AppTest:
    """Run app.py like a browser would, then (optionally) switch to `page` ('app_pages/x.py')."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.run()
    if page is not None:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def session_run(at: AppTest, slot: str):
    """The TrainingRun the session owns in `slot`."""
    return at.session_state["_gan_runs"].runs[slot]


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.05) -> bool:
    """Poll until predicate() is true; tests wait on conditions, never fixed sleeps."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return bool(predicate())


def stop_all_runs() -> None:
    for run in live_runs():
        run.stop()


NUMPY_DTYPE = {"f8": "<f8", "f4": "<f4", "i1": "i1", "u1": "u1", "i2": "<i2", "u2": "<u2", "i4": "<i4", "u4": "<u4"}


def decoded(node):
    """What plotly.js makes of a figure's JSON: typed arrays as the numbers they hold (NaN as null)."""
    import base64

    import numpy as np

    if isinstance(node, dict):
        if set(node) >= {"dtype", "bdata"}:
            values = np.frombuffer(base64.b64decode(node["bdata"]), dtype=NUMPY_DTYPE[node["dtype"]])
            if "shape" in node:
                values = values.reshape([int(n) for n in node["shape"].split(",")])
            return decoded(values.tolist())
        return {k: decoded(v) for k, v in node.items()}
    if isinstance(node, list):
        return [decoded(v) for v in node]
    if isinstance(node, float):
        return None if node != node else node
    return node


def chart_figures(at: AppTest) -> dict[str, dict]:
    """The page's live charts as {key: figure dict}, in page order, whichever way ui.charts drew
    them: the in-place chart component (its data is the figure's JSON, typed arrays decoded as
    plotly.js decodes them) or st.plotly_chart."""
    from ui.plotly_component import COMPONENT_NAME

    def key(element_id: str) -> str:
        return re.sub(r"^\$\$ID-[0-9a-f]+-", "", element_id)

    out: dict[str, dict] = {}
    for element in at.get("bidi_component"):
        if element.proto.component_name == COMPONENT_NAME:
            data = json.loads(element.proto.json)
            out[key(element.proto.id)] = decoded(json.loads(data) if isinstance(data, str) else data)
    for element in at.get("plotly_chart"):
        out[key(element.proto.id)] = json.loads(element.proto.spec)
    return out
