"""Every benchmark module imports and parses its own --help, and every import of the project's own
modules anywhere in the tree (including those inside functions, which run only when a benchmark or a
script does) names a module that exists: a package move that leaves a benchmark pointing at an old
path fails here, in seconds, rather than on the day someone measures."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import pytest

import benchmarks
from benchmarks.common import parse_seeds

ROOT = Path(__file__).resolve().parent.parent
OWN = ("gan_core", "classroom", "figures", "ui", "app_pages", "benchmarks", "tests")
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


def _own_imports() -> set[tuple[str, str]]:
    found = set()
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0].startswith(".") or rel.parts[0] not in (*OWN, "scripts", "app.py"):
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(rel))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else []
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            found |= {(str(rel), n) for n in names if n.split(".")[0] in OWN}
    return found


def test_every_import_of_the_projects_own_modules_names_one_that_exists():
    missing = sorted((where, name) for where, name in _own_imports() if importlib.util.find_spec(name) is None)
    assert not missing, missing
