"""A history whose earlier returns disagree still gives a report, with the repairs said.

The faults (tests/conftest.py ``add_history_faults``) are ones the rules undo exactly, so
the expected result is worked out from the definitions: the repaired history is the
history before the faults, and the figures are the same.
"""

from __future__ import annotations

import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from corpar_synthetic import generator as synthetic
from pipeline.checks import validate as checks
from pipeline.clean.history import as_returned, build_history
from pipeline.measures.registry import compute_all
from pipeline.read.returns import SOURCE_FILE, SOURCE_ROW, read_history
from pipeline.spec.period import parse_period
from tests.conftest import (
    MEDIUM,
    _episodes_file,
    _read_rows,
    _write_rows,
    add_history_faults,
    corpar,
)

KEY = b"repairs-test-key-012345"
PERIOD = "2025-26"


@pytest.fixture(scope="module")
def clean_and_faulty(tmp_path_factory) -> tuple[Path, Path, dict]:
    base = tmp_path_factory.mktemp("repairs")
    la = next(a for a in synthetic.AUTHORITIES if a.code == "Z01")
    synthetic.write_authority(la, base / "clean")
    shutil.copytree(base / "clean", base / "faulty")
    expected = add_history_faults(base / "faulty" / "Z01")
    return base / "clean" / "Z01", base / "faulty" / "Z01", expected


def _history(la_dir: Path, repair=True):
    return build_history(read_history(la_dir, PERIOD), KEY, repair=repair)


def _critical(history, la_dir: Path) -> dict[str, int]:
    returns = read_history(la_dir, PERIOD, latest=1)
    result = checks.validate(as_returned(returns, KEY), history.tables, first_year=history.years[0])
    return {f.check: f.failing for f in result.critical}


def _episodes(history) -> pd.DataFrame:
    eps = history.tables["Episodes"].drop(
        columns=["_fix", "_dec_as_returned", SOURCE_FILE, SOURCE_ROW]
    )
    return eps.sort_values(["CHILD", "DECOM"]).reset_index(drop=True)


def test_repairs_give_back_the_history_before_the_faults(clean_and_faulty):
    clean, faulty, expected = clean_and_faulty
    want, got = _history(clean), _history(faulty)
    assert [(r.year, r.rule, r.count) for r in got.repairs] == [
        (year, rule, n) for year, (rule, n) in sorted(expected.items())
    ]
    assert want.repairs == []
    pd.testing.assert_frame_equal(_episodes(got), _episodes(want))
    # The episode left out is kept and counted among the rows not used.
    left_out = got.rejected[got.rejected["_reason"].str.contains("ends before it starts")]
    assert len(left_out) == 1 and left_out[SOURCE_FILE].iloc[0].startswith("Z01/2020-21/")
    period = parse_period(PERIOD)
    pd.testing.assert_frame_equal(
        compute_all({**got.tables, "attainment": got.attainment}, period),
        compute_all({**want.tables, "attainment": want.attainment}, period),
    )
    assert _critical(got, faulty) == {}


def test_each_repair_names_its_file_and_row(clean_and_faulty):
    _, faulty, _ = clean_and_faulty
    got = _history(faulty)
    shortened = next(r for r in got.repairs if r.year == "2021-22")
    ((file, rows),) = shortened.rows.items()
    assert file.startswith("Z01/2021-22/")
    fields, raw = _read_rows(faulty.parent / file)
    # The row named (header = row 1) is the one whose end was moved.
    row = raw[rows[0] - 2]
    clean_rows = _read_rows(_episodes_file(faulty.parent.parent / "clean" / "Z01" / "2021-22"))[1]
    assert row["DEC"] != clean_rows[rows[0] - 2]["DEC"]


def test_strict_repairs_nothing_and_stops_as_before(clean_and_faulty):
    _, faulty, _ = clean_and_faulty
    got = _history(faulty, repair=False)
    assert got.repairs == []
    # Two overlaps made, and the episode the backwards one starts inside (conftest).
    assert _critical(got, faulty) == {
        "history.Episodes.no_overlap": 3,
        "history.Episodes.DEC.after_DECOM": 1,
    }


def test_the_periods_own_return_is_never_repaired(clean_and_faulty, tmp_path):
    _, faulty, _ = clean_and_faulty
    la_dir = tmp_path / "Z01"
    shutil.copytree(faulty, la_dir)
    add_history_faults(la_dir, overlap_years=(PERIOD,), extra_year="2023-24")
    got = _history(la_dir)
    assert PERIOD not in {r.year for r in got.repairs}
    assert _critical(got, la_dir).get("history.Episodes.no_overlap") == 1


