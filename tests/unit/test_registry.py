"""The indicator registry (pipeline/measures/registry.py).

It promises: every theme's indicators, in the themes' (report) order and each theme's own
order; an id declared twice, or a partition naming an undeclared id, stops the build; it is
read-only; ``compute_all(..., ids=[...])`` computes those indicators only; an annual
indicator's figure in a quarter describes the collection year before the quarter's own
(``figure_period``); ``registry_table`` is one row per indicator, the table
docs/indicators.md is generated from.
"""

from __future__ import annotations

import re
from pathlib import Path
from types import SimpleNamespace as Theme

import pandas as pd
import pytest

from pipeline.measures.context import COLUMNS, Indicator
from pipeline.measures.registry import (
    REGISTRY,
    THEMES,
    Registry,
    compute_all,
    figure_period,
    registry_table,
)
from pipeline.spec.period import parse_period

DOCS = Path(__file__).resolve().parents[2] / "docs" / "indicators.md"


def _ind(id: str) -> Indicator:
    return Indicator(id=id, title=id.upper(), unit="count", polarity="neither", cohort="",
                     definition="", func=lambda ctx: [])  # fmt: skip


def test_the_themes_are_the_catalogues_sections_in_report_order():
    names = [t.__name__.rsplit(".", 1)[1] for t in THEMES]
    assert names == ["population", "stability", "health", "missing", "permanence", "voice",
                     "care_leavers", "education"]  # fmt: skip
    assert list(REGISTRY) == [i.id for t in THEMES for i in t.INDICATORS]
    assert list(REGISTRY)[:3] == ["cla_at_end", "cla_rate_per_10k", "cla_started"]


def test_the_registry_keeps_each_themes_order_and_refuses_a_duplicate_or_unknown_partition():
    a, b, c = _ind("a"), _ind("b"), _ind("c")
    reg = Registry([Theme(__name__="t1", INDICATORS=(b, a)), Theme(__name__="t2", INDICATORS=(c,))])
    assert list(reg) == ["b", "a", "c"] and reg["a"] is a and "z" not in reg
    with pytest.raises(ValueError, match="^indicator a declared twice: in t1 and in t1$"):
        Registry([Theme(__name__="t1", INDICATORS=(a, a))])
    with pytest.raises(ValueError, match=r"partition \('a', 'zz'\) names undeclared .*'zz'"):
        Registry([Theme(__name__="t1", INDICATORS=(a,), PARTITIONS=(("a", "zz"),))])
    with pytest.raises(TypeError):
        REGISTRY["a"] = a  # read-only


P = parse_period("2024-25")  # S = 1 April 2024, E = 31 March 2025
EPISODES = pd.DataFrame(
    # A: in care since before S, still open at E (at E; not started in the period).
    # B: starts 1 May 2024, ceases 1 August 2024 (started; not at E).
    [["A", "2023-01-10", "S", "C2", "N1", "U4", None, "", "1"],
     ["B", "2024-05-01", "S", "C2", "N1", "U4", "2024-08-01", "E13", "2"]],
    columns=["CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC", "URN"],
)  # fmt: skip
EPISODES[["DECOM", "DEC"]] = EPISODES[["DECOM", "DEC"]].apply(pd.to_datetime)
HEADER = pd.DataFrame({"CHILD": ["A", "B"], "SEX": ["M", "F"], "ETHNIC": ["WBRI", "WBRI"],
                       "DOB": pd.to_datetime(["2012-01-01", "2014-06-01"])})  # fmt: skip


def test_compute_all_with_ids_computes_those_only():
    out = compute_all(
        {"Episodes": EPISODES, "Header": HEADER}, P, ids=["cla_started", "cla_at_end"]
    )
    assert set(out["indicator"]) == {"cla_at_end", "cla_started"}
    totals = out[out["breakdown"] == ""].set_index("indicator")["value"]
    assert totals.to_dict() == {"cla_at_end": 1.0, "cla_started": 1.0}  # A at E; B started
    none = compute_all({"Episodes": EPISODES, "Header": HEADER}, P, ids=[])
    assert len(none) == 0 and list(none.columns) == COLUMNS


def test_an_annual_indicators_figure_in_a_quarter_is_the_year_before_the_quarters_own():
    annual = [i for i in REGISTRY.values() if i.annual]
    # OC2 (health) and OC3 (care leavers) are collected once a year.
    assert {"health_assessment_pct", "care_leavers_in_touch_pct_17_18"} <= {i.id for i in annual}
    assert not REGISTRY["cla_at_end"].annual
    for q in ("2026-27-Q1", "2026-27-Q2", "2026-27-Q4"):
        for ind in annual:
            assert figure_period(ind, parse_period(q)).label == "2025-26", (ind.id, q)
        assert figure_period(REGISTRY["cla_at_end"], parse_period(q)).label == q
    assert figure_period(annual[0], parse_period("2025-26")).label == "2025-26"


def test_registry_table_is_one_row_per_indicator_as_docs_indicators_md_lists_them():
    table = registry_table()
    assert list(table.columns) == [
        "id", "title", "unit", "polarity", "decimal_places", "cohort", "definition", "in_words",
    ]  # fmt: skip
    assert table["id"].tolist() == list(REGISTRY)
    assert table.loc[0, ["id", "unit", "polarity"]].tolist() == ["cla_at_end", "count", "neither"]
    rows = re.findall(r"^\| `(\w+)` \| (.+) \| (\w+) \| (\w+) \|$", DOCS.read_text(), re.M)
    assert [list(r) for r in rows] == table[["id", "title", "unit", "polarity"]].values.tolist()


# Capitals a reader may meet in the plain words: the questionnaire and the exam they know.
KNOWN_ABBREVIATIONS = {"SDQ", "GCSE", "GCSEs"}


def test_every_plain_words_definition_is_free_of_the_returns_codes_and_columns():
    from pipeline.measures.registry import IN_WORDS
    from pipeline.schema import ALL_TABLES

    assert list(IN_WORDS) == list(REGISTRY)
    columns = {c for t in ALL_TABLES.values() for c in t.columns}
    for id, words in IN_WORDS.items():
        capitals = set(re.findall(r"\b[A-Z][A-Z0-9_]+s?\b", words)) - KNOWN_ABBREVIATIONS
        assert capitals == set(), (id, capitals)  # codes (E11, PN1, RNE) and columns (DECOM)
        assert not [c for c in columns if re.search(rf"\b{c}\b", words)], id
        assert "S..E" not in words and "_" not in words, id
        assert words.endswith("."), id
