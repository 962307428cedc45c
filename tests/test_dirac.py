"""The Dirac GAN behaves as Mescheder, Geiger & Nowozin (2018) prove: simultaneous gradient steps
spiral out by √(1 + h²·f′(0)²) per step, alternating ones circle, R1 makes them converge."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gan_core.dirac import DIRAC_LOSSES, DiracConfig, DiracGAN

# f′(0) derived by hand from losses.py: D's loss on the data point 0 and G's point θ is
# softplus(0) + softplus(ψθ) (BCE) or ψθ (WGAN's linear loss), so the field near (0, 0) is
# θ̇ = f′(0)·ψ, ψ̇ = −f′(0)·θ with f′(0) = sigmoid(0) = 1/2 for both sigmoid losses and 1 for WGAN.
SLOPE = {"minimax": 0.5, "nonsaturating": 0.5, "wgan-gp": 1.0}


def _sigmoid(t: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-t))


def _analytic_field(loss: str, theta: np.ndarray, psi: np.ndarray, r1: float) -> tuple[np.ndarray, np.ndarray]:
    """(−∂L_G/∂θ, −∂L_D/∂ψ) written out for each loss; R1 = γ/2·ψ² adds −γψ to ψ̇."""
    t = psi * theta
    if loss == "wgan-gp":
        return psi, -theta - r1 * psi
    d_theta = _sigmoid(t) * psi if loss == "minimax" else _sigmoid(-t) * psi
    return d_theta, -_sigmoid(t) * theta - r1 * psi


@pytest.mark.parametrize("loss", DIRAC_LOSSES)
@pytest.mark.parametrize("h", [0.05, 0.3])
def test_simultaneous_steps_spiral_out_by_the_predicted_factor(loss, h):
    gan = DiracGAN(DiracConfig(loss=loss, update="simultaneous", lr=h, theta=1e-4, psi=-5e-5))
    distance = gan.run(20).distance
    expected = math.sqrt(1.0 + h**2 * SLOPE[loss] ** 2)
    ratios = distance[1:] / distance[:-1]
    assert np.allclose(ratios, expected, rtol=1e-7, atol=0.0), (ratios, expected)
    assert math.isclose(gan.simultaneous_growth(), expected, rel_tol=1e-12)
    assert ratios.min() > 1.0  # every step moves *away* from the equilibrium


@pytest.mark.parametrize("loss", DIRAC_LOSSES)
def test_alternating_steps_neither_converge_nor_diverge(loss):
    """Over 2,000 steps (simultaneous ones would grow 12x to 20,000x) the distance stays within 5 %."""
    start = DiracGAN(DiracConfig(loss=loss, update="alternating", lr=0.1, theta=1e-3, psi=0.0))
    distance = start.run(2000).distance / 1e-3
    assert 0.95 < distance.min() and distance.max() < 1.05, (distance.min(), distance.max())


@pytest.mark.parametrize("loss", DIRAC_LOSSES)
@pytest.mark.parametrize("update", ["simultaneous", "alternating"])
def test_r1_makes_training_converge(loss, update):
    gan = DiracGAN(DiracConfig(loss=loss, update=update, lr=0.1, r1_weight=1.0, theta=1.0, psi=1.0))
    distance = gan.run(500).distance
    assert distance[-1] < 0.01 * distance[0], distance[-1]
    # Without R1 the same run stays far from the equilibrium (the non-saturating loss drifts in a
    # little this far out, where the field is not linear, but nothing like R1's spiral).
    plain = DiracGAN(DiracConfig(loss=loss, update=update, lr=0.1, theta=1.0, psi=1.0)).run(500).distance
    assert plain.min() > 0.2 * plain[0]


@pytest.mark.parametrize("loss", DIRAC_LOSSES)
@pytest.mark.parametrize("r1", [0.0, 0.7])
def test_gradient_field_matches_the_analytic_one(loss, r1):
    thetas, psis = np.linspace(-2.0, 2.0, 9), np.linspace(-1.5, 1.5, 7)
    gan = DiracGAN(DiracConfig(loss=loss, r1_weight=r1))
    field = gan.gradient_field(thetas, psis)
    grid_theta, grid_psi = np.meshgrid(thetas, psis)
    d_theta, d_psi = _analytic_field(loss, grid_theta, grid_psi, r1)
    assert field.d_theta.shape == (7, 9) and field.d_psi.shape == (7, 9)  # rows follow ψ, as a heatmap
    np.testing.assert_allclose(field.d_theta, d_theta, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(field.d_psi, d_psi, rtol=1e-12, atol=1e-12)
    assert (gan.theta, gan.psi, gan.step_count) == (1.0, 1.0, 0)  # the game did not move


@pytest.mark.parametrize("loss", DIRAC_LOSSES)
def test_a_step_follows_the_field_in_the_trainers_order(loss):
    """Simultaneous: both players move along the field at the same point. Alternating: D first, then
    G along the field at the new ψ (G steps through the D that just moved, as in Trainer.step)."""
    h, theta, psi = 0.2, 0.8, -0.6
    sim = DiracGAN(DiracConfig(loss=loss, lr=h, theta=theta, psi=psi))
    v = sim.gradient_field(np.array([theta]), np.array([psi]))
    assert np.allclose(sim.step(), (theta + h * v.d_theta[0, 0], psi + h * v.d_psi[0, 0]), rtol=1e-14)
    alt = DiracGAN(DiracConfig(loss=loss, update="alternating", lr=h, theta=theta, psi=psi))
    new_psi = psi + h * v.d_psi[0, 0]
    new_theta = theta + h * alt.gradient_field(np.array([theta]), np.array([new_psi])).d_theta[0, 0]
    assert np.allclose(alt.step(), (new_theta, new_psi), rtol=1e-14)


@pytest.mark.parametrize("loss", DIRAC_LOSSES)
def test_eigenvalues_at_the_equilibrium(loss):
    a = SLOPE[loss]
    plain = np.sort_complex(DiracGAN(DiracConfig(loss=loss)).eigenvalues())
    assert np.allclose(plain, [-1j * a, 1j * a], atol=1e-12)  # a pure rotation
    gamma = 0.6
    damped = np.sort_complex(DiracGAN(DiracConfig(loss=loss, r1_weight=gamma)).eigenvalues())
    root = np.sqrt(complex(gamma**2 - 4 * a**2))
    assert np.allclose(damped, np.sort_complex(np.array([(-gamma - root) / 2, (-gamma + root) / 2])), atol=1e-12)


def test_sgd_and_adam_come_from_the_trainers_factory():
    sgd = DiracGAN(DiracConfig(optimizer="sgd", lr=0.1))
    assert isinstance(sgd.opt_d, torch.optim.SGD) and sgd.opt_d.param_groups[0]["momentum"] == 0.0
    adam = DiracGAN(DiracConfig(optimizer="adam", lr=0.05, beta1=0.0))
    assert isinstance(adam.opt_g, torch.optim.Adam)
    first = adam.run(50)
    again = DiracGAN(DiracConfig(optimizer="adam", lr=0.05, beta1=0.0)).run(50)
    assert np.array_equal(first.theta, again.theta) and np.array_equal(first.psi, again.psi)  # deterministic
    # Adam's first step moves each parameter by lr against its gradient's sign, whatever its size.
    assert math.isclose(first.theta[1], 1.0 + 0.05, rel_tol=1e-6) and math.isclose(
        first.psi[1], 1.0 - 0.05, rel_tol=1e-6
    )


def test_the_gradient_penalty_pulls_the_critic_slope_towards_one():
    """WGAN-GP on a linear D: ‖∇x D‖ = |ψ| everywhere, so the penalty is (|ψ| − 1)² and D's field
    gains −2λ(|ψ| − 1)·sign(ψ), whatever the random interpolates."""
    thetas, psis = np.linspace(-1.0, 1.0, 5), np.array([-1.5, -0.4, 0.3, 2.0])
    field = DiracGAN(DiracConfig(loss="wgan-gp", gp_weight=0.5)).gradient_field(thetas, psis)
    grid_theta, grid_psi = np.meshgrid(thetas, psis)
    expected = -grid_theta - 2 * 0.5 * (np.abs(grid_psi) - 1) * np.sign(grid_psi)
    np.testing.assert_allclose(field.d_psi, expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(field.d_theta, grid_psi, rtol=1e-12)


def test_a_run_that_overflows_stops_at_its_last_finite_state():
    trajectory = DiracGAN(DiracConfig(loss="wgan-gp", lr=10.0, theta=100.0, psi=100.0)).run(1000)
    assert len(trajectory.steps) < 1001 and np.isfinite(trajectory.distance).all()
    assert list(trajectory.steps[:3]) == [0, 1, 2]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"loss": "hinge"}, "loss must be one of"),
        ({"update": "both"}, "update must be one of"),
        ({"lr": 0.0}, "lr must be more than 0"),
        ({"r1_weight": -1.0}, "r1_weight must be at least 0"),
        ({"theta": math.nan}, "theta must be a finite number"),
        ({"lr": True}, "lr must be a finite number"),
        ({"gp_weight": 1.0}, "gp_weight needs loss 'wgan-gp'"),
    ],
)
def test_bad_settings_raise_a_clear_error(changes, message):
    with pytest.raises(ValueError, match=message):
        DiracConfig().replace(**changes)
