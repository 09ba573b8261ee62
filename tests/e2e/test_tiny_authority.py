"""Disclosure on a tiny authority: every edition rendered, no small number shown anywhere.

An authority with fewer than 20 children looked after is where disclosure control matters
most: nearly every count is small. This renders every edition (the annual Council and
Health and Wellbeing Board editions, the quarterly Corporate Parenting Board report) through
the real command line, then reads what a reader would read (every HTML table, the text of
the HTML and the PDF, the published CSV and Excel) and checks it against the policy in
indicators.md ("Disclosure control"), using the unsuppressed figures the pipeline kept in
``data/processed/`` as the truth:

- a count of 1-5 is shown as ``c``; so is a rate whose numerator or denominator is 1-5;
- where a breakdown has exactly one suppressed cell and its total is shown, the cell could
  be recovered by subtraction, so a second cell must be suppressed too.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from pipeline.measures.registry import REGISTRY
from tests.conftest import TINY

ANNUAL, QUARTER = "2025-26", "2026-27-Q2"
HIDDEN = {"c", "x", "z", ""}


class Tables(HTMLParser):
    """Every ``<table>`` of an HTML page as (caption, header row, body rows) of cell texts."""

    def __init__(self):
        super().__init__()
        self.tables: list[tuple[str, list[str], list[list[str]]]] = []
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._caption: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append(("", [], []))
        elif tag == "caption":
            self._caption = []
        elif tag == "thead":
            self._in_head = True
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption" and self._caption is not None:
            cap, head, body = self.tables[-1]
            self.tables[-1] = ("".join(self._caption).strip(), head, body)
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            cap, head, body = self.tables[-1]
            if self._in_head:
                head.extend(self._row)
            else:
                body.append(self._row)
            self._row = None
        elif tag == "thead":
            self._in_head = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        elif self._caption is not None:
            self._caption.append(data)


def tables_of(path: Path):
    p = Tables()
    p.feed(path.read_text(encoding="utf-8"))
    return p.tables


def must_hide(unit: str, numerator: float, denominator: float, value: float) -> bool:
    """The policy, worked from indicators.md: counts 1-5; rates with either part 1-5."""

    def small(v):
        return v is not None and not pd.isna(v) and 1 <= v <= 5

    if unit == "count":
        return small(value)
    return small(numerator) or small(denominator)


def bare(cell: str) -> str:
    """A shown value without its unit or caution mark ("33.3% *" -> "33.3")."""
    return cell.replace(" *", "").replace("%", "").strip()


@pytest.fixture(scope="module")
def tiny(small_authorities):
    """The folder of the one run of every edition (conftest.small_authorities)."""
    return small_authorities


def truth(base: Path, period: str, code: str = TINY.code) -> dict[tuple[str, str], bool]:
    """(indicator, period) -> must it be hidden, from the unsuppressed processed tables."""
    folder = base / "processed" / code / period
    cur = pd.read_csv(folder / "indicators.csv", keep_default_na=False, na_values=[""])
    cur["period"] = period
    trend = pd.read_csv(folder / "indicators_trend.csv", keep_default_na=False, na_values=[""])
    both = pd.concat([trend, cur], ignore_index=True)
    both = both.loc[both["breakdown"].isna() | (both["breakdown"] == "")]
    return {
        (r.indicator, r.period): must_hide(
            REGISTRY[r.indicator].unit, r.numerator, r.denominator, r.value
        )
        for r in both.itertuples()
        if r.indicator in REGISTRY
    }


EDITIONS = [
    (ANNUAL, f"{TINY.code}_{ANNUAL}_council.html"),
    (ANNUAL, f"{TINY.code}_{ANNUAL}_hwb.html"),
    (QUARTER, f"{TINY.code}_{QUARTER}_board.html"),
]


def test_the_tiny_authority_is_tiny(tiny):
    cur = pd.read_csv(tiny / "processed" / TINY.code / ANNUAL / "indicators.csv")
    n = cur.loc[(cur["indicator"] == "cla_at_end") & cur["breakdown"].isna(), "value"].iloc[0]
    assert 6 <= n < 20


def check_indicator_tables(path: Path, hide: dict[tuple[str, str], bool]) -> tuple[int, int]:
    """Every indicator table of a page hides what ``hide`` says; (cells checked, hidden)."""
    by_title = {ind.title: ind.id for ind in REGISTRY.values()}
    assert len(by_title) == len(REGISTRY), "indicator titles must be unique to map rows"
    checked = hidden = 0
    for caption, head, body in tables_of(path):
        if "results over three years" in caption:  # the education section's years
            years = [h.replace("\u2011", "-") for h in head[1:4]]
            for row in body:
                for p, cell in zip(years, row[1:4], strict=True):
                    if hide.get((by_title[row[0]], p)):
                        hidden += 1
                        assert bare(cell) in HIDDEN, (caption, row[0], p, cell)
                    checked += 1
            continue
        if len(head) < 4 or not head[3].startswith("Trend"):
            continue  # not an indicator table
        this_p = head[1].replace("\u2011", "-")
        prev_p = head[2].replace("\u2011", "-")
        for row in body:
            # A quarter's yearly figure is labelled with its year after the title.
            ind = by_title[re.sub(r" \(\d{4}-\d{2}, yearly return\)$", "", row[0])]
            periods_trend = sorted(p for (i, p) in hide if i == ind)
            # The trend cell: "from 12 2022-23: 12; 2023-24: c; ..." (first, then each year).
            trend_cells = [c.rsplit(": ", 1)[1] for c in row[3].split("; ") if ": " in c]
            trend_cells[-1] = trend_cells[-1].rstrip(";")
            shown = [(this_p, row[1]), (prev_p, row[2])]
            shown += list(zip(periods_trend, trend_cells, strict=True))
            for p, cell in shown:
                if hide.get((ind, p)):
                    hidden += 1
                    assert bare(cell) in HIDDEN, (caption, row[0], p, cell)
                checked += 1
    return checked, hidden


def check_breakdown_tables(path: Path) -> list[str]:
    """No breakdown table shows a count of 1-5 or leaves one hidden cell recoverable.

    Returns the tables' captions.
    """
    breakdowns = [(c, h, b) for c, h, b in tables_of(path) if len(h) >= 3 and h[1] == "Children"]
    for caption, _, body in breakdowns:
        cells = [r[1] for r in body if r[0] != "Total"]
        total = next(r[1] for r in body if r[0] == "Total")
        for cell in cells:
            assert cell == "c" or not 1 <= float(cell.replace(",", "")) <= 5, (caption, cell)
        for r in body:
            if r[1] == "c":
                assert r[2] == "c", (caption, r)  # the percentage would give the count away
        if total not in HIDDEN:
            n_hidden = sum(cell == "c" for cell in cells)
            assert n_hidden != 1, (caption, body)
    return [c for c, _, _ in breakdowns]


@pytest.mark.parametrize("period, name", EDITIONS)
def test_no_figure_of_the_authority_shows_a_small_number(tiny, period, name):
    checked, hidden = check_indicator_tables(
        tiny / "outputs" / TINY.code / period / name, truth(tiny, period)
    )
    assert checked > 50
    assert hidden > 5, "a tiny authority has many small figures; the check must meet some"


@pytest.mark.parametrize("period, name", EDITIONS)
def test_breakdown_tables_show_no_small_count_and_hold_secondary_suppression(tiny, period, name):
    captions = " | ".join(check_breakdown_tables(tiny / "outputs" / TINY.code / period / name))
    if "_council" in name:  # the annual report carries the profile and the placements
        for what in ("by age", "by sex", "by ethnic group", "by legal status",
                     "by the main reason they needed care", "type of placement"):  # fmt: skip
            assert what in captions, (what, captions)


# "down by 4 children" is the difference of two published counts, so it is not matched.
SMALL_IN_WORDS = re.compile(
    r"(?<![\d.,£])(?<!by )\b([1-5])\s+"
    r"(?:children|child|young people|young person|pupils|care leavers)\b"
)


def page_texts(html: Path) -> list[tuple[str, str]]:
    """The words of a report as a reader gets them: the HTML page's text and its PDF's."""
    text = re.sub(r"<[^>]+>", " ", html.read_text(encoding="utf-8"))
    pdf = html.with_suffix(".pdf")
    pdf_text = "\n".join(page.extract_text() for page in PdfReader(pdf).pages)
    return [("html", " ".join(text.split())), ("pdf", " ".join(pdf_text.split()))]


@pytest.mark.parametrize("period, name", EDITIONS)
def test_no_sentence_counts_one_to_five_children(tiny, period, name):
    for where, t in page_texts(tiny / "outputs" / TINY.code / period / name):
        found = SMALL_IN_WORDS.findall(t)
        assert not found, (where, found)


@pytest.mark.parametrize("period", [ANNUAL, QUARTER])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_published_tables_hold_no_small_number(tiny, period, kind):
    path = tiny / "outputs" / TINY.code / period / f"indicators.{kind}"
    if kind == "csv":
        pub = pd.read_csv(path, keep_default_na=False, na_values=[""])
    else:
        pub = pd.read_excel(path, sheet_name=0, na_values=[""])
    folder = tiny / "processed" / TINY.code / period
    raw = pd.read_csv(folder / "indicators.csv", keep_default_na=False, na_values=[""])
    raw["breakdown"] = raw["breakdown"].fillna("")
    pub["breakdown"] = pub["breakdown"].fillna("")
    merged = pub.merge(raw, on=["indicator", "breakdown"], suffixes=("", "_true"))
    assert len(merged) == len(raw)
    n_hidden = 0
    for r in merged.itertuples():
        unit = REGISTRY[r.indicator].unit
        if must_hide(unit, r.numerator_true, r.denominator_true, r.value_true):
            n_hidden += 1
            assert str(r.display) == "c", (r.indicator, r.breakdown, r.display)
            assert pd.isna(r.value) and pd.isna(r.numerator) and pd.isna(r.denominator)
    assert n_hidden > 5
    if kind == "xlsx":  # the comparators sheet repeats our totals beside DfE's
        comp = pd.read_excel(path, sheet_name="comparators").merge(
            raw.loc[raw["breakdown"] == ""], on="indicator"
        )
        assert len(comp) > 10
        for r in comp.itertuples():
            if must_hide(REGISTRY[r.indicator].unit, r.numerator, r.denominator, r.value):
                assert pd.isna(r.corpar_value) and r.corpar_display == "c", r.indicator
