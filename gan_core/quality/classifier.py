"""Small reference classifiers, one per labelled data set (8x8 digits, 28x28 Fashion-MNIST), and
the sample-quality metrics built on them.

A GAN's loss says little about whether its samples look like digits or clothes. A fixed
classifier trained on the real images does: which classes appear (mode coverage), how sure it is
(sample quality) and how far the feature distribution is from the real one (a Fréchet
distance, the idea behind FID, on features we can compute in milliseconds on a CPU).

Each data set has a `ClassifierSpec` (`SPECS`): its network, image size, shipped weights and
where the real features' statistics come from. Accepted image formats (everywhere in this
module), told apart by their number of axes, for the classifier's image size S:
  * (n, 1, S, S) in [-1, 1]: what the generator and `Dataset.data` hold;
  * (n, S, S) in [0, 1]: what `load_digits_arrays` and image files give.
Either may be a torch tensor or a numpy array. Values are clamped to the valid range.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from gan_core.data.images import DIGIT_NAMES, FASHION_NAMES, assets_dir, load_digits_arrays
from gan_core.quality.frechet import frechet_distance, gaussian_stats
from gan_core.quality.metrics import CLASS_MIN_CONFIDENCE, CLASS_MIN_SHARE

WEIGHTS_FILE = "digits_classifier.pt"
N_CLASSES = 10
# Keys a weights file may hold besides the network's own: the Gaussian fit of the real images'
# features (mean, covariance), stored by the training script where computing it takes seconds.
STATS_KEYS = ("real_feature_mean", "real_feature_cov")


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


class FashionNet(nn.Module):
    """Three strided convolutions and two linear layers for 28x28 clothes: ~122k weights (480 KB).

    Strided convolutions instead of convolution + max-pooling: the same depth at a fifth of the
    cost on a CPU, so the 1,000 samples of an evaluation are judged in ~0.05-0.09 s on one core
    (the app scores them in its training thread once a second)."""

    def __init__(self) -> None:
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 32, 5, stride=2, padding=2),
            nn.ReLU(),  # (n, 32, 14, 14)
            nn.Conv2d(32, 64, 3, stride=2, padding=1),
            nn.ReLU(),  # (n, 64, 7, 7)
            nn.Conv2d(64, 64, 3, stride=2, padding=1),
            nn.ReLU(),  # (n, 64, 4, 4)
            nn.Flatten(),  # (n, 1024)
            nn.Linear(1024, 64),
            nn.ReLU(),  # (n, 64): the features FD compares
        )
        self.head = nn.Linear(64, N_CLASSES)  # (n, 10) logits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(x))


def _fashion_train_images() -> np.ndarray:
    from gan_core.data.images import mnist_dataset  # deferred: reads 26 MB, only without stored stats

    return (mnist_dataset("fashion", download=False).data[:, 0].numpy() + 1.0) / 2.0


@dataclass(frozen=True)
class ClassifierSpec:
    """One data set's reference classifier."""

    dataset: str
    size: int  # images are (size, size)
    weights_file: str  # in assets/
    build: Callable[[], nn.Module]  # the network (a `body` giving features, a `head` giving logits)
    class_names: tuple[str, ...]
    noun: str  # what one sample is called on the page ("digit", "item")
    # The real images ((n, size, size) in [0, 1]) whose features FD compares against, when the weights
    # file stores no statistics of its own.
    real_images: Callable[[], np.ndarray]


SPECS: dict[str, ClassifierSpec] = {
    "digits": ClassifierSpec(
        "digits", 8, WEIGHTS_FILE, DigitsNet, DIGIT_NAMES, "digit", lambda: load_digits_arrays()[0]
    ),
    "fashion": ClassifierSpec(
        "fashion", 28, "fashion_classifier.pt", FashionNet, FASHION_NAMES, "item", _fashion_train_images
    ),
}


def spec_for(dataset: str) -> ClassifierSpec:
    try:
        return SPECS[dataset]
    except KeyError:
        raise ValueError(f"no reference classifier for {dataset!r}; there is one for {', '.join(SPECS)}") from None


