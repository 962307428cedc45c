"""numpy's matrix routines on one thread while a run trains and scores.

Plain path: numpy's BLAS as it comes, with one thread per core. Fast path: one thread (OpenBLAS's
`set_num_threads`, on the copy numpy loaded), set by a run's threads before they work.

Why: the quality metrics call numpy's BLAS for small products (the covariance of 1,000 x 64
classifier features, the Fréchet distance's 64 x 64 square roots). With two threads on a 2-core
laptop OpenBLAS hands half of each product to a second thread and keeps that thread spinning
afterwards, on the core the browser and the page need: measured on the 2-core AMD EPYC host
(BENCHMARKS.md, issue 26), the covariance took 2.0 ms of the calling thread and 4.9 ms of the
process against 0.26 / 0.26 ms on one thread; one digits evaluation 63 / 125 ms against 31 / 31.
One thread computes the same products (the order of a few sums may differ: last-bit differences,
tests/test_fast.py).

OpenBLAS keeps one thread count per process (its "local" setter sets it too, checked on
OpenBLAS 0.3.31), so this is process-wide, like the run's own `torch.set_num_threads`. Nothing
else in the app wants many BLAS threads next to a training thread on a shared machine. No-op where
numpy uses another BLAS (Accelerate on macOS, MKL builds).
"""

from __future__ import annotations

import ctypes
import functools
import glob
import os
from pathlib import Path

from gan_core import fast

# The setter's name in the OpenBLAS builds numpy ships (scipy-openblas, 64-bit ints) and in plain ones.
SETTERS = (
    "scipy_openblas_set_num_threads64_",
    "scipy_openblas_set_num_threads",
    "openblas_set_num_threads64_",
    "openblas_set_num_threads",
)
GETTERS = tuple(name.replace("set_num", "get_num") for name in SETTERS)


def _candidate_paths() -> list[str]:
    """Shared libraries that may be numpy's OpenBLAS: those this process has loaded (Linux), else
    the ones numpy's wheel ships beside it."""
    import numpy

    maps = Path("/proc/self/maps")
    found: list[str] = []
    if maps.exists():
        for line in maps.read_text().splitlines():
            path = line.split(maxsplit=5)[-1] if line.count(" ") >= 5 else ""
            if "openblas" in os.path.basename(path).lower() and path not in found:
                found.append(path)
    if not found:
        root = Path(numpy.__file__).parent
        for pattern in ("../numpy.libs/*openblas*", ".dylibs/*openblas*"):
            found += sorted(glob.glob(str(root / pattern)))
    # torch may bundle an OpenBLAS of its own (ARM wheels): torch.set_num_threads governs that one.
    return [p for p in found if f"{os.sep}torch{os.sep}" not in p]


@functools.cache
def _controls() -> tuple[tuple[ctypes._CFuncPtr, ctypes._CFuncPtr | None], ...]:
    """(setter, getter) of every OpenBLAS numpy may use; empty where there is none."""
    import numpy  # noqa: F401  (loads numpy's BLAS, so /proc/self/maps lists it)

    controls = []
    for path in _candidate_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        setter = next((getattr(lib, name) for name in SETTERS if hasattr(lib, name)), None)
        if setter is None:
            continue
        getter = next((getattr(lib, name) for name in GETTERS if hasattr(lib, name)), None)
        controls.append((setter, getter))
    return tuple(controls)


def blas_threads() -> int | None:
    """numpy's BLAS threads now (None where it cannot be told)."""
    for _, getter in _controls():
        if getter is not None:
            return int(getter())
    return None


def set_blas_threads(n: int) -> None:
    """Set numpy's BLAS (OpenBLAS) to `n` threads, process-wide; no-op without an OpenBLAS."""
    for setter, _ in _controls():
        setter(int(n))


def one_blas_thread() -> None:
    """What a run's threads call before they train or score (see the module docstring); the plain
    path leaves numpy's BLAS as it is."""
    if fast.enabled() and blas_threads() not in (None, 1):
        set_blas_threads(1)
