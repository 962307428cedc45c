"""gan_core: the GAN Explainer training engine. Plain Python + PyTorch; no UI code here."""

from .config import TrainConfig
from .runner import Snapshot, TrainingRun, live_training_threads
from .trainer import StepStats, Trainer

__all__ = ["TrainConfig", "Trainer", "StepStats", "TrainingRun", "Snapshot", "live_training_threads"]
