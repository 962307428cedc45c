"""A small reference classifier for 8x8 digits, and the sample-quality metrics built on it.

A GAN's loss says little about whether its samples look like digits. A fixed classifier
trained on the real digits does: which classes appear (mode coverage), how sure it is
(sample quality) and how far the feature distribution is from the real one (a Fréchet
distance, the idea behind FID, on features we can compute in milliseconds on a CPU).

Accepted image formats (everywhere in this module), told apart by their number of axes:
  * (n, 1, 8, 8) in [-1, 1]: what the generator and `Dataset.data` hold;
  * (n, 8, 8) in [0, 1]: what `load_digits_arrays` and image files give.
Either may be a torch tensor or a numpy array. Values are clamped to the valid range.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import torch
from torch import nn

from gan_core.data.images import assets_dir, load_digits_arrays
from gan_core.metrics import CLASS_MIN_CONFIDENCE, CLASS_MIN_SHARE

WEIGHTS_FILE = "digits_classifier.pt"
N_CLASSES = 10


class DigitsNet(nn.Module):
    """Two 3x3 convolutions and two linear layers: ~38k weights, trains in seconds."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1),
            nn.ReLU(),  # (n, 16, 8, 8)
            nn.Conv2d(16, 32, 3, padding=1),
            nn.ReLU(),  # (n, 32, 8, 8)
            nn.MaxPool2d(2),  # (n, 32, 4, 4)
            nn.Flatten(),  # (n, 512)
            nn.Linear(512, 64),
            nn.ReLU(),  # (n, 64): the features FD compares
        )
        self.head = nn.Linear(64, N_CLASSES)  # (n, 10) logits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def to_model_input(images: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Convert either accepted format (see module docstring) to float32 (n, 1, 8, 8) in [-1, 1]."""
    x = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images)
    x = x.detach().to("cpu", torch.float32)
    if x.ndim == 3 and tuple(x.shape[1:]) == (8, 8):
        x = x.clamp(0.0, 1.0).unsqueeze(1) * 2.0 - 1.0
    elif x.ndim == 4 and tuple(x.shape[1:]) == (1, 8, 8):
        x = x.clamp(-1.0, 1.0)
    else:
        raise ValueError(f"expected (n, 1, 8, 8) in [-1, 1] or (n, 8, 8) in [0, 1], got {tuple(x.shape)}")
    return x


