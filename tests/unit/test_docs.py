"""The indicator catalogue (``pipeline.report.docs``): ``docs/indicators.md`` from the registry.

Every registered indicator appears once in the summary table and once as a section, in
registry order, with its cohort, unit, places, polarity, comparator and definition; ``--check``
fails when the committed file is not what the registry gives. (That the committed file is
current is tested in ``test_population``.)
"""

from __future__ import annotations

import re
import sys

from pipeline.measures.registry import REGISTRY
from pipeline.read.reference import LAIT_ALL_PUPILS, SOURCES
from pipeline.report import docs


def test_every_indicator_appears_once_in_the_table_and_once_as_a_section_in_order():
    text = docs.render()
    table = re.findall(r"^\| `([^`]+)` \|", text, flags=re.M)
    sections = re.findall(r"^## `([^`]+)`: ", text, flags=re.M)
    assert table == list(REGISTRY) and sections == list(REGISTRY)
    assert text.endswith("\n") and text.startswith("# Indicators\n")


def test_a_section_says_what_the_registry_says():
    text = docs.render()
    for ind in REGISTRY.values():
        section = text.split(f"## `{ind.id}`: {ind.title}\n\n", 1)[1].split("\n## ", 1)[0]
        lines = section.splitlines()
        assert lines[0] == f"- Cohort: {ind.cohort}"
        assert lines[1] == f"- Unit: {ind.unit} ({ind.dp} dp); polarity: {ind.polarity}"
        assert lines[2].startswith("- Comparator: ") and lines[3] == ""
        assert lines[4] == ind.definition
        assert f"| `{ind.id}` | {ind.title} | {ind.unit} | {ind.polarity} |" in text


def test_comparators_name_the_dfe_column_the_lait_column_or_none():
    text = docs.render()

    def comparator(ind):
        return re.search(rf"^## `{ind}`: .*?^- Comparator: ([^\n]*)", text, flags=re.M | re.S)[1]

    assert comparator("cla_at_end") == (
        "DfE: `children_count` where population_type = Children looked after on 31 March each year"
    )
    assert "all pupils: LAIT `KS2R_Expected_STD`" in comparator("ks2_read_exs_pct")
    no_source = next(i for i in REGISTRY if i not in SOURCES and i not in LAIT_ALL_PUPILS)
    assert comparator(no_source) == "none published"


def test_check_fails_on_a_stale_file_and_writing_makes_it_current(tmp_path, monkeypatch, capsys):
    doc = tmp_path / "indicators.md"
    monkeypatch.setattr(docs, "DOC", doc)
    monkeypatch.setattr(sys, "argv", ["docs", "--check"])
    assert docs.main() == 1  # absent
    doc.write_text(docs.render().replace("| count |", "| number |", 1))
    assert docs.main() == 1 and "is out of date" in capsys.readouterr().err
    monkeypatch.setattr(sys, "argv", ["docs"])
    assert docs.main() == 0 and doc.read_text() == docs.render()
    monkeypatch.setattr(sys, "argv", ["docs", "--check"])
    assert docs.main() == 0
