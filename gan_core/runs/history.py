"""Bounded metric history: a fixed-size buffer that halves its resolution when full.

Rows are averaged in bins of `stride` records; when the buffer fills, neighbouring rows are
merged pairwise and the stride doubles. An hour-long run therefore keeps at most `capacity`
rows covering the whole run, with recent and old steps at the same (coarser) resolution, and
averaging (rather than dropping rows) keeps the curves honest instead of aliased.
"""

from __future__ import annotations

import numpy as np


class DecimatingHistory:
    def __init__(self, fields: tuple[str, ...], capacity: int = 2048) -> None:
        if capacity < 4 or capacity % 2:
            raise ValueError("capacity must be an even number >= 4")
        self.fields = fields
        self.capacity = capacity
        self._rows = np.zeros((capacity, len(fields)), dtype=np.float64)
        self._n = 0
        self.stride = 1
        self._bin = np.zeros(len(fields), dtype=np.float64)
        self._bin_count = 0

    def __len__(self) -> int:
        return self._n

    def append(self, values: tuple[float, ...]) -> None:
        row = np.asarray(values, dtype=np.float64)
        self._bin += row
        self._bin_count += 1
        if self._bin_count < self.stride:
            return
        self._push(self._bin / self._bin_count)  # the step column too: a bin sits at its centre
        self._bin[:] = 0
        self._bin_count = 0

    def _push(self, row: np.ndarray) -> None:
        if self._n == self.capacity:
            half = self.capacity // 2
            self._rows[:half] = (self._rows[0::2] + self._rows[1::2]) / 2
            self._n = half
            self.stride *= 2
        self._rows[self._n] = row
        self._n += 1

    def arrays(self) -> dict[str, np.ndarray]:
        """A copy of the history as one array per field (safe to hand to another thread)."""
        data = self._rows[: self._n].copy()
        return {f: data[:, i] for i, f in enumerate(self.fields)}

    def clear(self) -> None:
        self._n = 0
        self.stride = 1
        self._bin[:] = 0
        self._bin_count = 0

    def state(self) -> dict[str, object]:
        """Everything needed to continue this history in another process (a run moved to
        another machine keeps its curves): rows, stride and the half-filled bin."""
        return {
            "fields": self.fields,
            "capacity": self.capacity,
            "rows": self._rows[: self._n].copy(),
            "stride": self.stride,
            "bin": self._bin.copy(),
            "bin_count": self._bin_count,
        }

    def load_state(self, state: dict[str, object]) -> None:
        """Continue from `state()` of a history with the same fields and capacity."""
        if tuple(state["fields"]) != tuple(self.fields) or int(state["capacity"]) != self.capacity:
            raise ValueError("history state has other fields or another capacity")
        rows = np.asarray(state["rows"], dtype=np.float64)
        self._n = rows.shape[0]
        self._rows[: self._n] = rows
        self.stride = int(state["stride"])
        self._bin[:] = np.asarray(state["bin"], dtype=np.float64)
        self._bin_count = int(state["bin_count"])
