"""The reference classifier and the digit metrics a teacher reads off the app."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_core.classifier import (
    DigitsNet,
    ReferenceClassifier,
    digits_metrics,
    frechet_distance,
    gaussian_stats,
    held_out_split,
)
from gan_core.data.images import load_digits_arrays

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def classifier() -> ReferenceClassifier:
    return ReferenceClassifier.load()


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    return load_digits_arrays()


def test_shipped_weights_classify_held_out_digits(classifier, digits) -> None:
    images, labels = digits
    _, test_idx = held_out_split(labels)
    assert 300 < len(test_idx) < 400
    accuracy = (classifier.predict_proba(images[test_idx]).argmax(1) == labels[test_idx]).mean()
    assert accuracy >= 0.97


def test_held_out_split_is_stratified_disjoint_and_fixed(digits) -> None:
    labels = digits[1]
    train, test = held_out_split(labels)
    assert len(np.intersect1d(train, test)) == 0 and len(train) + len(test) == len(labels)
    assert np.bincount(labels[test]).min() >= 34
    assert np.array_equal(test, held_out_split(labels)[1])


def test_load_is_cached_and_thread_safe() -> None:
    found: list[ReferenceClassifier] = []
    threads = [threading.Thread(target=lambda: found.append(ReferenceClassifier.load())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in found}) == 1 and found[0] is ReferenceClassifier.load()


def test_load_accepts_a_state_dict_file(tmp_path: Path) -> None:
    net = DigitsNet()
    torch.save(net.state_dict(), tmp_path / "w.pt")
    loaded = ReferenceClassifier.load(tmp_path / "w.pt")
    assert loaded is not ReferenceClassifier.load()
    x = torch.zeros(2, 1, 8, 8)
    assert np.allclose(loaded.predict_proba(x), torch.softmax(net(x), 1).detach().numpy(), atol=1e-6)


def test_both_input_formats_give_the_same_answer(classifier, digits) -> None:
    images = digits[0][:20]
    as_numpy01 = classifier.predict_proba(images)
    as_tensor11 = classifier.predict_proba(torch.from_numpy(images)[:, None] * 2 - 1)
    assert as_numpy01.shape == (20, 10) and np.allclose(as_numpy01.sum(1), 1.0)
    assert np.allclose(as_numpy01, as_tensor11, atol=1e-6)
    assert classifier.features(images).shape == (20, 64)
    with pytest.raises(ValueError, match="expected"):
        classifier.predict_proba(np.zeros((3, 28, 28)))


def test_real_digits_score_as_real(digits) -> None:
    m = digits_metrics(digits[0])
    assert m["class_coverage"] == 10
    assert m["mean_confidence"] > 0.9
    assert m["frechet_distance"] < 1e-6
    assert sum(m["class_hist"]) == 1797 and min(m["class_hist"]) > 150


def test_half_of_the_digits_is_close_to_the_other_half(classifier, digits) -> None:
    images = digits[0]
    other_half = gaussian_stats(classifier.features(images[1::2]))
    close = digits_metrics(images[::2], real_stats=other_half)["frechet_distance"]
    noise = np.random.default_rng(7).uniform(0, 1, size=(899, 8, 8))
    far = digits_metrics(noise, real_stats=other_half)["frechet_distance"]
    assert 0 < close < 5 and far > 50 * close


def test_uniform_noise_scores_as_noise() -> None:
    noise = torch.rand(500, 1, 8, 8, generator=torch.Generator().manual_seed(11)) * 2 - 1
    m = digits_metrics(noise)
    assert m["mean_confidence"] < 0.3
    # Argmax still lands somewhere, but unsure guesses must not count as a covered digit.
    assert max(m["class_hist"]) > 0.02 * 500
    assert m["class_coverage"] == 0
    assert m["frechet_distance"] > 100


def test_only_ones_cover_one_class(digits) -> None:
    images, labels = digits
    m = digits_metrics(images[labels == 1])
    assert m["class_coverage"] == 1
    assert m["class_hist"][1] == int((labels == 1).sum())
    assert m["frechet_distance"] > 100  # one mode is far from ten


def test_coverage_needs_min_share_of_the_batch(digits) -> None:
    images, labels = digits
    batch = np.concatenate([images[labels == 1][:98], images[labels == 7][:2]])
    assert digits_metrics(batch, min_share=0.02)["class_coverage"] == 2
    assert digits_metrics(batch, min_share=0.05)["class_coverage"] == 1


def test_real_stats_are_computed_once(classifier) -> None:
    assert classifier.real_stats() is classifier.real_stats()
    mu, sigma = classifier.real_stats()
    assert mu.shape == (64,) and sigma.shape == (64, 64)


def test_frechet_distance_matches_closed_forms() -> None:
    rng = np.random.default_rng(0)
    a = rng.normal(size=(5, 5))
    sigma = a @ a.T + np.eye(5)
    mu = rng.normal(size=5)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-8)
    assert frechet_distance(mu, sigma, mu + 2.0, sigma) == pytest.approx(4.0 * 5, rel=1e-6)
    d1, d2 = np.array([1.0, 4.0, 9.0]), np.array([4.0, 1.0, 0.0])  # diagonal, one singular
    expected = np.sum((np.sqrt(d1) - np.sqrt(d2)) ** 2)
    assert frechet_distance(np.zeros(3), np.diag(d1), np.zeros(3), np.diag(d2)) == pytest.approx(expected)


def test_training_script_is_deterministic() -> None:
    spec = importlib.util.spec_from_file_location("train_ref", ROOT / "scripts" / "train_reference_classifier.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    state_before, threads = torch.get_rng_state(), torch.get_num_threads()
    torch.set_num_threads(1)  # as the script does; tiny ops on contended threads are very slow
    try:
        (net_a, acc_a), (net_b, acc_b) = module.train(epochs=1), module.train(epochs=1)
    finally:
        torch.set_num_threads(threads)
    assert torch.equal(torch.get_rng_state(), state_before)  # the caller's RNG is left alone
    assert acc_a == acc_b and acc_a > 0.5
    assert all(torch.equal(p, q) for p, q in zip(net_a.state_dict().values(), net_b.state_dict().values(), strict=True))
