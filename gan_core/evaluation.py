"""What a page shows besides the loss curves: samples, views and quality metrics of a run.

Computed by the training thread a few times per second (never by the UI thread), from fixed
evaluation noise so the numbers move because G moves, not because the noise changed. One G
forward pass per evaluation serves the sample grid, the views and the metrics.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from . import metrics as m
from .trainer import Trainer

N_EVAL = 2500  # the VEEGAN/PacGAN protocol scores 2,500 samples
GRID = 48  # heatmap resolution: 2,304 D evaluations, cheap next to a training step
N_ARROWS = 96
MANIFOLD_LINES, MANIFOLD_POINTS = 11, 41


def _to_unit(images: torch.Tensor) -> np.ndarray:
    """(n, 1, H, W) in [-1, 1] -> (n, H, W) float32 in [0, 1]."""
    return ((images.detach().float().cpu().clamp(-1, 1) + 1) / 2).squeeze(1).numpy()


class Evaluator:
    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        ds = trainer.dataset
        self.kind = ds.kind
        seed = trainer.config.seed
        n_fixed = trainer.fixed_noise.shape[0]
        n_extra = max(N_EVAL - n_fixed, 0) if self.kind != "image" else 1000 - n_fixed
        extra = trainer.sample_noise(max(n_extra, 0), torch.Generator().manual_seed(seed + 2))
        self.eval_noise = torch.cat([trainer.fixed_noise, extra])  # fixed noise comes first
        self.n_fixed = n_fixed
        real = ds.sample(self.eval_noise.shape[0], torch.Generator().manual_seed(seed + 3))
        self.real = real.cpu()
        self.mixture = ds.mixture
        self.metric_fields: tuple[str, ...] = self._metric_fields()
        self.static: dict[str, Any] = {}
        if self.kind == "image":
            self.static["real"] = _to_unit(self.real[:n_fixed])
        else:
            pts = self.real.numpy()
            self.static["real"] = pts[:n_fixed]
            lo, hi = pts.min(0), pts.max(0)
            pad = (hi - lo) * 0.15 + 0.25
            self.bounds = np.stack([lo - pad, hi + pad], 1).astype(np.float64)  # (d, 2)
            self.static["bounds"] = self.bounds
        for value in self.static.values():
            # Every snapshot shares these arrays (copying them each refresh costs the UI):
            # read-only, so no page can change what another snapshot shows.
            value.flags.writeable = False
        self._last: tuple[dict[str, Any], dict[str, float]] = ({}, {})
        self._classifier = None
        if ds.name == "digits":
            from .classifier import ReferenceClassifier

            self._classifier = ReferenceClassifier.load()

    def _metric_fields(self) -> tuple[str, ...]:
        if self.kind == "image":
            return (
                ("class_coverage", "mean_confidence", "frechet_distance")
                if self.trainer.dataset.name == "digits"
                else ()
            )
        fields = ("js_grid", "kl_grid")
        if self.kind == "1d":
            fields += ("js_kde",)  # the smoother estimate the Theory page shows beside its curves
        if self.mixture is not None:
            fields = ("modes_covered", "modes_covered_strict", "hq_fraction", "kl_modes") + fields
        return fields

    # --- one evaluation ---------------------------------------------------------------------
    def evaluate(self, full: bool = True) -> tuple[np.ndarray, dict[str, Any], dict[str, float]]:
        """(samples, views, metrics). With full=False only the cheap parts are recomputed (the
        picture on screen) and the quality metrics of the last full evaluation are returned:
        the runner refreshes pictures twice as often as it scores them."""
        if not full:
            return self._quick()
        fake = self.trainer.generate(self.eval_noise)
        finite = bool(torch.isfinite(fake).all())
        if self.kind == "image":
            images = _to_unit(torch.nan_to_num(fake))
            views = dict(self.static)
            metrics: dict[str, float] = {}
            if self._classifier is not None and finite:
                from .classifier import digits_metrics

                # One classifier pass over all evaluation images; the fixed-noise samples come
                # first, so the page's class histogram (the 64 digits on screen) is a slice.
                r = digits_metrics(images, classifier=self._classifier)
                shown = r["predicted"][: self.n_fixed]
                views["class_hist"] = np.bincount(shown, minlength=10).tolist()
                views["class_confidence"] = float(r["confidence"][: self.n_fixed].mean())
                metrics = {
                    "class_coverage": float(r["class_coverage"]),
                    "mean_confidence": float(r["mean_confidence"]),
                    "frechet_distance": float(r["frechet_distance"]),
                }
            self._last = (views, metrics)
            return images[: self.n_fixed], views, metrics
        points = torch.nan_to_num(fake).float().cpu().numpy()
        views = dict(self.static)
        metrics = self._toy_metrics(points) if finite else {}
        if finite:
            views.update(self._views_1d(points) if self.kind == "1d" else self._views_2d())
            if "js" in views:
                metrics["js_kde"] = float(views["js"])
        self._last = (views, metrics)
        return points[: self.n_fixed], views, metrics

    def _quick(self) -> tuple[np.ndarray, dict[str, Any], dict[str, float]]:
        views, metrics = self._last
        fake = self.trainer.generate(self.eval_noise[: self.n_fixed])
        if not bool(torch.isfinite(fake).all()):
            return self.evaluate(full=True)
        if self.kind == "image":
            return _to_unit(fake), views, metrics
        views = dict(views)
        if self.kind == "2d":
            views.update(self._views_2d())
        return fake.float().cpu().numpy(), views, metrics

    def _toy_metrics(self, points: np.ndarray) -> dict[str, float]:
        out: dict[str, float] = {}
        if self.mixture is not None:
            mm = m.mode_metrics(points, self.mixture)
            out.update(
                modes_covered=float(mm.modes_covered),
                modes_covered_strict=float(mm.modes_covered_strict),
                hq_fraction=float(mm.hq_fraction),
                kl_modes=float(mm.kl_to_uniform),
            )
        div = m.grid_divergences(
            self.real.numpy(),
            points,
            bins=50 if self.kind == "2d" else 100,
            bounds=tuple(map(tuple, self.bounds)) if self.kind == "2d" else tuple(self.bounds[0]),
        )
        out.update(js_grid=float(div["js"]), kl_grid=float(div["kl"]))
        return out

    # --- views -------------------------------------------------------------------------------
    def _d_prob(self, x: torch.Tensor) -> torch.Tensor:
        scores = self.trainer.discriminator(x.to(self.trainer.device))
        return torch.sigmoid(scores) if self.trainer.loss.probabilistic else scores

    @torch.no_grad()
    def _views_1d(self, points: np.ndarray) -> dict[str, Any]:
        lo, hi = self.bounds[0]
        x = np.linspace(lo, hi, 300)
        xt = torch.as_tensor(x, dtype=torch.float32).unsqueeze(1)
        d = self._d_prob(xt).cpu().numpy().astype(np.float64)
        p_g = m.kde_1d(points[:, 0], x)
        if self.mixture is not None:
            p_data = m.gaussian_mixture_pdf(x, self.mixture)
        else:
            p_data = m.kde_1d(self.real.numpy()[:, 0], x)
        js = m.js_divergence_from_densities(p_data, p_g, x)
        return {
            "x": x,
            "p_data": p_data,
            "p_g": p_g,
            "d": d,
            "d_optimal": m.optimal_discriminator(p_data, p_g),
            "js": js,
            "value_at_optimum": m.gan_value_at_optimum(js),
            "probabilistic": self.trainer.loss.probabilistic,
        }

    def _views_2d(self) -> dict[str, Any]:
        trainer = self.trainer
        (x0, x1), (y0, y1) = self.bounds
        xs, ys = np.linspace(x0, x1, GRID), np.linspace(y0, y1, GRID)
        gx, gy = np.meshgrid(xs, ys)  # rows follow y: what a heatmap expects
        grid = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
        with torch.no_grad():
            heat = self._d_prob(grid).cpu().numpy().reshape(GRID, GRID)
        # G's gradient at fake points: the direction each fake sample is pushed by the G loss.
        z = trainer.fixed_noise[:N_ARROWS]
        with torch.no_grad():
            fake = trainer.generate(z)
        x = fake.clone().requires_grad_(True)
        trainer.discriminator.requires_grad_(False)
        try:
            loss = trainer.loss.g_loss(trainer.discriminator(x)) * x.shape[0]
            (grad,) = torch.autograd.grad(loss, x)
        finally:
            trainer.discriminator.requires_grad_(True)
        return {
            "heatmap": {"x": xs, "y": ys, "z": heat, "probabilistic": trainer.loss.probabilistic},
            "arrows": {"x": fake.detach().cpu().numpy(), "direction": (-grad).cpu().numpy()},
            "manifold": self._manifold(),
        }

    @torch.no_grad()
    def _manifold(self) -> np.ndarray:
        """G applied to a grid of lines in the first two noise dimensions (others at 0):
        (2 * MANIFOLD_LINES, MANIFOLD_POINTS, 2). Shows how G warps the noise space."""
        cfg = self.trainer.config
        r = 2.0 if cfg.noise == "gaussian" else 1.0
        t = np.linspace(-r, r, MANIFOLD_POINTS)
        levels = np.linspace(-r, r, MANIFOLD_LINES)
        lines = []
        for lv in levels:
            lines.append(np.stack([t, np.full_like(t, lv)], 1))
            lines.append(np.stack([np.full_like(t, lv), t], 1))
        z2 = np.concatenate(lines)  # (2L*P, 2)
        z = np.zeros((z2.shape[0], cfg.noise_dim), dtype=np.float32)
        z[:, : min(2, cfg.noise_dim)] = z2[:, : min(2, cfg.noise_dim)]
        out = self.trainer.generate(torch.as_tensor(z)).float().cpu().numpy()
        return out.reshape(2 * MANIFOLD_LINES, MANIFOLD_POINTS, -1)


def summarise(metrics: dict[str, float]) -> str:
    """One human line for logs/CLI."""
    parts = []
    if "modes_covered" in metrics:
        parts.append(
            f"modes {metrics['modes_covered']:.0f} (strict {metrics['modes_covered_strict']:.0f}), "
            f"HQ {100 * metrics['hq_fraction']:.1f}%"
        )
    if "class_coverage" in metrics:
        parts.append(
            f"classes {metrics['class_coverage']:.0f}/10, confidence {metrics['mean_confidence']:.2f}, "
            f"FD {metrics['frechet_distance']:.2f}"
        )
    if "js_grid" in metrics and math.isfinite(metrics["js_grid"]):
        parts.append(f"JS {metrics['js_grid']:.3f}")
    return "; ".join(parts)
