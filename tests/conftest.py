import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GAN_EXPLAINER_TEST", "1")


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tests run on 2 cores next to other processes; one intra-op thread keeps them steady."""
    import torch

    torch.set_num_threads(1)
    yield


@pytest.fixture(autouse=True)
def _stop_runs_after_test():
    """No test leaves a training thread behind for the next one."""
    yield
    from gan_core.runs.runner import live_runs

    for run in live_runs():
        run.stop()


def under_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def fashion_mnist():
    """Real Fashion-MNIST (the app's 10,000-image training subset), as Debian's dataset-fashion-mnist
    installs it. Missing data skips the test with the reason, except under CI=true, where .ci/run
    installs the package and a missing copy must fail the suite instead of silently testing less."""
    from gan_core.data.images import DatasetUnavailable, image_dataset

    try:
        return image_dataset("fashion", download=False)
    except DatasetUnavailable as exc:
        reason = f"real Fashion-MNIST is not installed (apt-get install dataset-fashion-mnist): {exc}"
        if under_ci():
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)
