"""figures/: every figure is a valid Plotly figure a student can read, in one colour scheme,
cheap enough to rebuild live (decimated, plain dicts), built without plotly or Streamlit."""

import numpy as np
import pytest
from figure_checks import all_figures, assert_valid, axis_title, title_of, traces_named

from figures import playground, quality, theme, theory


# --- every figure --------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(all_figures()))
def test_every_figure_is_valid_titled_and_readable(name):
    fig = all_figures()[name]
    assert_valid(fig)
    assert title_of(fig).strip()
    assert axis_title(fig, "xaxis").strip() and axis_title(fig, "yaxis").strip()
    layout = fig["layout"]
    assert layout["font"]["size"] >= 14, "projector-readable text"
    assert isinstance(layout["uirevision"], str) and layout["uirevision"]
    assert isinstance(layout["height"], int)
    if sum(1 for t in fig["data"] if t.get("showlegend", True) and t["type"] not in ("heatmap", "contour")) > 1:
        assert layout["showlegend"] is True


def test_figures_are_plain_dicts_not_graph_objects():
    for fig in all_figures().values():
        assert type(fig) is dict
        assert all(type(t) is dict for t in fig["data"])


def test_uirevision_is_constant_across_refreshes_so_zoom_survives():
    a, b = all_figures(100), all_figures(400)
    for name in a:
        assert a[name]["layout"]["uirevision"] == b[name]["layout"]["uirevision"], name


@pytest.mark.parametrize("rows", [0, 1])
def test_tiny_and_empty_histories_give_valid_figures(rows):
    for fig in all_figures(rows).values():
        assert_valid(fig)


def test_missing_metric_columns_give_valid_figures():
    only_steps = {"step": np.arange(5.0)}
    for fig in (
        quality.modes_figure(only_steps, 8),
        quality.divergence_figure(only_steps),
        quality.digits_quality_figure(only_steps),
        quality.frechet_figure(only_steps, None),
        quality.multi_run_modes_figure([], 8),
        theory.density_1d_figure({}),
        quality.class_histogram_figure([]),
        playground.playground_figure(None, None, {}, set(playground.PLAYGROUND_LAYERS), None),
    ):
        assert_valid(fig)


# --- colours -------------------------------------------------------------------------------------
def test_one_colour_scheme_across_figures():
    figs = all_figures()

    def colors(fig, frag):
        return {t.get("line", {}).get("color") or t.get("marker", {}).get("color") for t in traces_named(fig, frag)}

    assert colors(figs["d_outputs"], "D(x)") == {theme.REAL}
    assert colors(figs["d_outputs"], "D(G(z))") == {theme.FAKE}
    assert colors(figs["playground"], "real") == {theme.REAL}
    assert colors(figs["playground"], "generated") == {theme.FAKE}
    assert colors(figs["density_1d"], "p_data") == {theme.REAL}
    assert colors(figs["density_1d"], "p_g") == {theme.FAKE}
    assert colors(figs["density_1d"], "optimal D*") == {theme.OPTIMAL}
    assert colors(figs["density_1d"], "D(x)") == {theme.D_COLOR}
    assert colors(figs["accuracy"], "on real") == {theme.REAL}
    assert colors(figs["accuracy"], "on fake") == {theme.FAKE}
    assert colors(figs["loss"], "D loss") == {theme.D_COLOR}
    assert colors(figs["loss"], "G loss") == {theme.G_COLOR}
    assert colors(figs["modes"], "modes covered") == {theme.FAKE}
    assert figs["class_hist"]["data"][0]["marker"]["color"] == theme.FAKE
    assert traces_named(figs["density_1d"], "optimal D*")[0]["line"]["dash"] == "dash"


# --- no plotly, no Streamlit ---------------------------------------------------------------------
def test_module_is_pure():
    """Figures are plain dicts: no module in figures/ imports Streamlit or plotly. ui.figure_dicts,
    which hands them to Streamlit, imports plotly lazily, only in trusted_figure."""
    import ast
    from pathlib import Path

    import figures
    from ui import figure_dicts

    paths = sorted(Path(figures.__file__).parent.glob("*.py")) + [Path(figure_dicts.__file__)]
    assert len(paths) >= 12
    for path in paths:
        tree = ast.parse(path.read_text(encoding="utf8"))
        imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
        imported |= {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module}
        assert not any(
            name.startswith(("streamlit", "plotly.graph_objects", "plotly.graph_objs")) for name in imported
        ), path.name
        if path.parent.name == "figures":
            assert not any(name.split(".")[0] == "plotly" for name in imported), path.name
        top_level = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
        top_names = {alias.name for node in top_level if isinstance(node, ast.Import) for alias in node.names}
        top_names |= {node.module for node in top_level if isinstance(node, ast.ImportFrom) and node.module}
        assert not any(name.split(".")[0] in ("plotly", "streamlit") for name in top_names), (
            f"{path.name}: plotly is imported lazily, only by trusted_figure"
        )
