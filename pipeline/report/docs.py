"""Generate ``docs/indicators.md`` from the indicator registry (``python -m pipeline.report.docs``).

The catalogue analysts read, the report's methodology annex and the code cannot drift
apart: all three come from the registry, and a test fails when the committed file is stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pipeline import resources
from pipeline.measures.registry import REGISTRY
from pipeline.read.reference import LAIT_ALL_PUPILS, SOURCES

# A file of the repository (nothing reads it at run time): in the clone the package is
# imported from, or, for an installed copy, docs/ in the current folder.
DOC = (resources.source_tree() or Path.cwd()) / "docs" / "indicators.md"


def _comparator(ind: str) -> str:
    src = SOURCES.get(ind)
    parts = []
    if src:
        where = "; ".join(f"{c} = {v}" for c, v in src.filters)
        parts.append(f"DfE: `{src.value}` where {where}" + (f" ({src.note})" if src.note else ""))
    if ind in LAIT_ALL_PUPILS:
        parts.append(f"all pupils: LAIT `{LAIT_ALL_PUPILS[ind]}`")
    return "; ".join(parts) or "none published"


def render() -> str:
    """The catalogue as Markdown, one section per indicator, in registry order."""
    out = [
        "# Indicators",
        "",
        "Generated from the registry in `pipeline/measures/registry.py` by "
        "`python -m pipeline.report.docs`;",
        "do not edit by hand. Periods: E is the period end, S is E minus 12 months plus one",
        "day. Children whose only episodes are short breaks (V3/V4) are never counted.",
        "Percentages are rounded half up to whole numbers unless stated.",
        "",
        "| id | title | unit | polarity |",
        "|---|---|---|---|",
    ]
    out += [f"| `{i.id}` | {i.title} | {i.unit} | {i.polarity} |" for i in REGISTRY.values()]
    for i in REGISTRY.values():
        out += [
            "",
            f"## `{i.id}`: {i.title}",
            "",
            f"- Cohort: {i.cohort}",
            f"- Unit: {i.unit} ({i.dp} dp); polarity: {i.polarity}",
            f"- Comparator: {_comparator(i.id)}",
            "",
            i.definition,
        ]
    return "\n".join(out) + "\n"


def main() -> int:
    """Write the catalogue (or, with --check, fail when the committed one is stale)."""
    text = render()
    if "--check" in sys.argv:
        if not DOC.exists() or DOC.read_text() != text:
            print(f"{DOC} is out of date: run python -m pipeline.report.docs", file=sys.stderr)
            return 1
        return 0
    Path(DOC).write_text(text)
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
