"""Every form a return arrives in: Excel workbooks, delimited text, and DfE 903 XML beside them.

The same synthetic authority is written as CSV (the generator's own form), as one DfE XML
file per year and as one workbook per year; the workbooks are read back and compared cell
for cell with the CSV form, and the indicators computed from each form must be identical.
The XML reader's own tests are in tests/unit/test_xml903.py.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from corpar_synthetic import generator as synthetic
from pipeline.clean.history import build_history
from pipeline.measures.registry import compute_all
from pipeline.read.returns import SOURCE_FILE, SOURCE_ROW, YEAR, read_history, read_year
from pipeline.spec.period import parse_period
from tests.conftest import minimal_return, write_csv, xml_form

KEY = b"formats-test-key-0123"
PERIOD = "2025-26"
INTERNAL = [SOURCE_FILE, SOURCE_ROW, YEAR]


def _tables(folder: Path) -> dict[str, pd.DataFrame]:
    """A year's tables as read from its CSV files, with the pipeline's own reader."""
    return read_year(folder, folder.name).tables


def xlsx_form(csv_root: Path, out: Path) -> Path:
    """Each year as one workbook, a sheet per table, dates as Excel dates."""
    for year_dir in sorted((csv_root / "Z01").iterdir()):
        dest = out / "Z01" / year_dir.name
        dest.mkdir(parents=True)
        synthetic.write_workbook(_tables(year_dir), dest / f"903 return {year_dir.name}.xlsx")
        if (year_dir / "attainment.csv").exists():
            shutil.copy(year_dir / "attainment.csv", dest)
    return out


def _cells(df: pd.DataFrame) -> pd.DataFrame:
    cols = sorted(c for c in df.columns if c not in INTERNAL)
    return df[cols].sort_values(cols).reset_index(drop=True)


def test_xlsx_return_reads_cell_for_cell_like_the_csv_tables(csv_form, tmp_path):
    xlsx_root = xlsx_form(csv_form, tmp_path)
    for year_dir in sorted((csv_form / "Z01").iterdir()):
        want = _tables(year_dir)
        got = read_year(xlsx_root / "Z01" / year_dir.name, year_dir.name)
        msgs = [str(p) for p in got.problems]
        book = f"Z01/{year_dir.name}/903 return {year_dir.name}.xlsx"
        assert (
            f"WARNING: {book} [scratch]: a hidden sheet: it was not read. Unhide it if it "
            "holds a 903 table" in msgs
        )
        assert any(m.startswith(f"WARNING: {book} [Notes]: not a 903 table") for m in msgs)
        assert [p for p in got.problems if p.severity == "error"] == []
        assert set(got.tables) == set(want)
        for name, table in want.items():
            pd.testing.assert_frame_equal(
                _cells(got.tables[name]), _cells(table), obj=f"{year_dir.name} {name}"
            )
        # Rows are the sheet's own row numbers: headings on row 1.
        assert got.tables["Episodes"][SOURCE_ROW].iloc[0] == 2


def _indicators(raw_root: Path) -> pd.DataFrame:
    history = build_history(read_history(raw_root / "Z01", PERIOD), KEY)
    errors = [str(p) for p in history.problems if p.severity == "error"]
    assert errors == []
    tables = {**history.tables, "attainment": history.attainment}
    return compute_all(tables, parse_period(PERIOD)).reset_index(drop=True)


def test_csv_xml_and_xlsx_forms_give_identical_indicators(csv_form, tmp_path):
    want = _indicators(csv_form)
    assert len(want) > 50
    for form, make in (("xml", xml_form), ("xlsx", xlsx_form)):
        got = _indicators(make(csv_form, tmp_path / form))
        pd.testing.assert_frame_equal(got, want, obj=form)


def test_an_xml_return_and_a_csv_of_the_same_table_is_an_error_naming_both(csv_form, tmp_path):
    xml_root = xml_form(csv_form, tmp_path)
    year = xml_root / "Z01" / PERIOD
    shutil.copy(
        next(f for f in (csv_form / "Z01" / PERIOD).iterdir() if "pisode" in f.name),
        year / "eps.csv",
    )
    msgs = [str(p) for p in read_year(year, PERIOD).problems]
    xml_name = next(year.glob("*.xml")).name
    assert any(
        m.startswith("ERROR: ")
        and "holds the Episodes table, and so does" in m
        and "eps.csv" in m
        and xml_name in m
        for m in msgs
    )


def _csv_text(rows: list[list[str]], delim: str) -> str:
    return "\r\n".join(delim.join(r) for r in rows) + "\r\n"


HEADER = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
ROWS = [
    ["001", "M", "01/05/2012", "WBRI", "", "", ""],
    ["002", "F", "09/11/2015", "bafr ", "", "", ""],
]


@pytest.mark.parametrize(
    "name, data, form",
    [
        ("tab.txt", _csv_text([HEADER, *ROWS], "\t").encode("utf-8"), "utf-8-sig, tab-delimited"),
        (
            "semi.csv",
            _csv_text([HEADER, *ROWS], ";").encode("utf-8"),
            "utf-8-sig, semicolon-delimited",
        ),
        # Excel's "Unicode text": UTF-16 little-endian with a BOM, tab-delimited.
        ("unicode.txt", _csv_text([HEADER, *ROWS], "\t").encode("utf-16"), "utf-16, tab-delimited"),
        (
            "nobom.txt",
            _csv_text([HEADER, *ROWS], "\t").encode("utf-16-le"),
            "utf-16-le, tab-delimited",
        ),
    ],
)
def test_delimited_text_in_any_delimiter_and_unicode_text_is_read(tmp_path, name, data, form):
    folder = minimal_return(tmp_path / "806" / "2024-25")
    (folder / "header.csv").unlink()
    (folder / name).write_bytes(data)
    r = read_year(folder, "2024-25")
    assert [str(p) for p in r.problems] == []
    h = r.tables["Header"]
    assert h["CHILD"].tolist() == ["001", "002"]
    assert h["ETHNIC"].tolist() == ["WBRI", "bafr"]  # stripped here, upper-cased in cleaning
    assert h[SOURCE_ROW].tolist() == [2, 3]
    assert next(f.encoding for f in r.files if f.file.endswith(name)) == form


def test_a_title_row_above_the_headings_is_skipped_and_said(tmp_path):
    folder = minimal_return(tmp_path / "806" / "2024-25")
    text = _csv_text([["Header table 2024-25"], [""], HEADER, *ROWS], ",")
    (folder / "header.csv").write_text(text)
    r = read_year(folder, "2024-25")
    assert [str(p) for p in r.problems] == [
        "WARNING: 806/2024-25/header.csv: the row(s) above the column headings were skipped "
        "(a title or a note); the headings were read from row 3"
    ]
    assert r.tables["Header"][SOURCE_ROW].tolist() == [4, 5]


def test_codes_in_lower_case_with_spaces_are_cleaned(tmp_path):
    folder = minimal_return(tmp_path / "806" / "2024-25")
    write_csv(folder / "header.csv", HEADER, [["001", " m ", "01/05/2012", " wbri", "", "", ""]])
    history = build_history(read_history(tmp_path / "806", "2024-25"), KEY)
    h = history.tables["Header"]
    assert h["SEX"].tolist() == ["M"] and h["ETHNIC"].tolist() == ["WBRI"]


def test_unreadable_forms_say_what_to_do(tmp_path):
    folder = minimal_return(tmp_path / "806" / "2024-25")
    (folder / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\x00" * 100)
    (folder / "guidance.pdf").write_bytes(b"%PDF-1.4 ...")
    (folder / "~$return.xlsx").write_bytes(b"owner")
    msgs = [str(p) for p in read_year(folder, "2024-25").problems]
    assert msgs == [
        "WARNING: 806/2024-25/guidance.pdf: this is a PDF document, not data: export the 903 "
        "tables as CSV, Excel or the DfE XML return",
        "ERROR: 806/2024-25/old.xls: this is an old Excel .xls workbook, which is not read: "
        "open it in Excel and save it as 'Excel Workbook (.xlsx)' or each table as 'CSV "
        "(comma delimited)'",
        "WARNING: 806/2024-25/~$return.xlsx: an Office lock file (the workbook is open in "
        "Excel on someone's computer): not read. Close the workbook before the run",
    ]


def test_a_missing_table_error_says_why_the_years_files_were_not_used(tmp_path):
    """The one line a scheduler's log holds names the file and the reason.

    The first data row is read as the headings; its blank cells name no column.
    """
    folder = minimal_return(tmp_path / "806" / "2024-25")
    lines = (folder / "header.csv").read_text().splitlines()
    (folder / "header.csv").write_text("\n".join(lines[1:]) + "\n")  # no heading row
    returns = read_history(tmp_path / "806", "2024-25")
    missing = [str(p) for p in returns[-1].problems if "no file holds the Header" in p.message]
    assert len(missing) == 1
    named = sum(bool(c) for c in lines[1].split(","))
    assert missing[0].endswith(
        "it is required. Not used in that year: 806/2024-25/header.csv (not a 903 table: "
        f"none of its {named} columns has a 903 heading (headings are not "
        "shown, in case the first row is data: a 903 file's first row must be its headings); "
        "the file was skipped)"
    )
