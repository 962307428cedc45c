"""The Theory page's "Does GAN training converge?" section (issue 25): the Dirac GAN, closed until
opened or linked, stepped and played in the page with the project's own training code, its numbers
computed, every control in the link."""

from __future__ import annotations

import pytest
from apptest_utils import chart_figures, open_app, session_run
from streamlit.testing.v1 import AppTest
from test_page_teaching import link_warnings, open_link

from gan_core.dirac import DiracConfig, DiracGAN
from ui import dirac

PAGE = "app_pages/theory.py"
DIRAC_CHARTS = {"dirac:field", "dirac:parameters", "dirac:distance"}


def _open(at: AppTest) -> AppTest:
    at.session_state[dirac.KEY_OPEN] = True
    return at.run()


def _path(at: AppTest):
    return at.session_state[dirac.KEY_GAME].path


def _button(at: AppTest, key: str):
    return next(b for b in at.button if b.key == key)


@pytest.fixture
def at():
    app = open_app(PAGE)
    yield app
    session_run(app, "theory").stop()


def test_closed_it_costs_nothing_open_it_draws_the_game(at):
    assert not DIRAC_CHARTS & set(chart_figures(at))  # closed by default: nothing computed
    assert dirac.KEY_GAME not in at.session_state
    _open(at)
    assert not at.exception
    assert DIRAC_CHARTS <= set(chart_figures(at))
    assert at.segmented_control(key=dirac.KEY_LOSS).value == "minimax"
    assert at.segmented_control(key=dirac.KEY_UPDATE).value == "simultaneous"
    assert dict(at.query_params) == {"preset": "gauss1d", "dirac": "1"}
    text = "\n".join(m.value for m in at.markdown)
    assert "we can expect convergence" in text and "Convex is not enough." in text
    links = list(at.get("page_link"))
    assert any("grid25" in link.proto.label and "γ = 1" in link.proto.label for link in links)


def test_step_play_and_reset_move_the_game_with_the_trainers_code(at):
    _open(at)
    _button(at, "dirac:btn:step").click().run()
    _button(at, "dirac:btn:step").click().run()
    path = _path(at)
    expected = DiracGAN(DiracConfig(loss="minimax", update="simultaneous", lr=0.1)).run(2)
    assert path.theta.tolist() == expected.theta.tolist() and path.psi.tolist() == expected.psi.tolist()
    _button(at, "dirac:btn:play").click().run()  # Play: each run of the fragment adds a few steps
    assert at.session_state[dirac.KEY_PLAYING] and _path(at).steps[-1] == 2 + dirac.STEPS_PER_TICK
    at.run()
    assert _path(at).steps[-1] == 2 + 2 * dirac.STEPS_PER_TICK
    _button(at, "dirac:btn:play").click().run()  # Pause
    assert not at.session_state[dirac.KEY_PLAYING]
    steps = _path(at).steps[-1]
    at.run()
    assert _path(at).steps[-1] == steps
    trajectory = chart_figures(at)["dirac:field"]["data"][1]
    assert trajectory["name"] == f"training ({steps:,} steps)"
    _button(at, "dirac:btn:reset").click().run()
    assert _path(at).steps.tolist() == [0]


def test_the_numbers_under_the_charts_are_the_games_own(at):
    _open(at)
    for _ in range(3):
        _button(at, "dirac:btn:step").click().run()
    game = at.session_state[dirac.KEY_GAME].game
    caption = "\n".join(c.value for c in at.caption)
    assert f"Step 3: (θ, ψ) = ({game.theta:.3g}, {game.psi:.3g})" in caption
    assert f"multiplies the distance by {game.simultaneous_growth():.4f} there" in caption
    assert "eigenvalues 0 ± 0.5i" in caption  # the rotation of the minimax game at (0, 0)
    at.segmented_control(key=dirac.KEY_UPDATE).set_value("alternating").run()
    assert "multiplies the distance" not in "\n".join(c.value for c in at.caption)  # a simultaneous-only number


def test_a_new_setting_starts_again_at_step_0(at):
    _open(at)
    _button(at, "dirac:btn:step").click().run()
    at.slider(key=dirac.KEY_GAMMA).set_value(1.0).run()
    current = at.session_state[dirac.KEY_GAME]
    assert current.config.r1_weight == 1.0 and current.path.steps.tolist() == [0]
    assert chart_figures(at)["dirac:field"]["layout"]["title"]["text"].startswith(
        "minimax (the paper's), simultaneous, h = 0.1, R1 γ = 1"
    )


def test_a_link_opens_the_game_with_every_setting():
    params = {
        "preset": "gauss1d",
        "dirac": "1",
        "dirac_loss": "wgan-gp",
        "dirac_update": "alternating",
        "dirac_h": "0.2",
        "dirac_gamma": "0.5",
    }
    at = open_link(PAGE, params)
    try:
        assert link_warnings(at) == []
        assert at.session_state[dirac.KEY_GAME].config == DiracConfig(
            loss="wgan-gp", update="alternating", lr=0.2, r1_weight=0.5
        )
        assert at.slider(key=dirac.KEY_LR).value == pytest.approx(0.2)
        assert dict(at.query_params) == params
        bad = open_link(PAGE, {"preset": "gauss1d", "dirac": "1", "dirac_h": "3", "dirac_loss": "hinge"})
        assert len(link_warnings(bad)) == 2
        assert bad.session_state[dirac.KEY_GAME].config == DiracConfig(loss="minimax", lr=0.1)
        session_run(bad, "theory").stop()
    finally:
        session_run(at, "theory").stop()