def held_out_split(labels: np.ndarray, test_fraction: float = 0.2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Stratified (train_idx, test_idx): the split the shipped weights were trained and scored on."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for cls in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == cls))
        n_test = int(round(len(idx) * test_fraction))
        test.append(idx[:n_test])
        train.append(idx[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


class ReferenceClassifier:
    """Frozen `DigitsNet` on the CPU; safe to share between threads (inference only)."""

    _cache: dict[Path, ReferenceClassifier] = {}
    _cache_lock = threading.Lock()

    def __init__(self, net: DigitsNet) -> None:
        self.net = net.eval().requires_grad_(False)
        self._real_stats: tuple[np.ndarray, np.ndarray] | None = None
        self._stats_lock = threading.Lock()

    @classmethod
    def load(cls, path: str | Path | None = None) -> ReferenceClassifier:
        """Load the shipped weights once per path; later calls return the same instance."""
        path = Path(path) if path is not None else assets_dir() / WEIGHTS_FILE
        key = path.resolve()
        with cls._cache_lock:
            if key not in cls._cache:
                net = DigitsNet()
                # weights_only: a .pt file is a pickle, and only plain tensors may come out of it.
                net.load_state_dict(torch.load(key, map_location="cpu", weights_only=True))
                cls._cache[key] = cls(net)
            return cls._cache[key]

    @torch.inference_mode()
    def _run(self, images: torch.Tensor | np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.net.body(to_model_input(images))
        return features, self.net.head(features)

    def predict_proba(self, images: torch.Tensor | np.ndarray) -> np.ndarray:
        """Class probabilities, (n, 10)."""
        return torch.softmax(self._run(images)[1], dim=1).numpy().astype(np.float64)

    def probabilities_and_features(self, images: torch.Tensor | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Both at once from one forward pass (metrics need both, a few times per second)."""
        features, logits = self._run(images)
        return (torch.softmax(logits, dim=1).numpy().astype(np.float64), features.numpy().astype(np.float64))

    def features(self, images: torch.Tensor | np.ndarray) -> np.ndarray:
        """Penultimate-layer activations, (n, 64): the space the Fréchet distance is measured in."""
        return self._run(images)[0].numpy().astype(np.float64)

    def real_stats(self) -> tuple[np.ndarray, np.ndarray]:
        """Gaussian fit (mean, covariance) of the features of all real digits, computed once."""
        with self._stats_lock:
            if self._real_stats is None:
                self._real_stats = gaussian_stats(self.features(load_digits_arrays()[0]))
            return self._real_stats


def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance of (n, F) features (n >= 2)."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[0] < 2:
        raise ValueError(f"need at least 2 feature vectors shaped (n, F), got {features.shape}")
    return features.mean(axis=0), np.cov(features, rowvar=False)


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix via its eigendecomposition."""
    values, vectors = np.linalg.eigh((matrix + matrix.T) / 2.0)
    return (vectors * np.sqrt(np.clip(values, 0.0, None))) @ vectors.T


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """Fréchet distance between N(mu1, sigma1) and N(mu2, sigma2).

    ||mu1 - mu2||^2 + Tr(S1 + S2 - 2 (S1^1/2 S2 S1^1/2)^1/2); the symmetric form has the same
    trace as (S1 S2)^1/2 but only needs eigh, so no scipy and no complex round-off.
    """
    root1 = _sqrt_psd(sigma1)
    cross = _sqrt_psd(root1 @ sigma2 @ root1)
    value = np.sum((mu1 - mu2) ** 2) + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(cross)
    return float(max(value, 0.0))


def digits_metrics(
    images: torch.Tensor | np.ndarray,
    classifier: ReferenceClassifier | None = None,
    real_stats: tuple[np.ndarray, np.ndarray] | None = None,
    min_share: float = CLASS_MIN_SHARE,
) -> dict:
    """Judge a batch of generated digits (formats: see module docstring; n >= 2).

    Returns:
      class_hist: 10 ints, how many images the classifier assigns to each digit (argmax).
      confident_hist: 10 ints, the same counting only images it assigns with probability
        >= CLASS_MIN_CONFIDENCE (0.5).
      class_coverage: how many digits are really produced (metrics.CLASS_COVERAGE, the one rule every
        page uses): a class counts when its confident images make up at least `min_share` of the
        batch (and at least one image). Unsure predictions on blobs thus cover nothing.
      coverage_threshold: that many confident images, for this batch size.
      mean_confidence: mean of the top class probability (blurry or odd samples score low).
      frechet_distance: between Gaussian fits of classifier features of the batch and of the
        real digits (`real_stats`, default: all 1,797 shipped digits). 0 = same distribution.
    """
    classifier = classifier or ReferenceClassifier.load()
    x = to_model_input(images)
    proba, features = classifier.probabilities_and_features(x)
    predicted, confidence = proba.argmax(axis=1), proba.max(axis=1)
    confident_counts = np.bincount(predicted[confidence >= CLASS_MIN_CONFIDENCE], minlength=N_CLASSES)
    threshold = max(1.0, min_share * len(x))
    mu, sigma = gaussian_stats(features)
    real_mu, real_sigma = real_stats if real_stats is not None else classifier.real_stats()
    return {
        "predicted": predicted,  # per image, in input order
        "confidence": confidence,
        "class_hist": [int(c) for c in np.bincount(predicted, minlength=N_CLASSES)],
        "confident_hist": [int(c) for c in confident_counts],
        "class_coverage": int(np.sum(confident_counts >= threshold)),
        "coverage_threshold": float(threshold),
        "mean_confidence": float(confidence.mean()),
        "frechet_distance": frechet_distance(mu, sigma, real_mu, real_sigma),
    }
