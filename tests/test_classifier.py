"""The reference classifier and the digit metrics a teacher reads off the app."""

from __future__ import annotations

import dataclasses
import importlib.util
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_core.data.images import load_digits_arrays
from gan_core.quality.classifier import (
    SPECS,
    STATS_KEYS,
    DigitsNet,
    FashionNet,
    ReferenceClassifier,
    digits_metrics,
    held_out_split,
)
from gan_core.quality.frechet import gaussian_stats

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


# --- Fashion-MNIST: the same machinery with its own network, weights and statistics -------------


@pytest.fixture(scope="module")
def fashion() -> ReferenceClassifier:
    return ReferenceClassifier.for_dataset("fashion")


def test_classifiers_are_per_data_set(fashion) -> None:
    digits_clf = ReferenceClassifier.for_dataset("digits")
    assert digits_clf is ReferenceClassifier.load() and fashion is ReferenceClassifier.load(dataset="fashion")
    assert fashion is not digits_clf and isinstance(fashion.net, FashionNet)
    assert (fashion.spec.size, fashion.spec.class_names[1], fashion.n_classes) == (28, "Trouser", 10)
    assert set(SPECS) == {"digits", "fashion"}
    with pytest.raises(ValueError, match="28, 28"):
        fashion.predict_proba(np.zeros((3, 8, 8)))
    with pytest.raises(ValueError, match="no reference classifier"):
        ReferenceClassifier.for_dataset("shapes")


def test_fashion_weights_are_small_and_hold_the_real_feature_statistics(fashion) -> None:
    path = ROOT / "assets" / SPECS["fashion"].weights_file
    assert path.stat().st_size < 600 * 1024  # shipped in git
    state = torch.load(path, map_location="cpu", weights_only=True)
    assert set(STATS_KEYS) <= set(state)
    mu, sigma = fashion.real_stats()
    assert mu.shape == (64,) and sigma.shape == (64, 64) and np.allclose(sigma, sigma.T, atol=1e-4)
    assert fashion.real_stats() is fashion.real_stats()


def test_a_weights_file_without_statistics_computes_them_from_the_real_images(tmp_path, monkeypatch) -> None:
    state = torch.load(ROOT / "assets" / "fashion_classifier.pt", map_location="cpu", weights_only=True)
    for key in STATS_KEYS:
        state.pop(key)
    torch.save(state, tmp_path / "bare.pt")
    calls = []
    fake_images = np.random.default_rng(0).random((50, 28, 28)).astype(np.float32)
    spec = dataclasses.replace(SPECS["fashion"], real_images=lambda: calls.append(1) or fake_images)
    monkeypatch.setitem(SPECS, "fashion", spec)
    bare = ReferenceClassifier.load(tmp_path / "bare.pt", dataset="fashion")
    mu, _ = bare.real_stats()
    assert calls == [1] and np.allclose(mu, bare.features(fake_images).mean(0))


def test_fashion_classifier_accuracy_and_real_vs_real_floor(fashion, fashion_mnist) -> None:
    """The numbers the docstring of scripts/train_reference_classifier.py states: >= 0.88 on the
    10,000 test images (shipped: 0.9138), and real images sit near the floor of the distance."""
    from gan_core.data.images import mnist_dataset

    test = mnist_dataset("fashion", split="test", download=False)
    accuracy = (fashion.predict_proba(test.data).argmax(1) == test.labels).mean()
    assert accuracy >= 0.88, accuracy
    m = digits_metrics(test.data[:1000], classifier=fashion)
    assert m["class_coverage"] == 10 and m["mean_confidence"] > 0.88 and m["frechet_distance"] < 6, m
    noise = torch.rand(1000, 1, 28, 28) * 2 - 1
    m = digits_metrics(noise, classifier=fashion)
    assert m["class_coverage"] == 0 and m["mean_confidence"] < 0.5 and m["frechet_distance"] > 100, m
    one_class = test.data[torch.as_tensor(test.labels == 1)][:200]  # trousers only
    assert digits_metrics(one_class, classifier=fashion)["class_coverage"] == 1


def test_fashion_training_script_is_deterministic(fashion_mnist, monkeypatch) -> None:
    spec = importlib.util.spec_from_file_location("train_ref", ROOT / "scripts" / "train_reference_classifier.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    # 2,048 training and 1,000 "test" images of the already loaded copy: the procedure, not the data.
    x, y = fashion_mnist.data, torch.as_tensor(fashion_mnist.labels, dtype=torch.long)
    splits = {"train": (x[:2048], y[:2048]), "test": (x[2048:3048], y[2048:3048])}
    monkeypatch.setattr(module, "fashion_data", splits.get)
    state_before = torch.get_rng_state()
    (net_a, acc_a, stats_a), (net_b, acc_b, stats_b) = (module.train_fashion(epochs=1) for _ in range(2))
    assert torch.equal(torch.get_rng_state(), state_before)
    assert acc_a == acc_b and acc_a > 0.3  # 16 batches: far from 0.91, far above chance (0.1)
    assert all(torch.equal(p, q) for p, q in zip(net_a.state_dict().values(), net_b.state_dict().values(), strict=True))
    assert all(torch.equal(stats_a[k], stats_b[k]) for k in STATS_KEYS)


def test_the_app_scores_a_fashion_run_with_the_fashion_classifier(fashion_mnist) -> None:
    from gan_core.data.images import FASHION_NAMES
    from gan_core.presets import get_preset
    from gan_core.quality.evaluation import Evaluator
    from gan_core.trainer import Trainer

    trainer = Trainer(get_preset("digits").config.replace(dataset="fashion"), fashion_mnist)  # 28x28 DCGAN
    evaluator = Evaluator(trainer)
    assert evaluator.metric_fields == ("class_coverage", "mean_confidence", "frechet_distance")
    samples, views, metrics = evaluator.evaluate()
    assert samples.shape == (64, 28, 28) and views["real"].shape == (64, 28, 28)
    classes = views["classes"]
    assert classes["labels"] == list(FASHION_NAMES)
    assert len(classes["confident"]) == 10 and sum(classes["confident"]) + sum(classes["unsure"]) == classes["n"]
    fashion_classifier = ReferenceClassifier.for_dataset("fashion")
    expected = digits_metrics(trainer.generate(evaluator.eval_noise), classifier=fashion_classifier)
    assert metrics["mean_confidence"] == pytest.approx(expected["mean_confidence"])
    assert metrics["frechet_distance"] == pytest.approx(expected["frechet_distance"])
