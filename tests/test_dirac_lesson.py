"""What the Theory page's Dirac GAN section tells the class (ui/dirac.py), checked where the page runs
it: from (θ, ψ) = (1, 1), with plain SGD, over the whole range of its step-size and R1 sliders."""

from __future__ import annotations

import numpy as np
import pytest

from gan_core.dirac import DiracConfig, DiracGAN
from ui.dirac import GAMMA_RANGE, LR_RANGE, MAX_STEPS

H_VALUES = (LR_RANGE[0], 0.05, 0.1, 0.2, LR_RANGE[1])


def _distance(loss: str, update: str, h: float, gamma: float = 0.0, steps: int = MAX_STEPS) -> np.ndarray:
    return DiracGAN(DiracConfig(loss=loss, update=update, lr=h, r1_weight=gamma)).run(steps).distance


@pytest.mark.parametrize("loss", ["minimax", "wgan-gp"])
@pytest.mark.parametrize("h", H_VALUES)
def test_simultaneous_updates_spiral_out(loss, h):
    distance = _distance(loss, "simultaneous", h)
    assert distance[-1] > distance[0] * (1 + h**2 / 100)  # further out than it started
    assert distance.min() >= distance[0] * 0.999  # and never closer on the way
    # WGAN's linear loss spirals out exactly at the predicted rate (a straight line on the log chart).
    if loss == "wgan-gp":
        np.testing.assert_allclose(distance[1:] / distance[:-1], np.sqrt(1 + h**2), rtol=1e-9)


@pytest.mark.parametrize("h", [0.2, LR_RANGE[1]])
def test_far_out_the_minimax_spiral_slows_where_d_rejects_gs_point(h):
    game = DiracGAN(DiracConfig(loss="minimax", update="simultaneous", lr=h))
    path = game.run(MAX_STEPS)
    late = slice(MAX_STEPS // 2, None)
    # Most of the late steps sit where D's logit on G's point ψθ is far below 0 (σ(ψθ) ≈ 0: both
    # gradients almost vanish), so the distance grows far slower than near (0, 0).
    assert np.mean(path.theta[late] * path.psi[late] < -3) > 0.8
    growth = np.log(path.distance[-1] / path.distance[MAX_STEPS // 2]) / (MAX_STEPS // 2)
    assert growth < 0.25 * np.log(game.simultaneous_growth())


@pytest.mark.parametrize("loss", ["minimax", "wgan-gp"])
@pytest.mark.parametrize("h", H_VALUES)
def test_alternating_updates_go_round_for_ever(loss, h):
    distance = _distance(loss, "alternating", h)
    late = distance[len(distance) // 2 :]
    assert 0.7 * distance[0] < late.min() and late.max() < 1.3 * distance[0]  # no nearer, no further
    early = distance[: len(distance) // 2]
    assert abs(late.mean() - early.mean()) < 0.05 * distance[0]  # no drift either way


@pytest.mark.parametrize("h", H_VALUES)
def test_non_saturating_simultaneous_settles_on_a_circle(h):
    distance = _distance("nonsaturating", "simultaneous", h, steps=3 * MAX_STEPS)
    last = distance[-MAX_STEPS:]
    assert last.min() > 0.3 * np.sqrt(h)  # it goes round, never in
    assert last.max() < 1.25 * last.min()  # on one circle


@pytest.mark.parametrize("h", H_VALUES)
def test_non_saturating_alternating_creeps_in_ever_more_slowly(h):
    distance = _distance("nonsaturating", "alternating", h)
    first, second = distance[0] - distance[MAX_STEPS // 2], distance[MAX_STEPS // 2] - distance[-1]
    assert first > second > 0


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating", "wgan-gp"])
@pytest.mark.parametrize("h", [0.05, 0.1, LR_RANGE[1]])
@pytest.mark.parametrize("gamma", [0.1, 1.0, GAMMA_RANGE[1]])
def test_any_r1_penalty_makes_alternating_updates_spiral_in(loss, h, gamma):
    distance = _distance(loss, "alternating", h, gamma)
    assert distance[-1] < 0.5 * distance[0]
    assert distance[-1] < distance[len(distance) // 2]  # still getting closer at the end


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating", "wgan-gp"])
@pytest.mark.parametrize("h", [0.05, 0.1, 0.2, LR_RANGE[1]])
@pytest.mark.parametrize("gamma", [0.1, 0.2, 1.0, GAMMA_RANGE[1]])
def test_simultaneous_updates_spiral_in_once_the_captions_factor_is_below_1(loss, h, gamma):
    game = DiracGAN(DiracConfig(loss=loss, update="simultaneous", lr=h, r1_weight=gamma))
    factor = game.simultaneous_growth()
    distance = game.run(MAX_STEPS).distance
    if factor < 0.999:
        assert distance[-1] < 0.5 * distance[0] and distance[-1] < distance[len(distance) // 2]
    elif abs(factor - 1.0) < 1e-9:  # on the fence (WGAN's linear loss with γ = h): round for ever
        half = len(distance) // 2
        assert 0.5 * distance[0] < distance.min() and distance.max() < 2 * distance[0]
        assert abs(distance[half:].mean() - distance[:half].mean()) < 0.05 * distance[0]
    else:
        assert factor > 1.0
        assert distance[-100:].min() > 0.01  # it never arrives
