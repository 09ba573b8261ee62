"""End to end: the real ``corpar`` command, real Jupyter kernels under papermill."""

from __future__ import annotations

import csv
import re
import shutil
from datetime import date, datetime
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from corpar_synthetic import generator as synthetic
from tests.conftest import corpar, tree_hashes

CODES = [a.code for a in synthetic.AUTHORITIES]
PERIOD = "2025-26"
SECTIONS = [
    "Purpose and recommendations",  # the committee paper's cover (report/cover.py)
    "Summary",
    "Who our children are",
    "Where our children live",
    "Placements and stability",
    "Permanence",
    "Health and wellbeing",
    "Education",
    "Care leavers",
    "Voice of the child",
    "Priorities and targets",
    "About this report",
]


class Page(HTMLParser):
    """Collect what an accessibility reviewer looks at first."""

    def __init__(self):
        super().__init__()
        self.tags, self.h1, self.h2, self.imgs, self.lang, self._in = [], [], [], [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "html":
            self.lang = a.get("lang")
        if tag == "img":
            self.imgs.append(a)
        if tag in ("h1", "h2"):
            self._in = tag
            getattr(self, tag).append("")

    def handle_endtag(self, tag):
        if tag == self._in:
            self._in = None

    def handle_data(self, data):
        if self._in:
            getattr(self, self._in)[-1] += data


def raw_rows(folder: Path, table_word: str) -> list[dict]:
    """Rows of the raw file whose name mentions ``table_word``, headings normalised by hand."""
    path = next(p for p in folder.iterdir() if table_word in p.name.lower())
    for enc in ("utf-8-sig", "cp1252"):
        try:
            text = path.read_text(encoding=enc)
            break
        except UnicodeDecodeError:
            continue
    reader = csv.reader(text.splitlines())
    head = ["_".join(h.strip().upper().split()) for h in next(reader)]
    return [dict(zip(head, r, strict=False)) for r in reader if any(v.strip() for v in r)]


def readable_text(path: Path) -> str:
    """What a reader of the file sees: PDF text, workbook cells, or the text itself."""
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        reader = PdfReader(path)
        # The creation and modification times are the clock's, not input: "D:20261202000910"
        # holds a synthetic child's id "02000910" at 00:09:10 on 2 December.
        meta = " ".join(
            str(v)
            for k, v in (reader.metadata or {}).items()
            if k not in ("/CreationDate", "/ModDate")
        )
        return meta + " ".join(page.extract_text() for page in reader.pages)
    if path.suffix == ".xlsx":
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        return " ".join(
            str(c)
            for ws in wb
            for row in ws.iter_rows(values_only=True)
            for c in row
            if c is not None
        )
    text = path.read_text(errors="ignore")
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)


def uk_date(s: str) -> date:
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(s, fmt).date()
        except ValueError:
            pass
    raise ValueError(s)


@pytest.mark.parametrize("code", CODES)
def test_demo_writes_an_accessible_report_per_authority(demo, code):
    html = (demo["outputs"] / code / PERIOD / f"{code}_{PERIOD}_council.html").read_text()
    page = Page()
    page.feed(html)
    assert page.lang == "en-GB"
    assert len(page.h1) == 1 and synthetic.AUTHORITIES[CODES.index(code)].name in page.h1[0]
    assert [h for h in page.h2 if h != "Contents"] == SECTIONS
    assert "script" not in page.tags  # no require.js, MathJax or anything from a CDN
    assert page.imgs and all(len(i.get("alt", "")) > 40 for i in page.imgs)
    assert "No description has been provided" not in html
    assert "<pre" not in html and "jp-InputArea" not in html  # no code in the report
    assert "caption" in page.tags and "th" in page.tags


@pytest.mark.parametrize("code", CODES)
def test_demo_keeps_audit_trail_and_internal_tables(demo, code):
    processed = demo["processed"] / code / PERIOD
    for nb in ("10_clean", "30_indicators", "council_report"):
        assert (processed / "notebooks" / f"{nb}.ipynb").exists()
    ind = pd.read_csv(processed / "indicators.csv")
    assert list(ind.columns) == ["indicator", "breakdown", "numerator", "denominator", "value"]
    assert (processed / "tables" / "Episodes.parquet").exists()
    assert not (demo["outputs"] / code / PERIOD / "notebooks").exists()


@pytest.mark.parametrize("code", CODES)
def test_headline_counts_agree_with_the_raw_return(demo, code):
    # Worked from the raw 2025-26 return alone: at 31 March 2026 a child is looked after
    # when an episode that is not a short break has a blank DEC in the latest return.
    rows = raw_rows(demo["raw"] / code / PERIOD, "episodes")
    care = [r for r in rows if r["LS"] not in ("V3", "V4")]
    at_end = {r["CHILD"] for r in care if r["DEC"] == ""}
    started = {
        r["CHILD"]
        for r in care
        if r["RNE"] == "S" and date(2025, 4, 1) <= uk_date(r["DECOM"]) <= date(2026, 3, 31)
    }
    ind = pd.read_csv(demo["processed"] / code / PERIOD / "indicators.csv", keep_default_na=False)
    top = pd.to_numeric(
        ind[ind["breakdown"] == ""].set_index("indicator")["value"], errors="coerce"
    )
    assert top["cla_at_end"] == len(at_end)
    assert top["cla_started"] == len(started)
    html = (demo["outputs"] / code / PERIOD / f"{code}_{PERIOD}_council.html").read_text()
    assert f"looked after {len(at_end):,} children" in html


