"""What a page shows besides the loss curves: samples, views and quality metrics of a run.

Computed by the training thread a few times per second (never by the UI thread), from fixed
evaluation noise so the numbers move because G moves, not because the noise changed. One G
forward pass per evaluation serves the sample grid, the views and the metrics.

The image data sets' quality scores (G on 1,000 noise vectors, the reference classifier, the Fréchet
distance) cost about ten training steps each time. A run may score them apart (`Evaluator.scoring`):
the training thread freezes a copy of G's weights and another thread scores the copy, with the same
code and the same numbers, while training goes on (gan_core.runs.worker).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from torch import nn

from gan_core.inside import InsideView, look_inside
from gan_core.models import DCGANGenerator
from gan_core.quality import metrics as m
from gan_core.quality.field_views import FieldViews, map_axis
from gan_core.quality.scoring import Scoring, freeze
from gan_core.trainer import Trainer

N_EVAL = 2500  # the VEEGAN/PacGAN protocol scores 2,500 samples
FLOOR_DRAWS = 3  # fresh real samples per estimator floor (the median is shown)


def _to_unit(images: torch.Tensor) -> np.ndarray:
    """(n, 1, H, W) in [-1, 1] -> (n, H, W) float32 in [0, 1]."""
    return ((images.detach().float().cpu().clamp(-1, 1) + 1) / 2).squeeze(1).numpy()


class Evaluator(FieldViews):
    def __init__(self, trainer: Trainer, average: bool = False) -> None:
        """`average`: draw and score the weight average (the smoothed view, where the trainer keeps
        one) instead of G as it trains; a run sets it from its view (TrainingRun.set_view)."""
        self.trainer = trainer
        self.average = average
        # The fixed-noise vector a page looks inside (gan_core.inside), None while nobody looks:
        # then an evaluation costs exactly what it did before.
        self.inside: int | None = None
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
            if self.kind == "2d":
                self._map_axes = tuple(map_axis(lo, hi, pts[:, i]) for i, (lo, hi) in enumerate(self.bounds))
                gx, gy = np.meshgrid(*self._map_axes)  # rows follow y: what a heatmap expects
                self._map_grid = torch.as_tensor(np.stack([gx.ravel(), gy.ravel()], 1), dtype=torch.float32)
        for value in self.static.values():
            # Every snapshot shares these arrays (copying them each refresh costs the UI):
            # read-only, so no page can change what another snapshot shows.
            value.flags.writeable = False
        self._last: tuple[dict[str, Any], dict[str, float]] = ({}, {})
        self._average = False  # set by each evaluate(): which generator it draws and scores
        self._epoch = 0  # counts the full evaluations made here: a score taken before the last one is stale
        self._frozen: tuple[nn.Module, nn.Module] | None = None  # (G or its average, the copy scored apart)
        self._classifier = None
        if self._has_classifier():
            from gan_core.quality.classifier import ReferenceClassifier

            self._classifier = ReferenceClassifier.for_dataset(ds.name)
        self.floors: dict[str, float] = self._floors()

    def _floors(self) -> dict[str, float]:
        """Each estimate's floor: what it reads for real data against real data of the same size,
        i.e. for a perfect G. Finite samples keep a histogram JS, a density estimate and a Fréchet
        distance above 0 even then, so a chart shows the floor beside the estimate. Grid and density
        estimates take the median over FLOOR_DRAWS fresh real samples; the Fréchet distance scores
        the evaluation's real images exactly as it scores G's."""
        ds, seed = self.trainer.dataset, self.trainer.config.seed
        if self.kind == "image":
            if self._classifier is None:
                return {}
            from gan_core.quality.classifier import digits_metrics

            fd = digits_metrics(_to_unit(self.real), classifier=self._classifier)["frechet_distance"]
            return {"frechet_distance": float(fd)}
        n = self.real.shape[0]
        draws = [ds.sample(n, torch.Generator().manual_seed(seed + 10 + i)).numpy() for i in range(FLOOR_DRAWS)]
        floors = {"js_grid": float(np.median([self._grid_js(d) for d in draws]))}
        if self.kind == "1d":
            floors["js_kde"] = float(np.median([self._density_js(d[:, 0])["js"] for d in draws]))
        return floors

    def _has_classifier(self) -> bool:
        """A labelled data set with a shipped reference classifier (digits, Fashion-MNIST)."""
        from gan_core.quality.classifier import SPECS

        return self.kind == "image" and self.trainer.dataset.name in SPECS

    def _metric_fields(self) -> tuple[str, ...]:
        if self.kind == "image":
            return ("class_coverage", "mean_confidence", "frechet_distance") if self._has_classifier() else ()
        # No KL(real || fake) on the grid: where G leaves a cell empty that the data fills, it is
        # the log of the smoothing epsilon (metrics.GRID_EPSILON), not a property of G.
        fields: tuple[str, ...] = ("js_grid",)
        if self.kind == "1d":
            fields += ("js_kde",)  # the smoother estimate the Theory page shows beside its curves
        if self.mixture is not None:
            fields = ("modes_covered", "modes_covered_strict", "hq_fraction", "kl_modes") + fields
        return fields

    # --- which generator ----------------------------------------------------------------------
    def uses_average(self, hand_step: bool = False) -> bool:
        """Whether the pictures and metrics come from the weight average (the smoothed view, where
        the run keeps one) rather than from G as it trains. A step by hand always shows G itself:
        the average moves only 1 - g_ema of G's step, so it would hide what the step did."""
        return self.average and self.trainer.generator_ema is not None and not hand_step

    # --- one evaluation ---------------------------------------------------------------------
    def evaluate(
        self, full: bool = True, hand_step: bool = False
    ) -> tuple[np.ndarray, dict[str, Any], dict[str, float]]:
        """(samples, views, metrics). With full=False only the cheap parts are recomputed (the
        picture on screen) and the quality metrics of the last full evaluation are returned:
        the runner refreshes pictures twice as often as it scores them. `views["generator"]`
        says which generator the samples, views and metrics come from ("training" or
        "average"); `hand_step` forces G itself (see `uses_average`)."""
        self._average = self.uses_average(hand_step)
        # A switched view is scored anew: the last metrics belong to the other generator.
        if not full and self._last[0].get("generator") == self._generator_label():
            quick = self._quick()
            if quick is not None:
                return quick
        self._epoch += 1
        fake, inside = self._generate(self.eval_noise)
        if self.kind == "image":
            images, views, metrics = self.image_scores(fake, self._generator_label())
            if inside is not None:
                views["inside"] = inside
            self._last = (views, metrics)
            return images[: self.n_fixed], views, metrics
        finite = bool(torch.isfinite(fake).all())
        points = torch.nan_to_num(fake).float().cpu().numpy()
        views = dict(self.static)
        views["generator"] = self._generator_label()
        views["floors"] = self.floors
        metrics = self._toy_metrics(points) if finite else {}
        if finite:
            views.update(self._views_1d(points) if self.kind == "1d" else self._views_2d())
            if "js" in views:
                metrics["js_kde"] = float(views["js"])
        self._last = (views, metrics)
        return points[: self.n_fixed], views, metrics

    def image_scores(self, fake: torch.Tensor, label: str) -> tuple[np.ndarray, dict[str, Any], dict[str, float]]:
        """(images, views, metrics) of G's images of the evaluation noise: the class histogram and the
        quality scores where a reference classifier exists. Pure: any thread may call it."""
        finite = bool(torch.isfinite(fake).all())
        images = _to_unit(torch.nan_to_num(fake))
        views = dict(self.static)
        metrics: dict[str, float] = {}
        if self._classifier is not None and finite:
            from gan_core.quality.classifier import digits_metrics

            # One classifier pass over all evaluation images. The page's histogram counts all of
            # them, split by the classifier's confidence: the same samples and the same rule as
            # the coverage number (metrics.CLASS_COVERAGE), not the 64 on screen.
            r = digits_metrics(images, classifier=self._classifier)
            confident = np.asarray(r["confident_hist"])
            views["classes"] = {
                "confident": confident.tolist(),
                "unsure": (np.asarray(r["class_hist"]) - confident).tolist(),
                "threshold": r["coverage_threshold"],
                "n": int(images.shape[0]),
                "labels": list(self._classifier.spec.class_names),
            }
            metrics = {
                "class_coverage": float(r["class_coverage"]),
                "mean_confidence": float(r["mean_confidence"]),
                "frechet_distance": float(r["frechet_distance"]),
            }
        views["generator"] = label
        views["floors"] = self.floors
        return images, views, metrics

    # --- quality scores apart from training -----------------------------------------------------
    @property
    def scores_apart(self) -> bool:
        """Whether `scoring` is worth it: image data with a reference classifier, where one score
        costs about ten training steps (the toy data's cost a fraction of one)."""
        return self.kind == "image" and self._classifier is not None

    def scoring(self) -> Scoring:
        """Freeze the generator the picture shows (its weights copied now, by the thread that trains,
        holding the run's trainer lock) and return the work that scores it (gan_core.quality.scoring).
        One at a time: the copy is reused."""
        self._average = self.uses_average()
        source = self.trainer.generator_for_view(self._average)
        self._frozen = freeze(source, self._frozen)
        return Scoring(self, self._epoch, self._generator_label(), self._frozen[1])

    def accept(self, scoring: Scoring) -> bool:
        """Take a finished `scoring`'s numbers as the latest, unless they are stale: a full evaluation
        made since (a step by hand, a reset) or a switched view. Call it under the run's trainer lock."""
        if scoring.views is None or scoring.epoch != self._epoch or scoring.label != self._generator_label():
            return False
        self._epoch += 1
        self._last = (scoring.views, scoring.metrics or {})
        return True

    def _quick(self) -> tuple[np.ndarray, dict[str, Any], dict[str, float]] | None:
        """The picture only (None if G's samples are not finite: then a full evaluation says so)."""
        views, metrics = self._last
        fake, inside = self._generate(self.eval_noise[: self.n_fixed])
        if not bool(torch.isfinite(fake).all()):
            return None
        if self.kind == "image":
            views = {k: v for k, v in views.items() if k != "inside"}
            if inside is not None:
                views["inside"] = inside
            return _to_unit(fake), views, metrics
        views = dict(views)
        if self.kind == "2d":
            views.update(self._views_2d())
        return fake.float().cpu().numpy(), views, metrics

    def _generate(self, noise: torch.Tensor) -> tuple[torch.Tensor, InsideView | None]:
        """G(noise) for the grid and, while a page looks inside, the layer walk for fixed-noise
        vector `inside`, taken from this very pass: the walk's image is the grid's tile."""
        generator = self.trainer.generator_for_view(self._average)
        index = self.inside
        if index is None or not isinstance(generator, DCGANGenerator) or not 0 <= index < self.n_fixed:
            return self.trainer.generate(noise, average=self._average), None
        trainer = self.trainer
        view, fake = look_inside(
            generator,
            trainer.discriminator,
            noise.to(trainer.device),
            index,
            self.real[: self.n_fixed],
            step=trainer.step_count,
            probabilistic=trainer.loss.probabilistic,
            average=self._average,
        )
        return fake, view

    def _generator_label(self) -> str:
        return "average" if self._average else "training"

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
        out["js_grid"] = self._grid_js(points)
        return out

    def _grid_js(self, points: np.ndarray) -> float:
        """JS between the evaluation's real points and `points` on the fixed histogram grid."""
        div = m.grid_divergences(
            self.real.numpy(),
            points,
            bins=50 if self.kind == "2d" else 100,
            bounds=tuple(map(tuple, self.bounds)) if self.kind == "2d" else tuple(self.bounds[0]),
        )
        return float(div["js"])

    def _density_js(self, samples: np.ndarray) -> dict[str, Any]:
        """p_data and the KDE of 1D `samples` on a window that covers both (metrics.density_window),
        and their JS with the mass beyond the window counted, not renormalised away: a G that puts
        half its samples far off must not read as if that half were not there."""
        lo, hi = m.density_window(self.bounds[0], samples)
        x = np.linspace(lo, hi, 300)
        p_g = m.kde_1d(samples, x)
        h = m.scott_bandwidth(samples)
        finite = samples[np.isfinite(samples)]
        if h is not None:
            g_out = m.kde_mass_outside(finite, lo, hi, h)
        else:  # no spread: kde_1d draws a narrow spike, inside the window or not at all
            g_out = float(np.mean((finite < lo) | (finite > hi))) if finite.size else 0.0
        if self.mixture is not None:
            p_data = m.gaussian_mixture_pdf(x, self.mixture)
            data_out = m.mixture_mass_outside(self.mixture, lo, hi)
        else:
            real = self.real.numpy()[:, 0]
            p_data = m.kde_1d(real, x)
            h_real = m.scott_bandwidth(real)
            data_out = m.kde_mass_outside(real, lo, hi, h_real) if h_real is not None else 0.0
        js = m.js_divergence_from_densities(p_data, p_g, x, outside=(data_out, g_out))
        return {"x": x, "p_data": p_data, "p_g": p_g, "js": js, "p_g_outside": g_out}


def summarise(metrics: dict[str, float]) -> str:
    """One human line for logs/CLI."""
    parts = []
    if "modes_covered" in metrics:
        parts.append(
            f"modes covered {metrics['modes_covered_strict']:.0f} (≥ {m.MODE_MIN_PER_2500} per 2,500 samples; "
            f"≥ 1 sample: {metrics['modes_covered']:.0f}), HQ {100 * metrics['hq_fraction']:.1f}%"
        )
    if "class_coverage" in metrics:
        parts.append(
            f"classes {metrics['class_coverage']:.0f}/10, confidence {metrics['mean_confidence']:.2f}, "
            f"FD {metrics['frechet_distance']:.2f}"
        )
    if "js_grid" in metrics and math.isfinite(metrics["js_grid"]):
        parts.append(f"JS {metrics['js_grid']:.3f} nats")
    return "; ".join(parts)
