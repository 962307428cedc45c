"""gan_core: the GAN Explainer training engine. Plain Python + PyTorch; no UI code here.

Read it like the PyTorch DCGAN tutorial: `config` (one validated TrainConfig), `presets`, `data/`,
`models` (G and D), `losses`, `trainer` (the loop: D steps with G frozen, then a G step through a
frozen D), `checkpoint`, `latent`, `cli`. Beside the engine: `fast/` (speed tricks, each proved
equal to the plain path), `quality/` (how good G is) and `runs/` (a trainer in a thread or a Ray
actor, watched through snapshots). Importing gan_core loads neither Streamlit, Plotly nor Ray and
starts no thread.
"""

from gan_core.config import TrainConfig
from gan_core.trainer import StepStats, Trainer

__all__ = ["TrainConfig", "Trainer", "StepStats"]
