"""The in-place live chart: plotly.js is served from ./static (offline), copied whole, once."""

from __future__ import annotations

from pathlib import Path

import plotly

from ui import plotly_component


def test_plotly_js_is_copied_from_the_installed_package_once(tmp_path, monkeypatch):
    target = tmp_path / "static" / "plotly.min.js"
    monkeypatch.setattr(plotly_component, "STATIC_JS", target)
    source = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert plotly_component.ensure_plotly_js() == target
    assert target.read_bytes() == source.read_bytes()
    stamp = target.stat().st_mtime_ns
    plotly_component.ensure_plotly_js()
    assert target.stat().st_mtime_ns == stamp  # already there: not copied again
    target.write_bytes(b"truncated")  # a broken copy (another plotly version, a crash) is replaced
    plotly_component.ensure_plotly_js()
    assert target.read_bytes() == source.read_bytes()
    assert not list(target.parent.glob("*.tmp"))


def test_the_component_loads_plotly_from_streamlits_static_route():
    # Relative to the page, so a server.baseUrlPath or a proxy's prefix is kept (tests/browser).
    assert f"new URL('./{plotly_component.URL_PATH}', document.baseURI)" in plotly_component.JS
    assert plotly_component.URL_PATH == "app/static/plotly.min.js"  # server.enableStaticServing
    config = (Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text()
    assert "enableStaticServing = true" in config
    assert "Plotly.react" in plotly_component.JS and "Plotly.purge" in plotly_component.JS


def test_a_read_only_install_falls_back_to_st_plotly_chart(monkeypatch):
    def refuse():
        raise PermissionError("read-only file system")

    monkeypatch.setattr(plotly_component, "ensure_plotly_js", refuse)
    monkeypatch.setattr(plotly_component, "_component", None)
    monkeypatch.setattr(plotly_component, "_unavailable", False)
    assert plotly_component.live_plotly({"data": [], "layout": {}}, "k") is False
