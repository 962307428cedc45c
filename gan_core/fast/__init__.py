"""Speed tricks, each in its own module with a test that proves it equal to the plain PyTorch path.

The training step (gan_core.trainer) reads like the algorithm and calls these by name:

- `adam`: the fused Adam kernel, stepped without `Optimizer.step`'s per-call bookkeeping;
- `grads`: dropping gradients without `zero_grad`'s param-group walk;
- `joint_d`: D scoring the real and the fake batch in one pass instead of two;
- `minibatch_spread`: the minibatch statistic with its backward written out;
- `weight_average`: the weight average's update as one fused in-place op;
- `conv_transpose`: the transposed convolution on the CPU kernel that suits its shape.
- `blas`: numpy's matrix routines on one thread while a run trains and scores (not a step trick:
  the quality metrics' products, next to a training thread on a 2-core laptop).

Nothing here changes what is computed, only how fast. `GAN_EXPLAINER_PLAIN=1` in the environment
(`--plain` on the CLI, `set_enabled(False)` in code) turns every one of them off, so a reader can
run the plain algorithm and compare (tests/test_fast.py trains both ways and compares).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

PLAIN_ENV = "GAN_EXPLAINER_PLAIN"

_enabled = os.environ.get(PLAIN_ENV, "").strip().lower() not in ("1", "true", "yes", "on")


def enabled() -> bool:
    """Whether the speed tricks are used (read at each call: switching takes effect at once)."""
    return _enabled


def set_enabled(flag: bool) -> None:
    global _enabled
    _enabled = bool(flag)


@contextmanager
def plain() -> Iterator[None]:
    """Run a block with every speed trick off (the plain PyTorch path)."""
    before = _enabled
    set_enabled(False)
    try:
        yield
    finally:
        set_enabled(before)
