"""The README's layout section names every module and folder of the package as it is."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _layout() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("## Project layout")
    return text[start : text.index("```", text.index("```", start) + 3)]


def test_every_module_and_sub_package_is_in_the_layout():
    layout = _layout()
    named = set(re.findall(r"[a-z_0-9]+\.py|[a-z_]+/", layout))
    for path in sorted((ROOT / "pipeline").rglob("*.py")):
        if path.name == "__init__.py":
            assert f"{path.parent.name}/" in named, f"{path.parent.name}/ is not in the README"
        else:
            assert path.name in named, f"{path.relative_to(ROOT)} is not in the README layout"


def test_everything_in_the_layout_exists():
    layout = _layout()
    for name in re.findall(r"[a-z_0-9]+\.py", layout):
        assert list(ROOT.glob(f"pipeline/**/{name}")), f"the README names {name}, which is gone"