def to_model_input(images: torch.Tensor | np.ndarray, size: int = 8) -> torch.Tensor:
    """Convert either accepted format (see module docstring) to float32 (n, 1, size, size) in [-1, 1]."""
    x = torch.as_tensor(np.asarray(images) if not isinstance(images, torch.Tensor) else images)
    x = x.detach().to("cpu", torch.float32)
    if x.ndim == 3 and tuple(x.shape[1:]) == (size, size):
        x = x.clamp(0.0, 1.0).unsqueeze(1) * 2.0 - 1.0
    elif x.ndim == 4 and tuple(x.shape[1:]) == (1, size, size):
        x = x.clamp(-1.0, 1.0)
    else:
        raise ValueError(
            f"expected (n, 1, {size}, {size}) in [-1, 1] or (n, {size}, {size}) in [0, 1], got {tuple(x.shape)}"
        )
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
    """A data set's frozen reference network on the CPU; safe to share between threads (inference only)."""

    _cache: dict[tuple[str, Path], ReferenceClassifier] = {}
    _cache_lock = threading.Lock()

    def __init__(
        self,
        net: nn.Module,
        spec: ClassifierSpec | None = None,
        real_stats: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        self.net = net.eval().requires_grad_(False)
        self.spec = spec or SPECS["digits"]
        self._real_stats = real_stats
        self._stats_lock = threading.Lock()

    @property
    def n_classes(self) -> int:
        return len(self.spec.class_names)

    @classmethod
    def load(cls, path: str | Path | None = None, dataset: str = "digits") -> ReferenceClassifier:
        """Load `dataset`'s shipped weights (or those at `path`) once; later calls return the same instance."""
        spec = spec_for(dataset)
        path = Path(path) if path is not None else assets_dir() / spec.weights_file
        key = (dataset, path.resolve())
        with cls._cache_lock:
            if key not in cls._cache:
                net = spec.build()
                # weights_only: a .pt file is a pickle, and only plain tensors may come out of it.
                state = torch.load(key[1], map_location="cpu", weights_only=True)
                stats = None
                if all(k in state for k in STATS_KEYS):
                    mean, cov = (state.pop(k) for k in STATS_KEYS)
                    stats = (mean.double().numpy(), cov.double().numpy())
                net.load_state_dict(state)
                cls._cache[key] = cls(net, spec, stats)
            return cls._cache[key]

    @classmethod
    def for_dataset(cls, dataset: str) -> ReferenceClassifier:
        """The shipped reference classifier of `dataset` ("digits", "fashion")."""
        return cls.load(dataset=dataset)

    def to_input(self, images: torch.Tensor | np.ndarray) -> torch.Tensor:
        """`images` in either accepted format as this network's input."""
        return to_model_input(images, self.spec.size)

    @torch.inference_mode()
    def _run(self, images: torch.Tensor | np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.net.body(self.to_input(images))
        return features, self.net.head(features)

    def predict_proba(self, images: torch.Tensor | np.ndarray) -> np.ndarray:
        """Class probabilities, (n, n_classes)."""
        return torch.softmax(self._run(images)[1], dim=1).numpy().astype(np.float64)

    def probabilities_and_features(self, images: torch.Tensor | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Both at once from one forward pass (metrics need both, a few times per second)."""
        features, logits = self._run(images)
        return (torch.softmax(logits, dim=1).numpy().astype(np.float64), features.numpy().astype(np.float64))

    def features(self, images: torch.Tensor | np.ndarray) -> np.ndarray:
        """Penultimate-layer activations, (n, 64): the space the Fréchet distance is measured in."""
        return self._run(images)[0].numpy().astype(np.float64)

    def real_stats(self) -> tuple[np.ndarray, np.ndarray]:
        """Gaussian fit (mean, covariance) of the features of the real images: stored in the weights
        file (Fashion-MNIST: all 60,000 training images) or computed once (all 1,797 digits)."""
        with self._stats_lock:
            if self._real_stats is None:
                self._real_stats = gaussian_stats(self.features(self.spec.real_images()))
            return self._real_stats


def digits_metrics(
    images: torch.Tensor | np.ndarray,
    classifier: ReferenceClassifier | None = None,
    real_stats: tuple[np.ndarray, np.ndarray] | None = None,
    min_share: float = CLASS_MIN_SHARE,
) -> dict:
    """Judge a batch of generated images with a reference classifier (default: the digits one; pass
    another data set's, e.g. `ReferenceClassifier.for_dataset("fashion")`). Formats: see the module
    docstring; n >= 2.

    Returns:
      class_hist: 10 ints, how many images the classifier assigns to each class (argmax).
      confident_hist: 10 ints, the same counting only images it assigns with probability
        >= CLASS_MIN_CONFIDENCE (0.5).
      class_coverage: how many classes are really produced (metrics.CLASS_COVERAGE, the one rule every
        page uses): a class counts when its confident images make up at least `min_share` of the
        batch (and at least one image). Unsure predictions on blobs thus cover nothing.
      coverage_threshold: that many confident images, for this batch size.
      mean_confidence: mean of the top class probability (blurry or odd samples score low).
      frechet_distance: between Gaussian fits of classifier features of the batch and of the
        real images (`real_stats`, default: the classifier's `real_stats()`). 0 = same distribution.
    """
    classifier = classifier or ReferenceClassifier.load()
    x = classifier.to_input(images)
    n_classes = classifier.n_classes
    proba, features = classifier.probabilities_and_features(x)
    predicted, confidence = proba.argmax(axis=1), proba.max(axis=1)
    confident_counts = np.bincount(predicted[confidence >= CLASS_MIN_CONFIDENCE], minlength=n_classes)
    threshold = max(1.0, min_share * len(x))
    mu, sigma = gaussian_stats(features)
    real_mu, real_sigma = real_stats if real_stats is not None else classifier.real_stats()
    return {
        "predicted": predicted,  # per image, in input order
        "confidence": confidence,
        "class_hist": [int(c) for c in np.bincount(predicted, minlength=n_classes)],
        "confident_hist": [int(c) for c in confident_counts],
        "class_coverage": int(np.sum(confident_counts >= threshold)),
        "coverage_threshold": float(threshold),
        "mean_confidence": float(confidence.mean()),
        "frechet_distance": frechet_distance(mu, sigma, real_mu, real_sigma),
    }
