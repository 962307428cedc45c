"""Every benchmark module imports and parses its own --help: a package move that leaves a benchmark
pointing at an old module path fails here, in seconds, rather than on the day someone measures."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import benchmarks
from benchmarks.common import parse_seeds

MODULES = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if not m.name.startswith("_"))


@pytest.mark.parametrize("name", MODULES)
def test_the_benchmark_imports_and_answers_help(name, capsys):
    module = importlib.import_module(f"benchmarks.{name}")
    main = getattr(module, "main", None)
    if main is None:
        return  # a helper module (common, browser, procfs, ...)
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    assert "usage" in capsys.readouterr().out


def test_seeds_are_ranges_or_lists():
    assert parse_seeds("0-5") == (0, 1, 2, 3, 4, 5)
    assert parse_seeds("0,3,7") == (0, 3, 7)
    assert parse_seeds("4") == (4,)