def test_no_identifier_from_the_input_reaches_the_outputs(demo):
    needles = set()
    for code in CODES:
        for year in (p for p in (demo["raw"] / code).iterdir()):
            for r in raw_rows(year, "header"):
                needles |= {r["CHILD"], r["UPN"], r["DOB"], uk_date(r["DOB"]).isoformat()}
            for r in raw_rows(year, "episodes"):
                needles |= {r["HOME_POST"], r["PL_POST"]} - {""}
    needles.discard("")
    # The period's own start and end are published on purpose (run.json, report text); a
    # child born on one of those days is not identified by it.
    needles -= {"2025-04-01", "2026-03-31", "01/04/2025", "31/03/2026"}
    # UN1-UN5 say why a child has no UPN: reason codes shared by many children, not ids.
    needles -= {f"UN{i}" for i in range(1, 6)}
    outputs = [p for p in demo["outputs"].rglob("*") if p.is_file()]
    assert {p.suffix for p in outputs} >= {".html", ".pdf", ".csv", ".xlsx", ".json"}
    for path in outputs:
        found = substrings_in(needles, readable_text(path))
        assert not found, f"{path.name} contains input identifiers: {sorted(found)[:5]}"


def substrings_in(needles: set[str], text: str) -> set[str]:
    """The needles found anywhere in ``text``: ``{n for n in needles if n in text}``.

    Every window of each needle length is looked up in a set, rather than each of the
    tens of thousands of needles searched for in turn (most of the test's minute).

    >>> sorted(substrings_in({"123", "AB1 2CD", "999", "2CD"}, "x1234 AB1 2CDy"))
    ['123', '2CD', 'AB1 2CD']
    """
    by_length: dict[int, set[str]] = {}
    for n in needles:
        by_length.setdefault(len(n), set()).add(n)
    return {
        hit
        for length, group in by_length.items()
        for hit in group.intersection(text[i : i + length] for i in range(len(text) - length + 1))
    }


def test_run_on_a_folder_of_903_csvs(demo, tmp_path):
    proc = corpar(
        "run",
        "--la",
        "Z02",
        "--period",
        "2024-25",
        "--raw-dir",
        str(demo["raw"]),
        "--reference-dir",
        str(demo["reference"]),
        "--processed-dir",
        str(tmp_path / "p"),
        "--output-dir",
        str(tmp_path / "o"),
    )
    assert proc.returncode == 0, proc.stderr
    ind = pd.read_csv(tmp_path / "p" / "Z02" / "2024-25" / "indicators.csv")
    assert list(ind.columns) == ["indicator", "breakdown", "numerator", "denominator", "value"]
    assert proc.stderr == ""  # no kernel warnings, no noise


def test_one_bad_authority_fails_alone_with_a_clear_message(demo, tmp_path):
    raw = tmp_path / "raw"
    for code in ("Z01", "Z02"):
        shutil.copytree(demo["raw"] / code / PERIOD, raw / code / PERIOD)
    header = next(p for p in (raw / "Z01" / PERIOD).iterdir() if "header" in p.name.lower())
    header.unlink()
    before = tree_hashes(raw)
    proc = corpar(
        "run",
        "--la",
        "Z01",
        "Z02",
        "--period",
        PERIOD,
        "--raw-dir",
        str(raw),
        "--reference-dir",
        str(demo["reference"]),
        "--processed-dir",
        str(tmp_path / "p"),
        "--output-dir",
        str(tmp_path / "o"),
    )
    assert proc.returncode == 1
    assert proc.stderr.splitlines()[0] == (
        "Z01 2025-26: 10_clean failed: InputError: ERROR: Z01/2025-26: no file holds the "
        "Header table (columns CHILD, SEX, DOB, ETHNIC, UPN, MOTHER, MC_DOB): it is required"
    )
    assert (tmp_path / "o" / "Z02" / PERIOD / f"Z02_{PERIOD}_council.html").exists()
    # The failed authority gets no report, only the data-quality page saying what to fix.
    failed = tmp_path / "o" / "Z01" / PERIOD
    assert sorted(p.name for p in failed.iterdir()) == ["data_quality.html"]
    dq = (failed / "data_quality.html").read_text()
    assert "cannot support the report" in dq and "no file holds the Header table" in dq
    assert tree_hashes(raw) == before
    assert "1 of 2 job(s)" in proc.stdout


def test_bad_authority_code_is_refused_before_any_path(tmp_path):
    proc = corpar("run", "--la", "../../etc", "--period", PERIOD, "--raw-dir", str(tmp_path))
    assert proc.returncode == 2
    assert "authority code '../../etc' is not valid" in proc.stderr
    assert list(tmp_path.iterdir()) == []
