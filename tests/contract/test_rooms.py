"""The rooms of ``pipeline/`` import downwards only, in the order a job goes through them."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# A job's order; the shared vocabulary first. A room may import its own and earlier rooms.
ORDER = ["problems", "numerals", "schema", "upn", "resources", "spec", "read", "clean", "io",
         "checks", "measures", "publish", "report", "orchestrate", "cli"]  # fmt: skip
# The one upward import, by design: targets and actions name indicators, and a wrong id is
# refused when the configuration is read (naming the file), not at stage 30.
KNOWN = {("pipeline/spec/config.py", "pipeline.measures.registry")}


def _imports(path: Path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "pipeline":
                yield from (f"pipeline.{a.name}" for a in node.names)
            else:
                yield node.module
        elif isinstance(node, ast.Import):
            yield from (a.name for a in node.names)


def _room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "pipeline" and len(parts) > 1 else None


def test_no_room_imports_a_later_one():
    upward = set()
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        rel = path.relative_to(ROOT).as_posix()
        mine = _room(".".join(path.relative_to(ROOT).with_suffix("").parts))
        for target in _imports(path):
            theirs = _room(target)
            if theirs in ORDER and ORDER.index(theirs) > ORDER.index(mine):
                upward.add((rel, target))
    assert upward - KNOWN == set(), "a room imports a later one"
    assert KNOWN - upward == set(), "fixed: remove it from KNOWN"


def test_a_real_run_can_never_use_synthetic_data():
    # Only `corpar demo` and `corpar synth` (in cli.py) reach the generator.
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        users = [t for t in _imports(path) if t.startswith("corpar_synthetic")]
        assert not users or path.name == "cli.py", path
