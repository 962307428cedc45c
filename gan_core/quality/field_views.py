"""What D and G look like on the toy data: D's map and its verdicts, G's gradient arrows, G's manifold,
and the 1D densities with D and D*. The pictures of the playground, the Overview and the Theory page,
computed by the Evaluator (gan_core.quality.evaluation) from the networks that train. A mixin: the
fields (trainer, real, eval_noise, the map's grid) are the Evaluator's.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from gan_core.quality import metrics as m

# D's map: per axis, GRID_UNIFORM evenly spaced lines plus GRID_QUANTILES lines at quantiles of
# the real data. D changes sharply around tight modes (ring8's std is 0.02 on a plane ~5.5 wide):
# on an even 48 x 48 grid, bilinear reading at the real points gave 0.35 where D's verdict is 0.48.
# Lines where the data lies read within 0.01 of D's verdict (tests/test_views.py) at ~4,000 points.
GRID_UNIFORM, GRID_QUANTILES = 32, 32
N_ARROWS = 96
MANIFOLD_LINES, MANIFOLD_POINTS = 11, 41


def map_axis(lo: float, hi: float, data: np.ndarray) -> np.ndarray:
    """Grid lines of D's map along one axis: even ones from lo to hi, plus lines at quantiles of
    the data along that axis (so the map is sampled finely where the data lies); increasing,
    without near-duplicates (the bilinear read-off divides by their spacing)."""
    lines = np.concatenate([np.linspace(lo, hi, GRID_UNIFORM), np.quantile(data, np.linspace(0, 1, GRID_QUANTILES))])
    lines = np.unique(np.clip(lines, lo, hi))
    keep = np.concatenate([[True], np.diff(lines) > 1e-4 * (hi - lo)])
    return lines[keep]


class FieldViews:
    # --- views -------------------------------------------------------------------------------
    def _d_prob(self, x: torch.Tensor, spread: torch.Tensor | None = None) -> torch.Tensor:
        scores = self.trainer.discriminator(x.to(self.trainer.device), spread=spread)
        return torch.sigmoid(scores) if self.trainer.loss.probabilistic else scores

    def verdicts(self) -> dict[str, Any] | None:
        """D's verdicts on the fixed real and fake batches right now (`views["d_verdict"]`'s numbers),
        for 2D data; None otherwise. A step by hand takes them just before it updates (the
        walk-through's "before"), on the same batches its "after" is measured on."""
        if self.kind != "2d":
            return None
        with torch.no_grad():
            return self._judge_batches()[0]

    @torch.no_grad()
    def _judge_batches(self) -> tuple[dict[str, Any], torch.Tensor | None, float]:
        """D's verdicts as in training: on a real batch and on a fake batch of the training batch
        size, each scored together so a minibatch-statistics layer sees that batch's own spread.

        The batches are fixed (the first evaluation points and G's samples of the first
        evaluation noise vectors), so their numbers move because D and G move. The fake batch
        comes from G as it trains, whatever is drawn: that is the batch D judges in training.
        Returns (verdicts, the fake batch's spread statistic or None, the score at which D's
        decision flips: 0.5 for probabilities and least squares, 0 for hinge, and for WGAN-GP
        the midpoint of the mean real and fake scores, as D's accuracy uses)."""
        trainer = self.trainer
        d, loss = trainer.discriminator, trainer.loss
        n = max(2, min(trainer.config.batch_size, self.real.shape[0], self.eval_noise.shape[0]))
        real = self.real[:n].to(trainer.device)
        fake = trainer.generate(self.eval_noise[:n])
        s_real, s_fake = d(real).float(), d(fake).float()
        spread = d.batch_spread(fake)
        mean = (lambda s: torch.sigmoid(s).mean()) if loss.probabilistic else (lambda s: s.mean())
        on_real, on_fake = mean(s_real), mean(s_fake)
        centre = loss.decision_point
        if centre is None:  # a Wasserstein critic: the midpoint, as its accuracy counts
            centre = float((on_real + on_fake) / 2)
        verdicts = {
            "real": float(on_real),
            "fake": float(on_fake),
            "probabilistic": loss.probabilistic,
            "batch_size": n,
        }
        if spread is not None:
            # What the map shows at the real points: the same real points scored as if they came in
            # G's batch. It differs from "real" by what D reads from a batch's spread alone.
            verdicts["real_in_fake_batch"] = float(mean(d(real, spread=spread).float()))
        return verdicts, spread, centre

    @torch.no_grad()
    def _views_1d(self, points: np.ndarray) -> dict[str, Any]:
        dens = self._density_js(points[:, 0])
        x, p_data, p_g, js = dens["x"], dens["p_data"], dens["p_g"], dens["js"]
        xt = torch.as_tensor(x, dtype=torch.float32).unsqueeze(1)
        d = self._d_prob(xt).cpu().numpy().astype(np.float64)
        return {
            "x": x,
            "p_data": p_data,
            "p_g": p_g,
            "p_g_outside": dens["p_g_outside"],  # share of p_g beyond the drawn window
            "d": d,
            "d_optimal": m.optimal_discriminator(p_data, p_g),
            "js": js,
            "value_at_optimum": m.gan_value_at_optimum(js),
            "probabilistic": self.trainer.loss.probabilistic,
        }

    def _views_2d(self) -> dict[str, Any]:
        trainer = self.trainer
        xs, ys = self._map_axes
        with torch.no_grad():
            verdicts, spread, centre = self._judge_batches()
            # The grid's ~4,000 points are not a batch D ever sees: with a minibatch-statistics
            # layer each point is scored as if it came in the fake batch above (D's spread feature
            # fixed to that batch's), so the map at a fake point is D's verdict there in training.
            heat = self._d_prob(self._map_grid, spread).cpu().numpy().reshape(ys.size, xs.size)
        return {
            "heatmap": {
                "x": xs,
                "y": ys,
                "z": heat,
                "probabilistic": trainer.loss.probabilistic,
                "center": centre,
                "loss": trainer.config.loss,
                "batch_statistic": None if spread is None else f"a fake batch of {verdicts['batch_size']}",
            },
            "d_verdict": verdicts,
            "arrows": self._arrows(),
            "manifold": self._manifold(),
        }

    def _arrows(self) -> dict[str, np.ndarray]:
        """G's gradient at the drawn fake points: where the G loss, back through the frozen D,
        pushes each one. The loss is taken over a batch of the training batch size (the drawn
        points first), as in G's update, so a minibatch-statistics term pushes them too; the
        gradient is per sample (the batch mean times the batch size)."""
        trainer = self.trainer
        n = max(N_ARROWS, min(trainer.config.batch_size, self.eval_noise.shape[0]))
        with torch.no_grad():
            fake = trainer.generate(self.eval_noise[:n], average=self._average)
        x = fake.clone().requires_grad_(True)
        trainer.discriminator.requires_grad_(False)
        try:
            with torch.enable_grad():  # also when a caller evaluates under no_grad
                loss = trainer.loss.g_loss(trainer.discriminator(x)) * x.shape[0]
                (grad,) = torch.autograd.grad(loss, x)
        finally:
            trainer.discriminator.requires_grad_(True)
        return {"x": fake[:N_ARROWS].detach().cpu().numpy(), "direction": (-grad[:N_ARROWS]).cpu().numpy()}

    @torch.no_grad()
    def _manifold(self) -> np.ndarray:
        """G applied to a grid of lines in the first two noise dimensions: (2 * MANIFOLD_LINES,
        MANIFOLD_POINTS, 2). Shows how G warps the noise space. With more than 2 noise dimensions
        the others hold the values of one fixed noise sample (the first fixed-noise vector), not 0:
        with 256-D noise a zero-filled z has |z| <= 2.8 while real noise has |z| ~ 16, so a grid
        at 0 would show G where it is never used."""
        cfg = self.trainer.config
        r = 2.0 if cfg.noise == "gaussian" else 1.0
        t = np.linspace(-r, r, MANIFOLD_POINTS)
        levels = np.linspace(-r, r, MANIFOLD_LINES)
        lines = []
        for lv in levels:
            lines.append(np.stack([t, np.full_like(t, lv)], 1))
            lines.append(np.stack([np.full_like(t, lv), t], 1))
        z2 = np.concatenate(lines)  # (2L*P, 2)
        z = np.repeat(self.trainer.fixed_noise[:1].cpu().numpy().astype(np.float32), z2.shape[0], axis=0)
        z[:, : min(2, cfg.noise_dim)] = z2[:, : min(2, cfg.noise_dim)]
        out = self.trainer.generate(torch.as_tensor(z), average=self._average).float().cpu().numpy()
        return out.reshape(2 * MANIFOLD_LINES, MANIFOLD_POINTS, -1)