class _Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data):
        self.parts.append(data)

    def text(self) -> str:
        return " ".join(" ".join(self.parts).split())


def _page_text(path: Path) -> str:
    p = _Text()
    p.feed(path.read_text(encoding="utf-8"))
    return p.text()


def test_a_run_on_a_repaired_history_says_so_in_every_published_page(small_authorities):
    """MEDIUM's earlier returns carry the faults (tests/conftest.py): its reports are made."""
    out = small_authorities / "outputs" / MEDIUM.code / PERIOD
    sentences = [
        "1 episode from the 2020-21 return ended before it started, so was left out (it "
        "holds no day of care).",
        "1 episode from the 2021-22 return was shortened to end when the next began.",
        "1 episode from the 2022-23 return was shortened to end when the next began.",
    ]
    dq = _page_text(out / "data_quality.html")
    assert "Repairs to earlier returns" in dq
    assert "No errors: the data can support the report." in dq
    for s in sentences:
        assert s in dq
    for edition in ("council", "hwb"):
        text = _page_text(out / f"{MEDIUM.code}_{PERIOD}_{edition}.html")
        assert " ".join(sentences) in text
        assert "The period's own return was not changed." in text


def test_strict_validate_stops_on_the_earlier_returns_faults(small_authorities, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(small_authorities / "raw" / MEDIUM.code, raw / MEDIUM.code)
    proc = corpar(
        "validate", "--la", MEDIUM.code, "--period", PERIOD, "--strict",
        "--raw-dir", str(raw), "--reference-dir", str(small_authorities / "reference"),
        "--processed-dir", str(tmp_path / "processed"), "--output-dir", str(tmp_path / "out"),
    )  # fmt: skip
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "overlapping episodes" in proc.stderr
    assert (
        "Repairs to earlier returns"
        not in (tmp_path / "out" / MEDIUM.code / PERIOD / "data_quality.html").read_text()
    )


def test_rows_of_a_changed_file_are_its_own(tmp_path):
    """The fault helper itself: it changes only the rows it says (a test of the test)."""
    la = next(a for a in synthetic.AUTHORITIES if a.code == "Z01")
    synthetic.write_authority(la, tmp_path)
    path = _episodes_file(tmp_path / "Z01" / "2021-22")
    fields, before = _read_rows(path)
    add_history_faults(tmp_path / "Z01")
    _, after = _read_rows(path)
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert len(changed) == 1 and len(before[changed[0]]) == len(fields)
    _write_rows(path, fields, before)


def test_the_measures_a_repair_changed_are_found(clean_and_faulty):
    """A child who left care on a day in March, whose return had said mid-April: by hand,
    the child is looked after at 31 March only as returned, so cla_at_end differs."""
    from pipeline.clean.repairs import AS_RETURNED
    from pipeline.orchestrate.stages import repaired_measures

    clean, _, _ = clean_and_faulty
    h = _history(clean)
    tables = {**h.tables, "attainment": h.attainment}
    eps = tables["Episodes"].copy()
    period = parse_period(PERIOD)
    current = compute_all(tables, period)
    assert repaired_measures(tables, period, None, current) == set()
    last = eps.sort_values("DECOM").groupby("CHILD").tail(1)
    march = last[(last["DEC"] >= "2026-03-01") & (last["DEC"] <= "2026-03-30")]
    assert len(march), "Z01 has a child who left care in March 2026"
    i = march.index[0]
    eps[AS_RETURNED] = pd.NaT
    eps.loc[i, AS_RETURNED] = pd.Timestamp("2026-04-15")
    found = repaired_measures({**tables, "Episodes": eps}, period, None, current)
    assert "cla_at_end" in found
    assert found <= set(current["indicator"])


def test_each_edition_marks_the_measures_the_repairs_changed(small_authorities):
    from pipeline.measures.registry import REGISTRY

    pub = pd.read_parquet(
        small_authorities / "processed" / MEDIUM.code / PERIOD / "publication" / "current.parquet"
    )
    assert pub["repaired"].dtype == bool
    text = _page_text(
        small_authorities
        / "outputs"
        / MEDIUM.code
        / PERIOD
        / f"{MEDIUM.code}_{PERIOD}_council.html"
    )
    for ind, rows in pub.groupby("indicator"):
        title = REGISTRY[ind].title
        if title not in text:
            continue  # not in this edition
        marked = f"{title} (repaired history)" in text
        assert marked == bool(rows["repaired"].any()), ind
