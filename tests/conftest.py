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
    from gan_core.runner import live_runs

    for run in live_runs():
        run.stop()
