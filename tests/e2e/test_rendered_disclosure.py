"""What a member reads rests on no small number: every edition, three sizes of authority.

Each authority (tiny, small, medium) is run once through the real command line for an
annual period and a quarter, rendering every edition. The tests then read the rendered
pages, not the tables behind them: every HTML table, every sentence of the HTML text and
the PDF's text. By the policy in indicators.md ("Disclosure control"):

- no count of 1 to 5 is shown;
- no percentage or gap rests on 1 to 5 children or pupils: for each education row the
  count it implies is worked out from what is shown (k = round(pct * n / 100), the
  percentage read directly, or as England's all-pupils figure plus the gap);
- a gap, interval or movement computed from a suppressed figure is suppressed too;
- every table that shows ``c``, ``x`` or ``z`` says what they mean.

The synthetic authorities were chosen because their attainment cohorts hold small
numerators beside cohorts of 6 or more pupils (checked below), which is what a rule on the
pupil count alone lets through.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from pipeline.measures.registry import REGISTRY
from tests.conftest import MEDIUM, SMALL, TINY
from tests.e2e.test_tiny_authority import (
    ANNUAL,
    QUARTER,
    SMALL_IN_WORDS,
    check_breakdown_tables,
    check_indicator_tables,
    page_texts,
    tables_of,
    truth,
)

EDITIONS = [(ANNUAL, "council"), (ANNUAL, "hwb"), (QUARTER, "board")]
HIDDEN = {"c", "x"}
MEANING = {
    "c": "c: suppressed to protect confidentiality",
    "x": "x: not available",
    "z": "z: not applicable",
}


def small(v: float) -> bool:
    return 1 <= v <= 5


@pytest.fixture(scope="module", params=[TINY, SMALL, MEDIUM], ids=["tiny", "small", "medium"])
def authority(request, small_authorities):
    """(authority, folder of the one run of every edition: conftest.small_authorities)."""
    return request.param, small_authorities


def page(authority, period: str, edition: str) -> Path:
    la, base = authority
    return base / "outputs" / la.code / period / f"{la.code}_{period}_{edition}.html"


def internal_gaps(authority) -> pd.DataFrame:
    la, base = authority
    g = pd.read_csv(base / "processed" / la.code / ANNUAL / "attainment_gaps.csv")
    return g[g["comparator"] == "england"]


def test_the_authorities_hold_the_small_numbers_the_checks_are_for(authority):
    la, _ = authority
    g = internal_gaps(authority)
    if la is TINY:  # cohorts of 1 to 5 pupils
        assert g["n"].map(small).any(), g[["indicator", "n"]]
        return
    pct = g[g["indicator"].map(lambda i: REGISTRY[i].unit == "percent") & (g["n"] >= 6)]
    # By the definition, pupils achieving = CLA percentage x pupils / 100.
    k = (pct["cla_value"] * pct["n"] / 100).round()
    assert (k == pct["numerator"]).all()
    assert k.map(small).any(), "no small numerator beside 6+ pupils: the test would miss a leak"


def education_rows(authority) -> list[list[str]]:
    found = [
        body
        for _, head, body in tables_of(page(authority, ANNUAL, "council"))
        if "Children looked after: number of pupils" in head
    ]
    assert len(found) == 1, "the council edition has one education table"
    return found[0]


def figure(cell: str) -> float:
    return float(cell.rstrip("%").replace(",", ""))


def row_problems(cla: str, n: str, england: str, gap: str, ci: str, moved: str) -> list[str]:
    """What in one shown education row rests on 1 to 5 pupils (empty when nothing)."""
    problems = []
    percent = cla.endswith("%") or england.endswith("%")
    if n not in HIDDEN and small(figure(n)):
        problems.append(f"a pupil count of {n} is shown")
    if n in HIDDEN and any(v not in HIDDEN for v in (cla, gap, ci)):
        problems.append(f"a figure is shown for a hidden pupil count ({cla}, gap {gap}, {ci})")
    if cla in HIDDEN and any(v not in HIDDEN for v in (gap, ci, moved)):
        problems.append(f"gap {gap}, interval {ci} or movement {moved} of a hidden figure")
    if percent and n not in HIDDEN:
        implied = [("percentage", figure(cla))] if cla not in HIDDEN else []
        if gap not in HIDDEN and england not in HIDDEN:
            implied.append(("England plus the gap", figure(england) + figure(gap)))
        for how, p in implied:
            k = round(p * figure(n) / 100)
            if small(k):
                problems.append(f"{how} {p:g}% of {n} pupils is {k} pupils")
    return problems


def test_no_education_figure_rests_on_one_to_five_pupils(authority):
    rows = education_rows(authority)
    problems = [(r[0], p) for r in rows for p in row_problems(r[1], r[2], r[4], r[5], r[6], r[7])]
    assert not problems, problems
    la, _ = authority
    if la is not TINY:  # not everything is hidden: the checks met shown figures
        assert any(r[1] not in HIDDEN for r in rows), rows


def test_no_movement_compares_with_a_suppressed_year(authority):
    # Last year's figures are not on the page: the internal table says which were small.
    g = internal_gaps(authority).set_index("indicator")
    by_title = {REGISTRY[i].title: i for i in g.index}
    for r in education_rows(authority):
        before = g.loc[by_title[r[0]]]
        hidden_before = small(before["previous_n"]) or (
            REGISTRY[before.name].unit == "percent" and small(before["previous_numerator"])
        )
        if hidden_before:
            assert r[7] in HIDDEN, (r[0], r[7])


GAP_SENTENCE = re.compile(r"(KS\d: [^:.]+): ([\d.]+)(%)? (?:of|for) children looked after against")


def test_no_sentence_rests_on_a_hidden_or_small_figure(authority):
    rows = {r[0]: r for r in education_rows(authority)}
    for edition_period, edition in EDITIONS:
        for where, text in page_texts(page(authority, edition_period, edition)):
            assert not SMALL_IN_WORDS.findall(text), (edition, where, SMALL_IN_WORDS.findall(text))
            for title, value, pct in GAP_SENTENCE.findall(text):
                r = rows[title]
                assert r[1] not in HIDDEN, (edition, where, title, "said, but hidden in the table")
                assert figure(r[1]) == float(value), (edition, where, title, r[1], value)
                if pct:
                    k = round(float(value) * figure(r[2]) / 100)
                    assert not small(k), (edition, where, title, f"{value}% of {r[2]} is {k}")


# One education row as pypdf reads it, its lines joined (a long cell wraps onto the next).
PDF_ROW = re.compile(
    r"(?<!\S)(c|x|[\d.]+%?) (c|x|[\d,]+) (c|x|[\d.]+%?) (c|x|[\d.]+%?) (c|x|[+-][\d.]+) "
    r"(c|x|[+-][\d.]+ to [+-][\d.]+) "
    r"(narrowed|widened|unchanged|lead grew|lead shrank|now above all pupils|now below all pupils"
    r"|c|x)(?!\S)"
)


def test_the_pdf_education_table_rests_on_no_small_number(authority):
    pdf = page(authority, ANNUAL, "council").with_suffix(".pdf")
    text = "\n".join(p.extract_text() for p in PdfReader(pdf).pages)
    section = text[text.rindex("\nEducation\n") : text.index("Gap: children looked after minus")]
    rows = PDF_ROW.findall(" ".join(section.split()))
    assert len(rows) == len(education_rows(authority)), section
    problems = [(r, p) for r in rows for p in row_problems(r[0], r[1], r[3], r[4], r[5], r[6])]
    assert not problems, problems


@pytest.mark.parametrize("period, edition", EDITIONS)
def test_tables_hide_small_figures_and_counts(authority, period, edition):
    la, base = authority
    path = page(authority, period, edition)
    checked, _ = check_indicator_tables(path, truth(base, period, la.code))
    assert checked > 50
    check_breakdown_tables(path)


@pytest.mark.parametrize("period, edition", EDITIONS)
def test_every_table_says_what_its_symbols_mean(authority, period, edition):
    for caption, _, body in tables_of(page(authority, period, edition)):
        cells = " ".join(c for r in body for c in r[1:])
        used = {t.rstrip("%*") for t in re.split(r"[\s;:]+", cells)} & set(MEANING)
        for sym in used:
            assert MEANING[sym] in caption, (caption, sym)
