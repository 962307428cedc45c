"""How each preset behaves, as measured on several seeds: one record that every text reads.

A sentence that quotes how a preset behaves (D's accuracy at the end, modes or classes reached,
confidence) takes its number from here, never from a literal typed into the sentence, so a retuned
preset cannot leave a page quoting an old number. `python -m benchmarks.seeds --record` trains each
preset on several seeds (one torch thread, as the app trains) and writes `measured.json` beside this
module: per preset the range over seeds of each measure, with the seeds, the step count, the CPU and
the date; with --pairings, the same for both runs of each Mode collapse lab pairing.
tests/test_preset_texts.py checks that the texts quote this record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

RECORD_FILE = Path(__file__).with_name("measured.json")

# What the record keeps per preset, each a (lowest, highest) over the seeds: G as it trains at the
# preset's last step (the pages' default view), and D's accuracy as the median of its last 500 steps.
MEASURES = (
    "d_accuracy_median_last",
    "modes_covered_strict",
    "hq_fraction",
    "class_coverage",
    "mean_confidence",
    "js_grid",
)


@dataclass(frozen=True)
class Measured:
    preset: str
    seeds: tuple[int, ...]
    steps: int
    cpu: str
    date: str
    ranges: dict[str, tuple[float, float]]

    def range(self, key: str) -> tuple[float, float]:
        if key not in self.ranges:
            raise KeyError(f"the measured record has no {key!r} for {self.preset} (benchmarks/seeds.py --record)")
        return self.ranges[key]

    def percent(self, key: str) -> str:
        """'51 %' or '53–60 %' (rounded to whole percent)."""
        lo, hi = (round(100 * v) for v in self.range(key))
        return f"{lo} %" if lo == hi else f"{lo}–{hi} %"

    def count(self, key: str) -> str:
        """'25' or '24–25'."""
        lo, hi = (round(v) for v in self.range(key))
        return f"{lo}" if lo == hi else f"{lo}–{hi}"

    def number(self, key: str, digits: int = 2) -> str:
        """'0.59' or '0.59–0.61'."""
        lo, hi = (f"{v:.{digits}f}" for v in self.range(key))
        return lo if lo == hi else f"{lo}–{hi}"

    def source(self) -> str:
        """Where the numbers come from, for a caption: seeds, steps, CPU, date."""
        seeds = f"{self.seeds[0]}–{self.seeds[-1]}" if len(self.seeds) > 1 else str(self.seeds[0])
        return f"measured on seeds {seeds} at step {self.steps:,} ({self.cpu}, {self.date})"


def _parse(data: dict[str, Any]) -> dict[str, Measured]:
    return {
        name: Measured(
            preset=name,
            seeds=tuple(int(s) for s in entry["seeds"]),
            steps=int(entry["steps"]),
            cpu=str(entry["cpu"]),
            date=str(entry["date"]),
            ranges={k: (float(v[0]), float(v[1])) for k, v in entry["ranges"].items()},
        )
        for name, entry in data["presets"].items()
    }


@cache
def _data() -> dict[str, Any]:
    return json.loads(RECORD_FILE.read_text())


def record() -> dict[str, Measured]:
    """Every preset's measurements (read once)."""
    return _parse(_data())


def pairing(key: str, dataset: str) -> tuple[Measured, Measured] | None:
    """(run A, run B) of a Mode collapse lab pairing on `dataset`, measured over the same seeds and
    steps as the lab trains them; None where the record has no measurement of it."""
    sides = _data().get("pairings", {}).get(dataset, {}).get(key)
    if not sides or "a" not in sides or "b" not in sides:
        return None
    parsed = _parse({"presets": {f"{key}:{dataset}:{s}": sides[s] for s in ("a", "b")}})
    return parsed[f"{key}:{dataset}:a"], parsed[f"{key}:{dataset}:b"]


def measured(preset: str) -> Measured:
    try:
        return record()[preset]
    except KeyError:
        raise KeyError(
            f"no measurements of {preset!r} in {RECORD_FILE.name}: run benchmarks/seeds.py --record"
        ) from None


def entry(results: list[dict[str, Any]], cpu: str, date: str) -> dict[str, Any]:
    """One preset's record entry from benchmarks/seeds.py's per-seed results (G as it trains)."""
    ranges: dict[str, list[float]] = {}
    for key in MEASURES:
        values = [
            r["d_accuracy_median_last"] if key == "d_accuracy_median_last" else r["training"].get(key) for r in results
        ]
        if all(v is not None for v in values):
            ranges[key] = [float(min(values)), float(max(values))]
    return {
        "seeds": sorted(int(r["seed"]) for r in results),
        "steps": int(results[0]["steps"]),
        "cpu": cpu,
        "date": date,
        "ranges": ranges,
    }
