"""gan_core: the GAN Explainer training engine. Plain Python + PyTorch; no UI code here."""

from gan_core.config import TrainConfig
from gan_core.runs.runner import Snapshot, TrainingRun, live_training_threads
from gan_core.trainer import StepStats, Trainer

__all__ = ["TrainConfig", "Trainer", "StepStats", "TrainingRun", "Snapshot", "live_training_threads"]
