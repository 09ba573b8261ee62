"""Tests mirror the modules: every module has its own file, tests/unit/test_<module>.py."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_every_module_has_its_own_unit_test_file():
    modules = [
        p for base in ("pipeline", "corpar_synthetic") for p in (ROOT / base).rglob("*.py")
        if p.name != "__init__.py"
    ]  # fmt: skip
    names = [p.stem for p in modules]
    assert len(names) == len(set(names)), "two modules share a name: their tests would too"
    missing = sorted(
        str(p.relative_to(ROOT)) for p in modules
        if not (ROOT / "tests" / "unit" / f"test_{p.stem}.py").is_file()
    )  # fmt: skip
    assert missing == []
